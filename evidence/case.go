package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/mod/sumdb/note"
)

// Case is one investigation's evidence store: the custody log, the
// artefacts it names, and the key that signs its checkpoints.
type Case struct {
	b        Backend
	chunks   Chunks
	log      *Log
	verifier note.Verifier
	// bulkLayout is set once the store holds this version's layout
	// number, so that WriteDerived need not write it with bulk values.
	bulkLayout atomic.Bool
}

// Config says how to open a Case. Signer may be nil to open it read-only
// (listing, verification); Verifier is always required.
type Config struct {
	Signer   note.Signer
	Verifier note.Verifier
	// Chunks holds artefact bytes. Nil means the backend's own chunk store
	// when it offers one (ChunkProvider), else c/ keys in the backend.
	Chunks Chunks
	// MaxEntry, when set, bounds one new entry's canonical bytes below
	// MaxEntrySize. A case published in the C2SP tlog-tiles layout sets
	// MaxTileEntry: an entry bundle holds entries of at most that length,
	// and a leaf of the tree is the entry itself, so a longer entry could
	// never be published. It is refused before it enters the log.
	MaxEntry int
}

// MaxTileEntry is the longest entry a C2SP tlog-tiles entry bundle holds
// (each entry there is prefixed by its length in 16 bits).
const MaxTileEntry = 0xFFFF

// Open opens the case stored in b. The checkpoint origin is the verifier's
// key name.
func Open(b Backend, cfg Config) (*Case, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("open case: a verifier key is required")
	}
	if cfg.Signer != nil && (cfg.Signer.Name() != cfg.Verifier.Name() || cfg.Signer.KeyHash() != cfg.Verifier.KeyHash()) {
		return nil, errors.New("open case: signing key does not match the case's public key")
	}
	l, err := openLog(b, cfg.Verifier.Name(), cfg.Signer)
	if err != nil {
		return nil, err
	}
	ch := cfg.Chunks
	if ch == nil {
		if p, ok := b.(ChunkProvider); ok {
			ch = p.Chunks()
		} else {
			ch = kvChunks{b}
		}
	}
	if cfg.MaxEntry > 0 && cfg.MaxEntry < MaxEntrySize {
		l.maxEntry = cfg.MaxEntry
	}
	c := &Case{b: b, chunks: ch, log: l, verifier: cfg.Verifier}
	c.bulkLayout.Store(l.layout == storeLayout)
	return c, nil
}

// CaseInfo is the payload of the case.created entry.
type CaseInfo struct {
	Title          string `json:"title"`
	Origin         string `json:"origin"`
	KeyFingerprint string `json:"key_fingerprint"`
	KeyAlgorithm   string `json:"key_algorithm"`
	ToolVersion    string `json:"tool_version"`
	CaseID         string `json:"case_id"`
}

// Create writes the case.created entry into an empty case.
func (c *Case) Create(ctx context.Context, actor string, info CaseInfo) (*Entry, error) {
	if c.log.Size() != 0 {
		return nil, errors.New("create case: the store already holds entries")
	}
	es, err := c.log.Append(ctx, Draft{Kind: KindCaseCreated, Actor: actor, Payload: info})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// Info returns the payload of the case.created entry.
func (c *Case) Info() (CaseInfo, error) {
	var info CaseInfo
	e, err := c.Entry(0)
	if err != nil {
		return info, err
	}
	if e.Kind != KindCaseCreated {
		return info, fmt.Errorf("entry 0 is %s, not %s", e.Kind, KindCaseCreated)
	}
	return info, e.DecodePayload(&info)
}

// Log returns the custody log.
func (c *Case) Log() *Log { return c.log }

// Verifier returns the key that checkpoints are verified with.
func (c *Case) Verifier() note.Verifier { return c.verifier }

// Append commits custody entries (see Log.Append).
func (c *Case) Append(ctx context.Context, drafts ...Draft) ([]*Entry, error) {
	return c.log.Append(ctx, drafts...)
}

// Entry reads and strictly parses entry i.
func (c *Case) Entry(i uint64) (*Entry, error) {
	c.log.settle() // an entry just appended is readable
	raw, err := readEntry(c.b, i)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", i, err)
	}
	e, err := ParseEntry(raw)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", i, err)
	}
	return e, nil
}

// HasArtefact reports whether the artefact with SHA-256 d is stored.
func (c *Case) HasArtefact(d Digest) (bool, error) {
	return c.b.Has(hashKey(prefixArtefact, d))
}

// Derived gives read access to the store for packages that keep derived
// data (events, indexes) next to the log, under their own key prefixes.
// They write through WriteDerived and AppendAtomic.
func (c *Case) Derived() DerivedReader { return c.b }

// DerivedReader is the read side of a Backend.
type DerivedReader interface {
	Get(key []byte) ([]byte, error)
	Has(key []byte) (bool, error)
	Last(prefix []byte) (key, value []byte, err error)
	Scan(prefix, start []byte, fn func(key, value []byte) error) error
	Keys(prefix, start []byte, fn func(key []byte) error) error
}

// Close closes the backend, once the index of the last commit is
// written.
func (c *Case) Close() error {
	c.log.settle()
	return c.b.Close()
}

// reservedPrefixes are the key spaces of the log and the artefacts, and
// the layout key, which only this package writes.
var reservedPrefixes = [][]byte{prefixEntry, prefixEntryRun, prefixHash, prefixHashRun, prefixCheckpoint, prefixChunk, prefixArtefact, keyLayout, keyEntryFiles}

// AppendAtomic commits drafts together with ops in one atomic, durable
// batch: a package keeping derived data (an index, a parse run) uses it so
// that its data and the entry recording it exist together or not at all.
// Ops must not touch the log's or the artefacts' key spaces, and at most
// maxCommitEntries drafts may be given.
func (c *Case) AppendAtomic(ctx context.Context, ops []Op, drafts ...Draft) ([]*Entry, error) {
	if err := checkOps(ops, len(drafts)); err != nil {
		return nil, err
	}
	return c.log.appendWith(ctx, ops, drafts)
}

// AppendLazy is AppendAtomic without waiting for the disk: the commit is
// atomic and checkpointed like any other, and it is in the store when
// AppendLazy returns (a killed process keeps it), but only the next
// durable commit (any Append, AppendAtomic or Sync) guarantees it survives
// a power failure. After a power failure the log ends at its last durable
// commit, whole and verifiable. Bulk recorders use it for all but their
// last batch.
func (c *Case) AppendLazy(ctx context.Context, ops []Op, drafts ...Draft) ([]*Entry, error) {
	if err := checkOps(ops, len(drafts)); err != nil {
		return nil, err
	}
	return c.log.appendReqs(ctx, ops, drafts, true)
}

func checkOps(ops []Op, drafts int) error {
	if drafts > maxCommitEntries {
		return fmt.Errorf("append atomic: %d drafts, at most %d", drafts, maxCommitEntries)
	}
	for _, op := range ops {
		for _, p := range reservedPrefixes {
			if bytes.HasPrefix(op.Key, p) {
				return fmt.Errorf("append atomic: key %q is in a reserved key space", op.Key)
			}
		}
		if op.StampIndex && len(op.Value) < 8 {
			return fmt.Errorf("append atomic: key %q: a stamped value needs 8 bytes for the index", op.Key)
		}
		if op.Bulk {
			return fmt.Errorf("append atomic: key %q: bulk values are written with WriteDerived, not with entries", op.Key)
		}
	}
	return nil
}

// WriteDerived stores derived data (events, index pages) outside the log's
// key spaces, durably when durable is set. Ops marked Bulk may be kept by
// the backend outside its index (Op.Bulk); the first such write to a case
// of an older layout writes this version's layout with them.
func (c *Case) WriteDerived(ops []Op, durable bool) error {
	for _, op := range ops {
		for _, p := range reservedPrefixes {
			if bytes.HasPrefix(op.Key, p) {
				return fmt.Errorf("write derived: key %q is in a reserved key space", op.Key)
			}
		}
		if op.StampIndex {
			return fmt.Errorf("write derived: key %q: only ops committed with entries can be stamped", op.Key)
		}
	}
	if !durable {
		c.log.unsynced.Add(1)
	}
	withLayout := c.bulkLayoutOps(ops)
	if err := c.b.Write(withLayout, durable); err != nil {
		return err
	}
	if len(withLayout) > len(ops) {
		c.bulkLayout.Store(true)
	}
	return nil
}
