// Package memstore is an in-memory evidence.Backend, for tests and for
// short-lived cases. It keeps everything in one process's memory: nothing
// survives a restart, so durable writes are trivially satisfied.
//
// Its Store has edit methods that skip every rule (Corrupt, Delete,
// CorruptChunk), with which tests play an attacker. They stay here because
// a store in memory has no files an attacker could edit instead and
// nothing in it outlives the process (casefile evaluate's throw-away case);
// a store on disk has no such methods (badgerstore: tests edit its files
// with badgerstore/storeedit).
package memstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"sort"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
)

// Store is an evidence.Backend held in memory. The zero value is not
// usable; call New.
type Store struct {
	mu     sync.RWMutex
	keys   []string // sorted
	vals   map[string][]byte
	closed bool
}

// New returns an empty store.
func New() *Store { return &Store{vals: map[string][]byte{}} }

var errClosed = errors.New("memstore: closed")

// Get implements evidence.Backend.
func (s *Store) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	v, ok := s.vals[string(key)]
	if !ok {
		return nil, evidence.ErrNotFound
	}
	return bytes.Clone(v), nil
}

// Has implements evidence.Backend.
func (s *Store) Has(key []byte) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false, errClosed
	}
	_, ok := s.vals[string(key)]
	return ok, nil
}

// Last implements evidence.Backend.
func (s *Store) Last(prefix []byte) ([]byte, []byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, nil, errClosed
	}
	// The first key not below every key with the prefix.
	end := sort.Search(len(s.keys), func(i int) bool {
		k := s.keys[i]
		return k > string(prefix) && !bytes.HasPrefix([]byte(k), prefix)
	})
	if end == 0 || !bytes.HasPrefix([]byte(s.keys[end-1]), prefix) {
		return nil, nil, evidence.ErrNotFound
	}
	k := s.keys[end-1]
	return []byte(k), bytes.Clone(s.vals[k]), nil
}

// Scan implements evidence.Backend.
func (s *Store) Scan(prefix, start []byte, fn func(key, value []byte) error) error {
	return s.iterate(prefix, start, func(k string) error { return fn([]byte(k), s.value(k)) })
}

// Keys implements evidence.Backend.
func (s *Store) Keys(prefix, start []byte, fn func(key []byte) error) error {
	return s.iterate(prefix, start, func(k string) error { return fn([]byte(k)) })
}

func (s *Store) value(k string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return bytes.Clone(s.vals[k])
}

// iterate visits a snapshot of the matching keys without holding the lock
// while fn runs, so fn may call other methods.
func (s *Store) iterate(prefix, start []byte, fn func(string) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	from := string(prefix)
	if start != nil && string(start) > from {
		from = string(start)
	}
	i := sort.SearchStrings(s.keys, from)
	var snap []string
	for ; i < len(s.keys) && bytes.HasPrefix([]byte(s.keys[i]), prefix); i++ {
		snap = append(snap, s.keys[i])
	}
	s.mu.RUnlock()
	for _, k := range snap {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// Write implements evidence.Backend.
func (s *Store) Write(ops []evidence.Op, durable bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, op := range ops {
		k := string(op.Key)
		if _, ok := s.vals[k]; !ok {
			i, _ := slices.BinarySearch(s.keys, k)
			s.keys = slices.Insert(s.keys, i, k)
		}
		s.vals[k] = bytes.Clone(op.Value)
	}
	return nil
}

// Close implements evidence.Backend.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Corrupt replaces the value stored under key without any check. It exists
// so that tests can play an attacker with write access to the store.
func (s *Store) Corrupt(key, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(key)
	if _, ok := s.vals[k]; !ok {
		i, _ := slices.BinarySearch(s.keys, k)
		s.keys = slices.Insert(s.keys, i, k)
	}
	s.vals[k] = bytes.Clone(value)
}

// Delete removes key without any check, for tests that play an attacker.
func (s *Store) Delete(key []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(key)
	if _, ok := s.vals[k]; ok {
		i, _ := slices.BinarySearch(s.keys, k)
		s.keys = slices.Delete(s.keys, i, i+1)
		delete(s.vals, k)
	}
}

// CorruptChunk replaces a chunk's bytes, for tests that play an attacker.
func (s *Store) CorruptChunk(sum [32]byte, data []byte) error {
	s.Corrupt(append([]byte("c/"), sum[:]...), data)
	return nil
}

// NewCase returns a case held in memory, with its case.created entry,
// signed with an Ed25519 key made for it alone: for tests and for
// throw-away cases (casefile evaluate) that need not outlive the process.
func NewCase(ctx context.Context, title, actor string) (*evidence.Case, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "casefile.invalid/memory")
	if err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	c, err := evidence.Open(New(), evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		return nil, err
	}
	if _, err := c.Create(ctx, actor, evidence.CaseInfo{Title: title, ToolVersion: evidence.ToolName + " " + evidence.ToolVersion}); err != nil {
		return nil, err
	}
	return c, nil
}
