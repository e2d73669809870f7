package evidence

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// This file is what a copy of the case kept elsewhere (object storage, in
// the tlog-tiles layout) needs: reading the tree hashes and artefact
// records to publish them, and rebuilding a Backend from a copy so that
// Verify checks it with the same code as a case directory.

// TreeHashes reads the stored tlog hashes (for tiles). Verification, not
// this reader, establishes that they are right.
func (c *Case) TreeHashes() tlog.HashReader {
	c.log.settle() // the hashes of a commit just acknowledged are readable
	return hashReader{c.b}
}

// ArtefactRecordJSON returns the stored record of artefact d: its size and
// the chunk-list pages its bytes are read through.
func (c *Case) ArtefactRecordJSON(d Digest) ([]byte, error) {
	return c.b.Get(hashKey(prefixArtefact, d))
}

// EachArtefact visits the digest of every stored artefact record.
func (c *Case) EachArtefact(fn func(Digest) error) error {
	return c.b.Keys(prefixArtefact, nil, func(k []byte) error {
		if len(k) != len(prefixArtefact)+32 {
			return fmt.Errorf("malformed artefact key %x", k)
		}
		return fn(Digest(k[len(prefixArtefact):]))
	})
}

// Importer writes a copy of a case into an empty Backend, in the layout
// this version writes: entries in order (in runs), with the tree hashes
// recomputed from them, artefact records, and the signed checkpoint. It
// checks nothing: open the Backend and Verify it.
type Importer struct {
	b     Backend
	tree  compactRange
	ops   []Op
	named map[Digest]bool
	// slab holds the entries since the last flush, '\n' between them,
	// ends where each ends; the first is entry first.
	slab  []byte
	ends  []int
	first uint64
	// sums are the tree hashes since the last flush, written as one run
	// ending at lastHash.
	sums     []byte
	lastHash int64
}

// NewImporter starts a copy into b, which must be empty.
func NewImporter(b Backend) (*Importer, error) {
	empty := true
	if err := b.Keys(nil, nil, func([]byte) error { empty = false; return errors.New("stop") }); err != nil && empty {
		return nil, err
	}
	if !empty {
		return nil, errors.New("import: the store is not empty")
	}
	return &Importer{b: b, named: map[Digest]bool{}, ops: []Op{layoutOp()}}, nil
}

// Entry adds the next entry's canonical bytes, as published. (An entry
// holding a raw newline, which canonical JSON never does, splits in two
// when its run is read back: verification reports it.)
func (im *Importer) Entry(raw []byte) error {
	if len(im.ends) > 0 {
		im.slab = append(im.slab, '\n')
	}
	im.slab = append(im.slab, raw...)
	im.ends = append(im.ends, len(im.slab))
	im.tree.append(tlog.RecordHash(raw), func(s storedHash) {
		im.sums = append(im.sums, s.hash[:]...)
		im.lastHash = s.index
	})
	if e, err := ParseEntry(raw); err == nil && e.Kind == KindArtefactIngested {
		var p IngestPayload
		if e.DecodePayload(&p) == nil {
			if d, err := ParseDigest(p.SHA256); err == nil {
				im.named[d] = true
			}
		}
	}
	if len(im.ends) >= maxCommitEntries || len(im.slab) >= maxCommitBytes {
		return im.flush()
	}
	return nil
}

// Named reports whether an entry added so far names artefact d: a copy
// takes only those records (one published ahead of its entries, by a
// publication cut short, is not yet part of the copy).
func (im *Importer) Named(d Digest) bool { return im.named[d] }

// ArtefactRecord adds the record of artefact d.
func (im *Importer) ArtefactRecord(d Digest, raw []byte) error {
	im.ops = append(im.ops, Op{Key: hashKey(prefixArtefact, d), Value: append([]byte(nil), raw...)})
	if len(im.ops) >= maxCommitEntries {
		return im.flush()
	}
	return nil
}

// Finish stores the signed checkpoint note for the entries added.
func (im *Importer) Finish(checkpoint []byte) error {
	if im.tree.size == 0 {
		return errors.New("import: no entries")
	}
	im.ops = append(im.ops, Op{Key: indexKey(prefixCheckpoint, im.tree.size), Value: append([]byte(nil), checkpoint...)})
	if err := im.flush(); err != nil {
		return err
	}
	return im.b.Write(nil, true)
}

func (im *Importer) flush() error {
	if len(im.ends) > 0 {
		im.ops = entryRunOps(im.ops, im.first, im.slab, im.ends)
		im.first += uint64(len(im.ends))
		im.slab, im.ends = nil, nil
	}
	if len(im.sums) > 0 {
		im.ops = hashRunOps(im.ops, im.lastHash, im.sums)
		im.sums = nil
	}
	if len(im.ops) == 0 {
		return nil
	}
	err := im.b.Write(im.ops, false)
	im.ops = nil
	return err
}
