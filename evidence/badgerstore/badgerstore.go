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
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/casefile/casefile/evidence"
)

// Options tune the store. The zero value means the defaults, sized so that
// ingesting a file of any size stays within about 100 MiB of memory.
type Options struct {
	// ReadOnly opens an existing store without creating, rotating,
	// truncating or deleting any file, so that it can be read from
	// write-protected media. A store left open by a killed process cannot
	// be opened read-only until a writable open has replayed its log
	// (ErrNeedsRecovery).
	ReadOnly bool
	// CheckFiles reads every block of every table against its checksum
	// before opening (verification sets it); without it only the tables'
	// indexes are checked at open and blocks when they are read.
	CheckFiles bool
	// Recover opens writable and lets Badger repair what a killed or
	// powered-off writer left (a log to replay, a torn MANIFEST tail,
	// tables a compaction wrote but did not record, which it deletes).
	// Other writable opens refuse the last two as damage.
	Recover bool
}

// ErrNeedsRecovery is returned by a read-only Open of a store whose last
// writer was killed: Badger must replay its write-ahead log, which writes.
var ErrNeedsRecovery = errors.New("the store was left open by an interrupted command: its write-ahead log must be replayed by a command that writes")

// Store is a Badger database holding one case, with its artefact chunks
// in pack files beside it.
type Store struct {
	db      *badger.DB
	dir     string
	packs   *packs
	entries *entryFiles
	values  *valueFiles
}

// Open opens (creating if needed) the store in dir: the Badger database in
// dir/db, the chunk packs in dir/packs, the custody entry runs in
// dir/entries and bulk derived values in dir/values.
func Open(dir string, o Options) (s *Store, err error) {
	defer recoverPanic(&err, "open store")
	dbDir := filepath.Join(dir, "db")
	if err := checkManifest(dbDir, o.ReadOnly); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := checkOpenable(dbDir, o); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	opts := badgerOptions(dbDir, o.ReadOnly)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, openError(err, o.ReadOnly))
	}
	p, err := openPacks(db, filepath.Join(dir, "packs"), o.ReadOnly)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	ef, err := openEntryFiles(filepath.Join(dir, "entries"), o.ReadOnly)
	if err != nil {
		p.close()
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return &Store{db: db, dir: dbDir, packs: p, entries: ef, values: openValueFiles(filepath.Join(dir, "values"), o.ReadOnly)}, nil
}

// valueThreshold is the size above which Badger keeps a value in its value
// log rather than in the LSM tree.
const valueThreshold = 1 << 10

// badgerOptions are the options of every open, and of checkFiles' reading
// of tables.
func badgerOptions(dbDir string, readOnly bool) badger.Options {
	return badger.DefaultOptions(dbDir).
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
		// Values above 1 KiB (event blocks, postings parts) go to the value
		// log: the LSM tree, its memtables and the tables compactions build
		// in memory then hold keys and pointers only. With 64 KiB a 3M-event
		// ingest peaked near 1 GB, most of it Badger's. Values written
		// inline under a larger threshold stay readable.
		WithValueThreshold(valueThreshold).
		// Uncompressed tables: a block's checksum covers its bytes as
		// stored (it is computed before compression, and a flipped copy
		// offset in a compressed block can decompress to the same bytes).
		// With values in the value log the tables are small anyway.
		WithCompression(options.None).
		WithValueLogFileSize(128 << 20).
		WithNumCompactors(2).
		WithCompactL0OnClose(true).
		WithChecksumVerificationMode(options.OnBlockRead). // whole tables: checkFiles
		WithVerifyValueChecksum(true).
		WithReadOnly(readOnly)
}

// checkManifest refuses a database directory that holds files but no
// MANIFEST: Badger would take it for a new database and delete every table
// the missing MANIFEST listed. Only an absent or empty directory is new,
// and only a writable open may create it.
func checkManifest(dbDir string, readOnly bool) error {
	ents, err := os.ReadDir(dbDir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && readOnly:
		return fmt.Errorf("%w: the database directory %s is missing", evidence.ErrStoreDamaged, dbDir)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	if len(ents) == 0 && !readOnly {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dbDir, badger.ManifestFilename)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s is missing from %s: the database cannot be read, and nothing was changed", evidence.ErrStoreDamaged, badger.ManifestFilename, dbDir)
	} else if err != nil {
		return err
	}
	return nil
}

// checkOpenable runs checkFiles where Badger would find something to open:
// not in a new store, and not where a killed writer left a log to replay
// (which a read-only open reports as ErrNeedsRecovery, and a writable open
// repairs, possibly finishing the MANIFEST).
func checkOpenable(dbDir string, o Options) error {
	if _, err := os.Stat(filepath.Join(dbDir, badger.ManifestFilename)); err != nil {
		return nil // new store (checkManifest refused a missing one in a used directory)
	}
	if o.Recover && !o.ReadOnly {
		return nil
	}
	mems, _ := filepath.Glob(filepath.Join(dbDir, "*.mem"))
	if len(mems) > 0 {
		if o.ReadOnly {
			return ErrNeedsRecovery
		}
		return nil // replaying the log deletes nothing
	}
	return checkFiles(dbDir, o.CheckFiles)
}

// openError classifies an error from badger.Open: a store in use or not
// readable by this user is not damage; a log to replay is ErrNeedsRecovery;
// anything else Badger could not read is damage.
func openError(err error, readOnly bool) error {
	msg := clean(err)
	switch {
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return fmt.Errorf("the store is in use by another process: %w", msg)
	case errors.Is(err, fs.ErrPermission):
		return msg
	case readOnly && (errors.Is(err, badger.ErrTruncateNeeded) || strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error())):
		// Badger wraps it without %w.
		return ErrNeedsRecovery
	}
	return fmt.Errorf("%w: %v", evidence.ErrStoreDamaged, msg)
}

// recoverPanic turns a panic in Badger's decoders (a damaged file) into an
// error naming the operation; it never lets stored bytes into the text.
func recoverPanic(err *error, op string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: the database panicked reading its files: %s", evidence.ErrStoreDamaged, op, firstLine(fmt.Sprint(r)))
	}
}

// firstLine is the first non-empty line of a message, bounded: Badger's
// panic texts go on with dumps of what they read.
func firstLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 200 {
				l = l[:200] + "…"
			}
			return l
		}
	}
	return "(no message)"
}

// errValueLost is a value Badger could not read from its value log: Badger
// logs the failure (a checksum mismatch, a damaged header) and returns an
// empty value with no error, which would pass for a stored empty value.
var errValueLost = fmt.Errorf("%w: a value in the value log could not be read", evidence.ErrStoreDamaged)

// value calls fn with the item's value, failing where Badger lost it.
func value(it *badger.Item, fn func(v []byte) error) error {
	return it.Value(func(v []byte) error {
		if len(v) == 0 && it.ValueSize() > 0 {
			return errValueLost
		}
		return fn(v)
	})
}

func valueCopy(it *badger.Item) (v []byte, err error) {
	err = value(it, func(b []byte) error {
		v = bytes.Clone(b)
		return nil
	})
	return v, err
}

// Chunks returns the pack-file chunk store (evidence.ChunkProvider).
func (s *Store) Chunks() evidence.Chunks { return s.packs }

// clean keeps Badger error texts short and free of value dumps.
func clean(err error) error {
	if err == nil {
		return nil
	}
	var full *DiskFullError
	switch {
	case errors.Is(err, evidence.ErrStoreDamaged), errors.As(err, &full), errors.Is(err, errReadOnly):
		return err // this package's own, already clean
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
func (s *Store) Get(key []byte) (v []byte, err error) {
	defer recoverPanic(&err, "get")
	err = s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(key)
		if err != nil {
			return err
		}
		v, err = s.ownedValue(it)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, evidence.ErrNotFound
	}
	return v, clean(err)
}

// Has implements evidence.Backend.
func (s *Store) Has(key []byte) (ok bool, err error) {
	defer recoverPanic(&err, "has")
	err = s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(key)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, clean(err)
}

// Last implements evidence.Backend.
func (s *Store) Last(prefix []byte) (k, v []byte, err error) {
	defer recoverPanic(&err, "last")
	err = s.db.View(func(txn *badger.Txn) error {
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
		v, err = s.ownedValue(it.Item())
		return err
	})
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, nil, err
	}
	return k, v, clean(err)
}

// Scan implements evidence.Backend. Values read from the value files
// share one buffer: a value is only valid during fn.
func (s *Store) Scan(prefix, start []byte, fn func(key, value []byte) error) error {
	var buf []byte
	return s.iterate(prefix, start, func(it *badger.Item) error {
		return s.itemValue(it, &buf, func(v []byte) error { return fn(it.Key(), v) })
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

func (s *Store) iterate(prefix, start []byte, fn func(*badger.Item) error) (err error) {
	defer recoverPanic(&err, "scan")
	err = s.db.View(func(txn *badger.Txn) error {
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

// Write implements evidence.Backend. Bulk values of minBulk bytes or more
// are written to the value files first and their keys given pointers to
// them; a durable write makes the value files durable before the batch
// that points into them (values.go).
func (s *Store) Write(ops []evidence.Op, durable bool) (err error) {
	defer recoverPanic(&err, "write")
	var ptrs [][]byte
	if len(ops) > 0 {
		n := int64(0)
		for _, op := range ops {
			n += int64(len(op.Key) + len(op.Value))
		}
		if err := roomFor(s.dir, n); err != nil {
			return err
		}
		if ptrs, err = s.values.append(ops); err != nil {
			return err
		}
	}
	if durable {
		if err := s.values.sync(); err != nil {
			return err
		}
	}
	if len(ops) > 0 {
		txn := s.db.NewTransaction(true)
		defer txn.Discard()
		for i, op := range ops {
			if ptrs != nil && ptrs[i] != nil {
				err = txn.SetEntry(badger.NewEntry(op.Key, ptrs[i]).WithMeta(metaValueFile))
			} else {
				err = txn.Set(op.Key, op.Value)
			}
			if err != nil {
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
func (s *Store) Close() (err error) {
	defer recoverPanic(&err, "close")
	err = s.packs.close()
	if e := s.entries.close(); e != nil && err == nil {
		err = e
	}
	if e := s.values.close(); e != nil && err == nil {
		err = e
	}
	if e := clean(s.db.Close()); e != nil {
		err = e
	}
	return err
}
