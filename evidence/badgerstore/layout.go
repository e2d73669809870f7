package badgerstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

var packName = regexp.MustCompile(`^pack-([0-9]{6})\.dat$`)

// CheckLayout implements evidence.LayoutChecker: every byte of every pack
// file must belong to exactly one indexed record whose header names the
// chunk and length the index gives, and every pack the index names must
// exist. Anything else (bytes nobody indexed, overlapping or misplaced
// records, stray files) is reported: a flipped byte anywhere in a pack is
// found either here or by the chunk's hash.
//
// Chunks are not written meanwhile (the check holds p.mu), so that bytes a
// concurrent Put appends before indexing them are not taken for damage.
func (p *packs) CheckLayout(problem func(where, detail string)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.syncLocked(); err != nil {
		return err
	}
	byPack := map[uint32][]packRec{}
	err := p.eachLocation(func(sum [32]byte, l location) error {
		byPack[l.pack] = append(byPack[l.pack], packRec{sum, l.off, l.n})
		return nil
	})
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(p.dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	onDisk := map[uint32]bool{}
	for _, e := range ents {
		m := packName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			problem("packs/"+e.Name(), "unexpected file in the pack directory")
			continue
		}
		id, _ := strconv.ParseUint(m[1], 10, 32)
		onDisk[uint32(id)] = true
	}
	var ids []uint32
	for id := range byPack {
		ids = append(ids, id)
	}
	for id := range onDisk {
		if byPack[id] == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		where := fmt.Sprintf("pack %d", id)
		if !onDisk[id] {
			problem(where, fmt.Sprintf("named by %d chunk(s) of the index but missing", len(byPack[id])))
			continue
		}
		recs := byPack[id]
		sort.Slice(recs, func(i, j int) bool { return recs[i].off < recs[j].off })
		if err := p.checkPack(id, recs, problem); err != nil {
			problem(where, err.Error())
		}
	}
	return nil
}

type packRec struct {
	sum [32]byte
	off int64
	n   uint32
}

func (p *packs) checkPack(id uint32, recs []packRec, problem func(where, detail string)) error {
	f, err := os.Open(filepath.Join(p.dir, fmt.Sprintf("pack-%06d.dat", id)))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	where := fmt.Sprintf("pack %d", id)
	var at int64
	var hdr [recordHeader]byte
	for _, r := range recs {
		start := r.off - recordHeader
		switch {
		case start > at:
			problem(fmt.Sprintf("%s offset %d", where, at), fmt.Sprintf("%d bytes belong to no indexed chunk", start-at))
		case start < at:
			problem(fmt.Sprintf("%s offset %d", where, start), fmt.Sprintf("chunk sha256:%x overlaps the record before it", r.sum))
		}
		end := r.off + int64(r.n)
		if end > size {
			problem(fmt.Sprintf("%s offset %d", where, start), fmt.Sprintf("chunk sha256:%x ends at %d, after the end of the pack (%d bytes)", r.sum, end, size))
			at = max(at, end)
			continue
		}
		if _, err := f.ReadAt(hdr[:], start); err != nil && err != io.EOF {
			return err
		}
		if !bytes.Equal(hdr[:32], r.sum[:]) || binary.BigEndian.Uint32(hdr[32:]) != r.n {
			problem(fmt.Sprintf("%s offset %d", where, start), fmt.Sprintf("record header does not name chunk sha256:%x of %d bytes as the index does", r.sum, r.n))
		}
		at = max(at, end)
	}
	if at < size {
		problem(fmt.Sprintf("%s offset %d", where, at), fmt.Sprintf("%d bytes at the end belong to no indexed chunk", size-at))
	}
	return nil
}
