package evidence

import (
	"encoding/binary"
	"errors"
)

// ErrNotFound is returned by Backend.Get and Backend.Last for a missing key.
var ErrNotFound = errors.New("not found")

// ErrStoreDamaged is wrapped by errors from a Backend (or its opening) that
// found the store's own files damaged: a missing or corrupt database file,
// a decoder that failed on what it read. Verification reports it as a
// store problem (exit 1), not as an error of the tool.
var ErrStoreDamaged = errors.New("the case store is damaged")

// Op is one write in a Backend batch. There is no delete: the evidence store
// only ever adds keys (derived indexes may overwrite their own keys).
type Op struct {
	Key, Value []byte
	// StampIndex, for ops committed together with entries (AppendAtomic,
	// AppendLazy), asks the commit to overwrite the last 8 bytes of Value
	// with the log index (big-endian) of the first entry committed with the
	// op, so that derived data can point at the entry it derives from.
	// Backends ignore it.
	StampIndex bool
	// Bulk marks a large derived value that is read in sequence, not
	// looked up at random (an event block, a postings part, a search index
	// chunk): a backend may keep it outside its index, where reading it
	// does not keep it in memory. Only Case.WriteDerived accepts it; the
	// log, its artefacts and the ops committed with entries never move.
	Bulk bool
}

// Backend is the ordered key-value storage a Case is built on.
//
// Contract, checked by evidence/storetest for every implementation:
//   - Write applies all ops or none, also across a crash; when durable is true
//     the batch is on stable storage when Write returns nil. It keeps no
//     reference to the ops' keys or values once it returns (callers reuse
//     their buffers).
//   - Get, Has, Last and Scan see every Write that returned nil.
//   - Scan visits keys with the prefix in ascending byte order, starting at
//     start (inclusive; nil means the first key); value is only valid during
//     the call. An error from fn stops the scan and is returned.
//   - Keys visits keys only (cheaper for large values).
//   - Last returns the greatest key with the prefix and its value.
//   - All methods may be called concurrently; Close may be called once.
//   - Errors never include stored values (they may be evidence bytes).
type Backend interface {
	Get(key []byte) ([]byte, error)
	Has(key []byte) (bool, error)
	Last(prefix []byte) (key, value []byte, err error)
	Scan(prefix, start []byte, fn func(key, value []byte) error) error
	Keys(prefix, start []byte, fn func(key []byte) error) error
	Write(ops []Op, durable bool) error
	Close() error
}

// Key spaces.
var (
	prefixEntry      = []byte("e/")     // e/<index BE64> → canonical entry (cases written before entry runs)
	prefixEntryRun   = []byte("er/")    // er/<index BE64> → consecutive canonical entries of one commit, '\n'-joined, the last at that index
	prefixHash       = []byte("h/")     // h/<stored hash index BE64> → 32-byte tlog hash (cases written before hash runs)
	prefixHashRun    = []byte("hr/")    // hr/<stored hash index BE64> → consecutive tlog hashes ending at that index
	prefixCheckpoint = []byte("k/")     // k/<tree size BE64> → signed checkpoint note
	prefixChunk      = []byte("c/")     // c/<sha256 of chunk> → chunk bytes
	prefixArtefact   = []byte("a/")     // a/<sha256 of content> → artefact record (JSON)
	keyLayout        = []byte("layout") // the store layout version, in decimal (layout.go)
)

func indexKey(prefix []byte, n uint64) []byte {
	k := make([]byte, len(prefix)+8)
	copy(k, prefix)
	binary.BigEndian.PutUint64(k[len(prefix):], n)
	return k
}

func keyIndex(prefix, key []byte) (uint64, bool) {
	if len(key) != len(prefix)+8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(key[len(prefix):]), true
}

func hashKey(prefix []byte, h [32]byte) []byte {
	k := make([]byte, len(prefix)+32)
	copy(k, prefix)
	copy(k[len(prefix):], h[:])
	return k
}
