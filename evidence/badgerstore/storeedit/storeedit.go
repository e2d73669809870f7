// Package storeedit plays an attacker with write access to the case
// directory: it changes a badgerstore store's files behind the store's back
// (sets and deletes keys, overwrites chunk bytes), so that tests can show
// verification finds the change. It is for tests only; production code
// never imports it (cmd/casefile's architecture test checks), and
// badgerstore itself has no write path that skips its own rules.
//
// Every function works on a closed store directory (the one given to
// badgerstore.Open), as someone with disk access but without the tool
// would: it opens the Badger database in DIR/db directly, and writes pack
// files with plain file writes. A store still open in this process must be
// closed first; Badger's directory lock refuses a second open.
//
// A bulk value of 1 KiB or more (evidence.Op.Bulk) is kept in the store's
// value files, its key holding a pointer marked by Badger's user meta
// byte: Scan and First return that pointer, and Set replaces it with a
// plain value. Tests change the values themselves in the files
// (store/values/values-NNNNNN.dat), as an attacker would.
package storeedit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/casefile/casefile/evidence/badgerstore"
)

// open opens the Badger database of the store in dir. Only the options
// that shape the files written matter here, and they are badgerstore's
// (see badgerOptions there): tables stay uncompressed and values above
// 1 KiB go to the value log, so that an edited store looks like one the
// tool wrote. The rest (cache and memtable sizes, compaction) only tune a
// long-lived process and change nothing a reader depends on.
//
// The directory lock is retried for a few seconds: tests run script steps
// in parallel, and a process another test forks between our previous
// close and its exec holds a copy of the locked descriptor until it execs
// (flock locks belong to the open file, which fork shares), which under
// load takes long enough to refuse the next open.
func open(dir string) (*badger.DB, error) {
	o := badger.DefaultOptions(filepath.Join(dir, "db")).
		WithLogger(nil).
		WithCompression(options.None).
		WithValueThreshold(1 << 10)
	var db *badger.DB
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		db, err = badger.Open(o)
		if err == nil || !strings.Contains(err.Error(), "Cannot acquire directory lock") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("storeedit: open %s: %w", dir, err)
	}
	return db, nil
}

// update runs fn in one writable transaction on the store in dir, and
// closes the database, which writes everything to its files.
func update(dir string, fn func(txn *badger.Txn) error) error {
	db, err := open(dir)
	if err != nil {
		return err
	}
	err = db.Update(fn)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Set stores value under key without any check.
func Set(dir string, key, value []byte) error {
	return update(dir, func(txn *badger.Txn) error { return txn.Set(key, value) })
}

// Delete removes key. A key not stored is an error, so that a test cannot
// pass by deleting nothing.
func Delete(dir string, key []byte) error {
	return update(dir, func(txn *badger.Txn) error {
		if _, err := txn.Get(key); err != nil {
			return fmt.Errorf("storeedit: delete %q: %w", key, err)
		}
		return txn.Delete(key)
	})
}

// First returns the first key stored under prefix and its value.
func First(dir string, prefix []byte) (key, value []byte, err error) {
	err = Scan(dir, prefix, func(k, v []byte) error {
		key, value = k, v
		return errStop
	})
	if errors.Is(err, errStop) {
		return key, value, nil
	}
	if err == nil {
		err = fmt.Errorf("storeedit: nothing stored under %q in %s", prefix, dir)
	}
	return nil, nil, err
}

var errStop = errors.New("stop")

// Scan calls fn with every key stored under prefix and its value, in key
// order; fn may keep both. An error from fn stops the scan and is returned.
func Scan(dir string, prefix []byte, fn func(key, value []byte) error) error {
	db, err := open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = prefix
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := fn(bytes.Clone(it.Item().Key()), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// OverwriteChunk overwrites the stored bytes of chunk sum in its pack file
// with data, cut to the chunk's length; the index and the record header
// are left as they are.
func OverwriteChunk(dir string, sum [32]byte, data []byte) error {
	s, err := badgerstore.Open(dir, badgerstore.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("storeedit: %w", err)
	}
	pack, off, n, err := s.Locate(sum)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("storeedit: %w", err)
	}
	f, err := os.OpenFile(pack, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("storeedit: %w", err)
	}
	_, err = f.WriteAt(data[:min(len(data), n)], off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("storeedit: %w", err)
	}
	return nil
}
