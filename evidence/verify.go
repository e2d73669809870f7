package evidence

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"slices"
	"sort"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Problem kinds, as in the CLI contract.
const (
	ProblemEntry      = "entry"
	ProblemChunk      = "chunk"
	ProblemArtefact   = "artefact"
	ProblemCheckpoint = "checkpoint"
	ProblemSignature  = "signature"
	ProblemStore      = "store"
)

// maxProblems bounds a report; verification goes on counting after it.
const maxProblems = 100

// CheckpointInfo summarises the latest signed checkpoint.
type CheckpointInfo struct {
	Size uint64 `json:"size"`
	Root string `json:"root"` // base64, as in the checkpoint body
}

// Report is the result of Verify, in the shape of `casefile verify --json`.
type Report struct {
	OK          bool            `json:"ok"`
	Entries     uint64          `json:"entries"`
	Artefacts   int             `json:"artefacts"`
	Checkpoint  *CheckpointInfo `json:"checkpoint"`
	Checkpoints int             `json:"checkpoints"`
	Chunks      int             `json:"chunks"`
	Bytes       int64           `json:"bytes"` // artefact bytes re-hashed
	// ByChunkList counts the artefacts proven through the chunk list their
	// entries commit to (record_sha256), without recomputing their
	// whole-content SHA-256 (VerifyOptions.FullHash does).
	ByChunkList int       `json:"artefacts_by_chunk_list,omitempty"`
	Problems    []Problem `json:"problems"`
	Dropped     int       `json:"problems_not_shown,omitempty"`
	// KeyFingerprint is the key the checkpoints were verified with;
	// CaseCreatedKey the key case.created names. Write them down.
	KeyFingerprint string         `json:"key_fingerprint,omitempty"`
	CaseCreatedKey string         `json:"case_created_key,omitempty"`
	Trusted        *TrustedReport `json:"trusted_checkpoint,omitempty"`
	// NotProven says what this verification cannot establish on its own.
	NotProven []string `json:"not_proven"`
}

func (r *Report) add(kind, where, format string, args ...any) {
	r.addProblem(NewProblem(kind, where, fmt.Sprintf(format, args...)))
}

// addErr records a problem whose class err names (errors.Is), its text the
// detail.
func (r *Report) addErr(kind, where string, err error) {
	p := NewProblem(kind, where, err.Error())
	p.Err = err
	r.addProblem(p)
}

func (r *Report) addProblem(p Problem) {
	if len(r.Problems) >= maxProblems {
		r.Dropped++
		return
	}
	r.Problems = append(r.Problems, p)
}

// AddProblem records a problem found by a check outside this package (the
// data derived from the log: events, indexes) and marks the report failed.
func (r *Report) AddProblem(kind, where, detail string) {
	r.add(kind, where, "%s", detail)
	r.OK = false
}

// First returns the first problem, or nil when the case is intact.
func (r *Report) First() *Problem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

// VerifyOptions control Verify. The zero value checks everything.
type VerifyOptions struct {
	SkipContent bool // do not re-hash artefact bytes and chunks
	// FullHash recomputes every artefact's whole-content SHA-256 (and the
	// MD5 and SHA-1 its entries record) even when its entries commit to its
	// chunk list: the standard digests, recomputed, for whoever asks.
	FullHash bool
	Progress func(int64) // artefact bytes re-hashed so far
	// Expect, when set, is checked against case.created (title, origin,
	// case id, and the fingerprint of the key checkpoints are verified with).
	Expect *CaseExpect
	// Trusted, when set, is a checkpoint kept outside the case: the log
	// must extend it (not be shortened nor forked).
	Trusted *TrustedCheckpoint
}

// Verify recomputes everything from the stored bytes: every entry's
// canonical form, index and hash chain; every tlog hash; the root of every
// stored checkpoint and its signature; that the latest checkpoint covers
// exactly the stored entries; every artefact's SHA-256, size and legacy
// hashes against the entries that name it; every chunk against its hash.
// Since every checkpoint root is recomputed from the same stored entries,
// each checkpoint is also proven consistent with the latest one.
//
// The error is non-nil only when ctx is cancelled; damage is reported in
// the Report.
func (c *Case) Verify(ctx context.Context, opt VerifyOptions) (*Report, error) {
	r := &Report{Problems: []Problem{}}
	if opt.Expect != nil {
		r.KeyFingerprint = opt.Expect.KeyFingerprint
	}
	// The log, its checkpoints and the artefact records are read as one
	// state; re-hashing the content, the slow part, lets commits go on.
	release := c.log.hold()
	defer func() {
		if release != nil {
			release()
		}
	}()
	var sizes []uint64
	err := c.b.Keys(prefixCheckpoint, nil, func(k []byte) error {
		n, ok := keyIndex(prefixCheckpoint, k)
		if !ok {
			r.add(ProblemCheckpoint, fmt.Sprintf("key %x", k), "malformed checkpoint key")
			return nil
		}
		sizes = append(sizes, n)
		return nil
	})
	if err != nil {
		r.add(ProblemStore, "checkpoints", "cannot list checkpoints: %v", err)
	}
	if t := opt.Trusted; t != nil {
		i := sort.Search(len(sizes), func(i int) bool { return sizes[i] >= t.Size })
		sizes = slices.Insert(sizes, i, t.Size)
	}
	roots, claims, first, tail := c.verifyEntries(ctx, r, sizes)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	c.verifyGenesis(r, first, opt)
	latest := c.verifyCheckpoints(r, roots)
	if t := opt.Trusted; t != nil {
		root, ok := roots[t.Size]
		c.verifyTrusted(r, t, root, ok, latest)
	}
	if ef, ok := c.b.(EntryFiles); ok {
		verifyEntryFiles(r, c.b, ef, tail)
	}
	stored := c.storedArtefacts(r)
	release()
	release = nil
	checked := map[Digest]bool{}
	c.verifyArtefacts(ctx, r, claims, stored, opt, checked)
	if !opt.SkipContent {
		c.verifyChunks(ctx, r, checked)
		if lc, ok := c.chunks.(LayoutChecker); ok {
			err := lc.CheckLayout(func(where, detail string) { r.add(ProblemStore, where, "%s", detail) })
			if err != nil {
				r.add(ProblemStore, "packs", "cannot check the pack files: %v", err)
			}
		}
		if vc, ok := c.b.(ValueChecker); ok {
			if err := vc.CheckValues(func(where, detail string) { r.add(ProblemStore, where, "%s", detail) }); err != nil {
				r.add(ProblemStore, "values", "cannot check the value files: %v", err)
			}
		}
	}
	r.NotProven = r.unproven()
	r.OK = len(r.Problems) == 0 && r.Dropped == 0
	return r, ctx.Err()
}

// verifyEntries walks the entries in order, checking each one and
// rebuilding the Merkle tree; it returns the recomputed root for every
// checkpoint size and what the entries claim about artefacts.
func (c *Case) verifyEntries(ctx context.Context, r *Report, sizes []uint64) (map[uint64]tlog.Hash, *ArtefactIndex, *Entry, walkedLog) {
	var first *Entry
	var walked walkedLog
	roots := make(map[uint64]tlog.Hash, len(sizes))
	claims := NewArtefactIndex()
	hashes, stopHashes := c.streamHashes()
	defer stopHashes()

	var (
		tree      compactRange
		prev      [32]byte
		next      uint64
		treeBroke bool
	)
	emit := func(s storedHash) {
		if treeBroke {
			return
		}
		got, ok := <-hashes
		switch {
		case !ok:
			r.add(ProblemEntry, fmt.Sprintf("entry %d", tree.size), "tree hash %d is missing", s.index)
			treeBroke = true
		case got.index != s.index:
			r.add(ProblemEntry, fmt.Sprintf("entry %d", tree.size), "tree hash %d is missing (found %d)", s.index, got.index)
			treeBroke = true
		case got.hash != s.hash:
			r.add(ProblemEntry, fmt.Sprintf("entry %d", tree.size), "stored tree hash %d does not match the entry: the entry or its tree hash was changed", s.index)
			treeBroke = true
		}
	}
	si := 0
	err := c.scanParsed(ctx, func(it *parsedEntry) {
		i := it.index
		if !it.keyOK {
			r.add(ProblemEntry, fmt.Sprintf("key %x", it.key), "malformed entry or entry run key")
			return
		}
		if it.runErr != nil {
			r.add(ProblemStore, fmt.Sprintf("entry %d", i), "the entry file record of the entry run holding it: %v", it.runErr)
		}
		if it.ptr != nil {
			walked.ptrs = append(walked.ptrs, it.ptr)
		}
		if i < next {
			// Runs that overlap, or a run holding more entries than its
			// key leaves room for: the entry at a place already filled
			// is reported, not counted.
			r.add(ProblemEntry, fmt.Sprintf("entry %d", i), "stored twice (entry runs overlap, or a run holds more entries than its key says)")
			treeBroke = true
			return
		}
		if i > next {
			r.addErr(ProblemEntry, fmt.Sprintf("entry %d", next), &classed{fmt.Sprintf("entries %d to %d are missing (removed?)", next, i-1), ErrEntryMissing})
			treeBroke = true
		}
		next = i + 1
		if e := it.e; it.err != nil {
			r.add(ProblemEntry, fmt.Sprintf("entry %d", i), "unreadable: %v", it.err)
		} else {
			if e.Index != i {
				why := "reordered?"
				if e.Index > i {
					why = "reordered? or removed?" // an entry removed from a run shifts those after it
				}
				r.add(ProblemEntry, fmt.Sprintf("entry %d", i), "stored at position %d but says it is entry %d (%s)", i, e.Index, why)
			}
			if err := CheckLink(e, prev); err != nil {
				r.addErr(ProblemEntry, fmt.Sprintf("entry %d", i), err)
			}
			if err := claims.Add(e); err != nil {
				r.addErr(ProblemEntry, fmt.Sprintf("entry %d", i), err)
			}
			if i == 0 {
				first = e
			}
		}
		prev = it.sum
		tree.append(it.leaf, emit)
		for si < len(sizes) && sizes[si] < tree.size {
			si++
		}
		if si < len(sizes) && sizes[si] == tree.size {
			roots[tree.size] = tree.root()
		}
	})
	if err != nil && ctx.Err() == nil {
		r.add(ProblemStore, fmt.Sprintf("entry %d", next), "cannot read entries: %v", err)
	}
	r.Entries = next
	walked.size, walked.last = next, prev
	return roots, claims, first, walked
}

// parsedEntry is one stored entry with the work that does not depend on
// its neighbours done: parsing and hashing.
type parsedEntry struct {
	key   []byte
	index uint64
	keyOK bool
	e     *Entry
	err   error
	// runErr and ptr are those of storedEntry.
	runErr error
	ptr    []byte
	sum    [32]byte  // SHA-256 of the canonical bytes (what the next prev names)
	leaf   tlog.Hash // RFC 6962 leaf hash
}

// scanParsed reads the entries in order and hands them to fn in order,
// parsed and hashed by a pool of workers in between: verification is
// bound by parsing and hashing, which need no order.
func (c *Case) scanParsed(ctx context.Context, fn func(*parsedEntry)) error {
	const batchSize = 512
	type batch struct {
		items []parsedEntry
		done  chan struct{}
	}
	work := make(chan *batch, 4)
	order := make(chan *batch, 8)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range work {
				for i := range b.items {
					it := &b.items[i]
					raw := it.e.Raw
					it.e, it.err = ParseEntry(raw)
					it.sum = sha256.Sum256(raw)
					it.leaf = tlog.RecordHash(raw)
				}
				close(b.done)
			}
		})
	}
	var scanErr error
	go func() {
		defer close(order)
		defer close(work)
		cur := &batch{done: make(chan struct{})}
		flush := func() {
			work <- cur
			order <- cur
			cur = &batch{done: make(chan struct{})}
		}
		scanErr = scanEntries(c.b, 0, func(se storedEntry) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			cur.items = append(cur.items, parsedEntry{key: se.key, index: se.index, keyOK: se.keyOK, e: &Entry{Raw: se.raw}, runErr: se.runErr, ptr: se.ptr})
			if len(cur.items) == batchSize {
				flush()
			}
			return nil
		})
		if len(cur.items) > 0 {
			flush()
		}
	}()
	for b := range order {
		<-b.done
		for i := range b.items {
			fn(&b.items[i])
		}
	}
	wg.Wait()
	return scanErr
}

// streamHashes reads the stored tlog hashes in order in a goroutine: the
// single hashes of cases written before hash runs (h/), then the runs
// (hr/). A hash out of place, repeated or missing shows as an index other
// than the one the entries need next.
func (c *Case) streamHashes() (<-chan storedHash, func()) {
	ch := make(chan storedHash, 256)
	stop := make(chan struct{})
	send := func(s storedHash) error {
		select {
		case ch <- s:
			return nil
		case <-stop:
			return errors.New("stopped")
		}
	}
	go func() {
		defer close(ch)
		err := c.b.Scan(prefixHash, nil, func(k, v []byte) error {
			i, _ := keyIndex(prefixHash, k)
			var h tlog.Hash
			if len(v) == len(h) {
				copy(h[:], v)
			} else {
				h[0] ^= 0xff // a wrong-length value never matches
			}
			return send(storedHash{int64(i), h})
		})
		if err != nil {
			return
		}
		_ = c.b.Scan(prefixHashRun, nil, func(k, v []byte) error {
			last, _ := keyIndex(prefixHashRun, k)
			run := hashRun{last: last, data: v}
			if !run.covers(last) {
				var h tlog.Hash
				h[0] ^= 0xff // a malformed run: its last index never matches
				return send(storedHash{int64(last), h})
			}
			for i := run.first(); i <= last; i++ {
				if err := send(storedHash{int64(i), run.hash(i)}); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	return ch, func() {
		close(stop)
		for range ch {
		}
	}
}

// verifyCheckpoints checks every stored checkpoint's signature, origin and
// root, and that the latest one covers exactly the stored entries.
func (c *Case) verifyCheckpoints(r *Report, roots map[uint64]tlog.Hash) *Checkpoint {
	var latest *Checkpoint
	err := c.b.Scan(prefixCheckpoint, nil, func(k, v []byte) error {
		n, ok := keyIndex(prefixCheckpoint, k)
		if !ok {
			return nil
		}
		r.Checkpoints++
		where := fmt.Sprintf("checkpoint %d", n)
		ck, err := OpenCheckpoint(bytes.Clone(v), c.verifier)
		if err != nil {
			r.add(ProblemSignature, where, "%v", err)
			return nil
		}
		if ck.Size != n {
			r.add(ProblemCheckpoint, where, "stored under size %d but signed for size %d", n, ck.Size)
			return nil
		}
		root, ok := roots[n]
		switch {
		case n > r.Entries:
			r.add(ProblemCheckpoint, where, "signed for %d entries but only %d are stored (truncated tail?)", n, r.Entries)
		case !ok:
			r.add(ProblemCheckpoint, where, "no root could be recomputed for size %d", n)
		case root != ck.Root:
			r.addErr(ProblemCheckpoint, where, &classed{fmt.Sprintf("signed root does not match the stored entries: an entry before index %d was changed after signing", n), ErrCheckpointMismatch})
		}
		latest = &ck
		return nil
	})
	if err != nil {
		r.add(ProblemStore, "checkpoints", "cannot read checkpoints: %v", err)
	}
	switch {
	case latest == nil && r.Entries > 0:
		r.add(ProblemCheckpoint, "checkpoint", "no signed checkpoint covers the %d stored entries", r.Entries)
	case latest != nil && latest.Size < r.Entries:
		r.add(ProblemCheckpoint, fmt.Sprintf("entry %d", latest.Size), "entries %d to %d are not covered by any signed checkpoint", latest.Size, r.Entries-1)
	}
	if latest != nil {
		r.Checkpoint = &CheckpointInfo{Size: latest.Size, Root: base64.StdEncoding.EncodeToString(latest.Root[:])}
	}
	return latest
}

// verifyArtefacts re-hashes every stored artefact and compares it with what
// the entries claim.
// storedArtefacts lists the artefact records in the store.
func (c *Case) storedArtefacts(r *Report) map[Digest]bool {
	stored := map[Digest]bool{}
	err := c.b.Keys(prefixArtefact, nil, func(k []byte) error {
		if len(k) != len(prefixArtefact)+32 {
			r.add(ProblemArtefact, fmt.Sprintf("key %x", k), "malformed artefact key")
			return nil
		}
		stored[Digest(k[len(prefixArtefact):])] = true
		return nil
	})
	if err != nil {
		r.add(ProblemStore, "artefacts", "cannot list artefacts: %v", err)
	}
	r.Artefacts = len(stored)
	return stored
}

func (c *Case) verifyArtefacts(ctx context.Context, r *Report, claims *ArtefactIndex, stored map[Digest]bool, opt VerifyOptions, checked map[Digest]bool) {
	var digests []Digest
	for d := range stored {
		digests = append(digests, d)
	}
	for _, a := range claims.All() {
		if !stored[a.Digest] {
			digests = append(digests, a.Digest)
		}
	}
	// Artefacts named by entries first, in entry order; then unnamed ones.
	sort.Slice(digests, func(i, j int) bool {
		ci, cj := claims.Get(digests[i]), claims.Get(digests[j])
		switch {
		case ci != nil && cj != nil:
			return ci.Number < cj.Number
		case ci != nil || cj != nil:
			return ci != nil
		default:
			return bytes.Compare(digests[i][:], digests[j][:]) < 0
		}
	})
	for _, d := range digests {
		if ctx.Err() != nil {
			return
		}
		where := "artefact " + d.String()
		cl := claims.Get(d)
		if cl == nil {
			r.add(ProblemArtefact, where, "stored but named by no custody entry")
			continue
		}
		if !stored[d] {
			r.add(ProblemArtefact, where, "named by entry %d but not stored", cl.First().Entry)
			continue
		}
		if opt.SkipContent {
			continue
		}
		c.verifyContent(ctx, r, d, cl, opt, checked)
	}
}

// verifyContent proves artefact d's stored bytes are those its entries
// name. When an entry records record_sha256, the stored record must hash
// to it, each chunk-list page and each chunk to its name, and the sizes
// must add up: the signed log then commits to every byte through the
// chunk list, and each byte is hashed once, on every core. Otherwise (an
// artefact ingested before record_sha256 existed), or with FullHash, the
// whole content's SHA-256 (and the MD5 and SHA-1 the entries record) is
// recomputed as well, in one sequential pass.
func (c *Case) verifyContent(ctx context.Context, r *Report, d Digest, cl *IndexedArtefact, opt VerifyOptions, checked map[Digest]bool) {
	where := "artefact " + d.String()
	raw, err := c.b.Get(hashKey(prefixArtefact, d))
	if err != nil {
		r.add(ProblemArtefact, where, "%v", err)
		return
	}
	claims := recordClaims(cl)
	if len(claims) > 0 {
		sum := sha256.Sum256(raw)
		got := hex.EncodeToString(sum[:])
		for _, e := range cl.Ingests {
			if want := e.RecordSHA256; want != "" && want != got && claims[want] == e.Entry {
				r.addErr(ProblemArtefact, where, &classed{fmt.Sprintf("its record (size and chunk list) hashes to %s, entry %d recorded %s: the record was changed", got, e.Entry, want), ErrContentMismatch})
				return
			}
		}
	}
	rec, err := parseRecord(d, raw)
	if err != nil {
		r.add(ProblemArtefact, where, "%v", err)
		return
	}
	ar, err := c.artefactReader(d, rec)
	if err != nil {
		var ce *ChunkError
		if errors.As(err, &ce) {
			r.add(ProblemChunk, "chunk "+ce.Chunk.String(), "chunk list of %s: %v", d, ce.Err)
			return
		}
		r.add(ProblemArtefact, where, "%v", err)
		return
	}
	for _, ph := range ar.rec.Pages {
		if pd, err := ParseDigest(ph); err == nil {
			checked[pd] = true
		}
	}
	full := opt.FullHash || len(claims) == 0
	var (
		s256, m5, s1 hash.Hash
		md5s, sha1s  map[string]uint64
		w            io.Writer
	)
	if full {
		md5s, sha1s = legacyClaims(cl)
		s256 = sha256.New()
		ws := []io.Writer{s256}
		if len(md5s) > 0 {
			m5 = md5.New()
			ws = append(ws, m5)
		}
		if len(sha1s) > 0 {
			s1 = sha1.New()
			ws = append(ws, s1)
		}
		w = io.MultiWriter(ws...)
	}
	if f := c.hashChunks(ctx, ar, w, r, opt.Progress, checked); f != nil {
		if f.length {
			r.add(ProblemArtefact, where, "chunk %d (%s): %v", f.i, Digest(f.sum), f.err)
			return
		}
		p := NewProblem(ProblemChunk, "chunk "+Digest(f.sum).String(), fmt.Sprintf("chunk %d of %s: %v", f.i, d, f.err))
		off := int64(f.i) * int64(ar.rec.ChunkSize)
		p.Artefact, p.Offset, p.Err = &d, &off, ErrContentMismatch
		r.addProblem(p)
		return
	}
	if ctx.Err() != nil {
		return
	}
	if full {
		if got := Digest(s256.Sum(nil)); got != d {
			r.addErr(ProblemArtefact, where, &classed{fmt.Sprintf("content hashes to %s", got), ErrContentMismatch})
			return
		}
	} else {
		r.ByChunkList++
	}
	if ar.rec.Size != cl.Size() {
		r.add(ProblemArtefact, where, "stored size %d, entry %d says %d", ar.rec.Size, cl.First().Entry, cl.Size())
	}
	if m5 != nil {
		got := hex.EncodeToString(m5.Sum(nil))
		for want, idx := range md5s {
			if want != got {
				r.add(ProblemArtefact, where, "MD5 recorded in entry %d does not match the content", idx)
			}
		}
	}
	if s1 != nil {
		got := hex.EncodeToString(s1.Sum(nil))
		for want, idx := range sha1s {
			if want != got {
				r.add(ProblemArtefact, where, "SHA-1 recorded in entry %d does not match the content", idx)
			}
		}
	}
}

// legacyClaims returns the distinct MD5 and SHA-1 values the entries
// record for an artefact, each with the first entry recording it.
func legacyClaims(a *IndexedArtefact) (md5s, sha1s map[string]uint64) {
	md5s, sha1s = map[string]uint64{}, map[string]uint64{}
	for _, in := range a.Ingests {
		if _, ok := md5s[in.MD5]; in.MD5 != "" && !ok {
			md5s[in.MD5] = in.Entry
		}
		if _, ok := sha1s[in.SHA1]; in.SHA1 != "" && !ok {
			sha1s[in.SHA1] = in.Entry
		}
	}
	return md5s, sha1s
}

// verifyChunks hashes every stored chunk not already checked (chunks left
// by an interrupted ingest, which no artefact names, are checked too).
func (c *Case) verifyChunks(ctx context.Context, r *Report, checked map[Digest]bool) {
	err := c.chunks.Each(func(sum [32]byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.Chunks++
		d := Digest(sum)
		if checked[d] {
			return nil
		}
		if _, err := readChunk(c.chunks, sum); err != nil {
			r.add(ProblemChunk, "chunk "+d.String(), "%v", errors.Unwrap(err))
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		r.add(ProblemStore, "chunks", "cannot read chunks: %v", err)
	}
}
