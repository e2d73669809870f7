package evidence

import (
	"fmt"
)

// Chunks stores artefact chunks by the SHA-256 of their content. Keeping
// them behind this small interface lets a case put its bytes in pack files,
// in memory, or in object storage, while the log stays in the Backend.
//
// Contract:
//   - Put stores a chunk unless it is stored already (it is idempotent):
//     the caller need not ask Has first, and a store that must ask a
//     server can do so off the caller's path. data may be reused by the
//     caller after it returns.
//   - Get returns exactly the bytes put (or, after damage, other bytes: the
//     caller checks the hash), and an error wrapping ErrNotFound when absent.
//   - Sync makes every earlier Put durable. Nothing is visible through Get,
//     Has or Each after a crash unless a Sync covering it returned.
//   - Each visits every stored chunk's hash.
//   - All methods may be called concurrently.
type Chunks interface {
	Put(sum [32]byte, data []byte) error
	Get(sum [32]byte) ([]byte, error)
	Has(sum [32]byte) (bool, error)
	Sync() error
	Each(fn func(sum [32]byte) error) error
}

// ChunkProvider is a Backend that keeps chunks in a store of its own.
type ChunkProvider interface {
	Chunks() Chunks
}

// kvChunks keeps chunks as c/<sha256> keys in the Backend itself.
type kvChunks struct{ b Backend }

func (k kvChunks) Put(sum [32]byte, data []byte) error {
	if ok, err := k.Has(sum); ok || err != nil {
		return err
	}
	return k.b.Write([]Op{{Key: hashKey(prefixChunk, sum), Value: data}}, false)
}

func (k kvChunks) Get(sum [32]byte) ([]byte, error) { return k.b.Get(hashKey(prefixChunk, sum)) }

func (k kvChunks) Has(sum [32]byte) (bool, error) { return k.b.Has(hashKey(prefixChunk, sum)) }

func (k kvChunks) Sync() error { return k.b.Write(nil, true) }

func (k kvChunks) Each(fn func([32]byte) error) error {
	return k.b.Keys(prefixChunk, nil, func(key []byte) error {
		if len(key) != len(prefixChunk)+32 {
			return fmt.Errorf("malformed chunk key %x", key)
		}
		return fn([32]byte(key[len(prefixChunk):]))
	})
}
