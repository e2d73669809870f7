// Package badgerstore is the evidence.Backend on Badger, the embedded store
// a case lives in on disk. It is the only package that imports Badger.
//
// Writes are Badger transactions, atomic across a crash; a durable write is
// followed by an fsync of the value log and write-ahead log, so every write
// acknowledged as durable survives power loss. Badger's own errors can carry
// a hex dump of the value being written; this package never lets those
// texts out, since the value may be evidence.
package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/casefile/casefile/evidence"
)

// Options tune the store. The zero value means the defaults, sized so that
// ingesting a file of any size stays within about 100 MiB of memory.
type Options struct {
	ReadOnly bool
}

// Store is a Badger database holding one case, with its artefact chunks
// in pack files beside it.
type Store struct {
	db    *badger.DB
	packs *packs
}

// Open opens (creating if needed) the store in dir: the Badger database in
// dir/db and the chunk packs in dir/packs.
func Open(dir string, o Options) (*Store, error) {
	opts := badger.DefaultOptions(filepath.Join(dir, "db")).
		WithLogger(nil).
		WithSyncWrites(false). // durability comes from explicit Sync after each durable batch
		WithNumVersionsToKeep(1).
		WithDetectConflicts(false).
		WithMemTableSize(32 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(128 << 20).
		WithNumCompactors(2).
		WithCompactL0OnClose(true).
		WithReadOnly(o.ReadOnly)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, clean(err))
	}
	p, err := openPacks(db, filepath.Join(dir, "packs"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return &Store{db: db, packs: p}, nil
}

// Chunks returns the pack-file chunk store (evidence.ChunkProvider).
func (s *Store) Chunks() evidence.Chunks { return s.packs }

// clean keeps Badger error texts short and free of value dumps.
func clean(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, badger.ErrTxnTooBig):
		return errors.New("badger: batch too large for one transaction")
	case errors.Is(err, badger.ErrValueLogSize), errors.Is(err, badger.ErrInvalidRequest):
		return errors.New("badger: value too large")
	}
	msg := err.Error()
	if i := strings.IndexAny(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return fmt.Errorf("badger: %s", msg)
}

// Get implements evidence.Backend.
func (s *Store) Get(key []byte) ([]byte, error) {
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(key)
		if err != nil {
			return err
		}
		v, err = it.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, evidence.ErrNotFound
	}
	return v, clean(err)
}

// Has implements evidence.Backend.
func (s *Store) Has(key []byte) (bool, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(key)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, clean(err)
}

// Last implements evidence.Backend.
func (s *Store) Last(prefix []byte) ([]byte, []byte, error) {
	var k, v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Reverse, o.PrefetchValues, o.Prefix = true, false, prefix
		it := txn.NewIterator(o)
		defer it.Close()
		it.Seek(append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, 64)...))
		if !it.ValidForPrefix(prefix) {
			return evidence.ErrNotFound
		}
		k = it.Item().KeyCopy(nil)
		var err error
		v, err = it.Item().ValueCopy(nil)
		return err
	})
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, nil, err
	}
	return k, v, clean(err)
}

// Scan implements evidence.Backend.
func (s *Store) Scan(prefix, start []byte, fn func(key, value []byte) error) error {
	return s.iterate(prefix, start, func(it *badger.Item) error {
		return it.Value(func(v []byte) error { return fn(it.Key(), v) })
	})
}

// Keys implements evidence.Backend.
func (s *Store) Keys(prefix, start []byte, fn func(key []byte) error) error {
	return s.iterate(prefix, start, func(it *badger.Item) error { return fn(it.Key()) })
}

// errStop marks an error returned by the caller's function, passed through
// unchanged.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

func (s *Store) iterate(prefix, start []byte, fn func(*badger.Item) error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.PrefetchValues, o.Prefix = false, prefix
		it := txn.NewIterator(o)
		defer it.Close()
		seek := prefix
		if start != nil && bytes.Compare(start, prefix) > 0 {
			seek = start
		}
		for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
			if err := fn(it.Item()); err != nil {
				return errStop{err}
			}
		}
		return nil
	})
	var stop errStop
	if errors.As(err, &stop) {
		return stop.err
	}
	return clean(err)
}

// Write implements evidence.Backend.
func (s *Store) Write(ops []evidence.Op, durable bool) error {
	if len(ops) > 0 {
		txn := s.db.NewTransaction(true)
		defer txn.Discard()
		for _, op := range ops {
			if err := txn.Set(op.Key, op.Value); err != nil {
				return clean(err)
			}
		}
		if err := txn.Commit(); err != nil {
			return clean(err)
		}
	}
	if durable {
		return clean(s.db.Sync())
	}
	return nil
}

// Close implements evidence.Backend.
func (s *Store) Close() error {
	err := s.packs.close()
	if e := clean(s.db.Close()); e != nil {
		err = e
	}
	return err
}

// CorruptChunk overwrites a stored chunk's bytes in place, for tests that
// play an attacker.
func (s *Store) CorruptChunk(sum [32]byte, data []byte) error { return s.packs.corrupt(sum, data) }

// Corrupt overwrites the value under key without any check. It exists so
// that tests can play an attacker who can write to the case directory.
func (s *Store) Corrupt(key, value []byte) {
	_ = s.db.Update(func(txn *badger.Txn) error { return txn.Set(key, value) })
}

// Delete removes key without any check, for tests that play an attacker.
func (s *Store) Delete(key []byte) {
	_ = s.db.Update(func(txn *badger.Txn) error { return txn.Delete(key) })
}
