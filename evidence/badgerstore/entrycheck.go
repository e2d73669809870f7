package badgerstore

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// CheckEntryFiles implements evidence.EntryFiles: the indexed records must
// lie back to back from the start of each file, each where its pointer
// says with the header it says; bytes before, between or overlapping
// them are reported, as are files the pointers name that are missing and
// files no pointer names that lie before the last indexed record. What
// follows the last indexed record is left to evidence (EntryRunsAfter),
// which knows whether it continues the log. Checksums are checked where
// the entries are read.
func (s *Store) CheckEntryFiles(indexed [][]byte, problem func(where, detail string)) error {
	f := s.entries
	byFile := map[uint32][]pointer{}
	var last pointer
	for _, v := range indexed {
		p, err := decodePointer(v)
		if err != nil {
			problem("entry files", fmt.Sprintf("an entry run key holds a malformed pointer (%d bytes)", len(v)))
			continue
		}
		byFile[p.file] = append(byFile[p.file], p)
		if p.file > last.file || p.file == last.file && p.off >= last.off {
			last = p
		}
	}
	ids, err := f.ids()
	if err != nil {
		return err
	}
	if ents, err := os.ReadDir(f.dir); err == nil {
		for _, e := range ents {
			if !e.Type().IsRegular() || !entryFileName.MatchString(e.Name()) {
				problem("entries/"+e.Name(), "unexpected file in the entry file directory")
			}
		}
	}
	onDisk := map[uint32]bool{}
	for _, id := range ids {
		onDisk[id] = true
		if byFile[id] == nil && id < last.file {
			byFile[id] = []pointer{}
		}
	}
	var all []uint32
	for id := range byFile {
		all = append(all, id)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for _, id := range all {
		where := fmt.Sprintf("entry file %d", id)
		ptrs := byFile[id]
		if !onDisk[id] {
			problem(where, fmt.Sprintf("named by %d entry run(s) of the index but missing", len(ptrs)))
			continue
		}
		if err := f.checkFile(id, ptrs, id == last.file, problem); err != nil {
			problem(where, err.Error())
		}
	}
	return nil
}

// checkFile checks one entry file against the records indexed in it; in
// the file of the last indexed record, the bytes after it are not looked
// at.
func (f *entryFiles) checkFile(id uint32, ptrs []pointer, holdsLast bool, problem func(where, detail string)) error {
	fh, err := os.Open(f.path(id))
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	sort.Slice(ptrs, func(i, j int) bool { return ptrs[i].off < ptrs[j].off })
	where := func(off int64) string { return fmt.Sprintf("entry file %d offset %d", id, off) }
	var at int64
	hdr := make([]byte, recordHeaderLen)
	for _, p := range ptrs {
		switch {
		case p.off > at:
			problem(where(at), fmt.Sprintf("%d bytes belong to no indexed entry run", p.off-at))
		case p.off < at:
			problem(where(p.off), fmt.Sprintf("the record of entries %d to %d overlaps the record before it", p.first, p.first+uint64(p.count)-1))
		}
		end := p.off + p.size()
		at = max(at, end)
		if end > size {
			problem(where(p.off), fmt.Sprintf("the record of entries %d to %d ends at %d, after the end of the file (%d bytes)", p.first, p.first+uint64(p.count)-1, end, size))
			continue
		}
		if _, err := fh.ReadAt(hdr, p.off); err != nil && err != io.EOF {
			return err
		}
		if h, err := decodeHeader(hdr); err != nil || !p.matches(h) {
			problem(where(p.off), fmt.Sprintf("the record header there is not the one the index names (entries %d to %d, %d bytes)", p.first, p.first+uint64(p.count)-1, p.n))
		}
	}
	if at < size && !holdsLast {
		problem(where(at), fmt.Sprintf("%d bytes at the end belong to no indexed entry run", size-at))
	}
	return nil
}
