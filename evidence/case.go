package evidence

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// Case is one investigation's evidence store: the custody log, the
// artefacts it names, and the key that signs its checkpoints.
type Case struct {
	b        Backend
	log      *Log
	verifier note.Verifier
}

// Config says how to open a Case. Signer may be nil to open it read-only
// (listing, verification); Verifier is always required.
type Config struct {
	Signer   note.Signer
	Verifier note.Verifier
}

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
	return &Case{b: b, log: l, verifier: cfg.Verifier}, nil
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
	raw, err := c.b.Get(indexKey(prefixEntry, i))
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", i, err)
	}
	e, err := ParseEntry(raw)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", i, err)
	}
	return e, nil
}

// Entries calls fn for every committed entry from index from, in order.
func (c *Case) Entries(from uint64, fn func(*Entry) error) error {
	size := c.log.Size()
	return c.b.Scan(prefixEntry, indexKey(prefixEntry, from), func(k, v []byte) error {
		i, ok := keyIndex(prefixEntry, k)
		if !ok || i >= size {
			return nil
		}
		e, err := ParseEntry(append([]byte(nil), v...))
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		return fn(e)
	})
}

// HasArtefact reports whether the artefact with SHA-256 d is stored.
func (c *Case) HasArtefact(d Digest) (bool, error) {
	return c.b.Has(hashKey(prefixArtefact, d))
}

// Backend exposes the storage for packages that keep derived data (events,
// indexes) next to the log. They must use their own key prefixes, never
// the ones this package uses.
func (c *Case) Backend() Backend { return c.b }

// Close closes the backend.
func (c *Case) Close() error { return c.b.Close() }
