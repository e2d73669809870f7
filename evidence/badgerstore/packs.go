package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/casefile/casefile/evidence"
)

// packs keeps artefact chunks in append-only pack files, written with
// plain write(2) and read with pread(2), with their locations indexed in
// Badger under c/<sha256>. Badger's own value log is memory-mapped, so bulk
// bytes written through it stay resident; pack files keep ingest memory flat
// whatever the artefact's size.
//
// Each record is sha256(32) | length(4, big endian) | data, so a pack can be
// read without the index. Locations reach the index only after the pack
// is fsynced (Sync), so a committed index entry never names lost bytes;
// bytes appended but never indexed (a crash) are ignored.
type packs struct {
	db  *badger.DB
	dir string

	mu      sync.Mutex
	cur     *os.File
	curID   uint32
	curSize int64
	files   map[uint32]*os.File
	dirty   map[uint32]bool
	newFile bool
	pending map[[32]byte]location
	flushed int64 // offset in the current pack up to which writeback was started
}

type location struct {
	pack uint32
	off  int64 // offset of the data
	n    uint32
}

const (
	maxPackSize    = 1 << 30
	recordHeader   = 36
	writebackEvery = 16 << 20 // start writing bulk bytes to disk as they come
)

var chunkPrefix = []byte("c/")

func openPacks(db *badger.DB, dir string) (*packs, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &packs{db: db, dir: dir, files: map[uint32]*os.File{}, dirty: map[uint32]bool{}, pending: map[[32]byte]location{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		var id uint32
		if _, err := fmt.Sscanf(e.Name(), "pack-%06d.dat", &id); err == nil && id > p.curID {
			p.curID = id
		}
	}
	if p.curID == 0 {
		p.curID = 1
	}
	return p, p.openCurrent()
}

func (p *packs) path(id uint32) string { return filepath.Join(p.dir, fmt.Sprintf("pack-%06d.dat", id)) }

func (p *packs) openCurrent() error {
	f, err := os.OpenFile(p.path(p.curID), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if st.Size() == 0 {
		p.newFile = true
	}
	p.cur, p.curSize, p.flushed = f, st.Size(), st.Size()
	p.files[p.curID] = f
	return nil
}

func chunkKey(sum [32]byte) []byte { return append(append([]byte(nil), chunkPrefix...), sum[:]...) }

func (p *packs) lookup(sum [32]byte) (location, bool, error) {
	if l, ok := p.pending[sum]; ok {
		return l, true, nil
	}
	var l location
	err := p.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(chunkKey(sum))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error {
			if len(v) != 16 {
				return errors.New("malformed chunk location")
			}
			l = location{binary.BigEndian.Uint32(v), int64(binary.BigEndian.Uint64(v[4:])), binary.BigEndian.Uint32(v[12:])}
			return nil
		})
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return l, false, nil
	}
	return l, err == nil, clean(err)
}

// Put implements evidence.Chunks.
func (p *packs) Put(sum [32]byte, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok, err := p.lookup(sum); ok || err != nil {
		return err
	}
	if p.curSize > 0 && p.curSize+recordHeader+int64(len(data)) > maxPackSize {
		p.curID++
		if err := p.openCurrent(); err != nil {
			return err
		}
		p.flushed = 0
	}
	var hdr [recordHeader]byte
	copy(hdr[:], sum[:])
	binary.BigEndian.PutUint32(hdr[32:], uint32(len(data)))
	if _, err := p.cur.Write(hdr[:]); err != nil {
		return fmt.Errorf("pack %d: %w", p.curID, err)
	}
	if _, err := p.cur.Write(data); err != nil {
		return fmt.Errorf("pack %d: %w", p.curID, err)
	}
	p.pending[sum] = location{p.curID, p.curSize + recordHeader, uint32(len(data))}
	p.curSize += int64(recordHeader + len(data))
	if p.curSize-p.flushed >= writebackEvery {
		startWriteback(p.cur, p.flushed, p.curSize-p.flushed)
		p.flushed = p.curSize
	}
	p.dirty[p.curID] = true
	return nil
}

// Get implements evidence.Chunks.
func (p *packs) Get(sum [32]byte) ([]byte, error) {
	p.mu.Lock()
	l, ok, err := p.lookup(sum)
	if err != nil || !ok {
		p.mu.Unlock()
		if err == nil {
			err = evidence.ErrNotFound
		}
		return nil, err
	}
	f, err := p.file(l.pack)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	data := make([]byte, l.n)
	if _, err := f.ReadAt(data, l.off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("pack %d is shorter than its index says", l.pack)
		}
		return nil, err
	}
	return data, nil
}

func (p *packs) file(id uint32) (*os.File, error) {
	if f := p.files[id]; f != nil {
		return f, nil
	}
	f, err := os.Open(p.path(id))
	if err != nil {
		return nil, err
	}
	p.files[id] = f
	return f, nil
}

// Has implements evidence.Chunks.
func (p *packs) Has(sum [32]byte) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok, err := p.lookup(sum)
	return ok, err
}

// Sync implements evidence.Chunks: fsync the packs written, then index
// their chunks durably.
func (p *packs) Sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.dirty {
		if err := p.files[id].Sync(); err != nil {
			return fmt.Errorf("sync pack %d: %w", id, err)
		}
	}
	if p.newFile {
		if d, err := os.Open(p.dir); err == nil {
			d.Sync()
			d.Close()
		}
		p.newFile = false
	}
	clear(p.dirty)
	wb := p.db.NewWriteBatch()
	defer wb.Cancel()
	for sum, l := range p.pending {
		v := make([]byte, 16)
		binary.BigEndian.PutUint32(v, l.pack)
		binary.BigEndian.PutUint64(v[4:], uint64(l.off))
		binary.BigEndian.PutUint32(v[12:], l.n)
		if err := wb.Set(chunkKey(sum), v); err != nil {
			return clean(err)
		}
	}
	if err := wb.Flush(); err != nil {
		return clean(err)
	}
	clear(p.pending)
	return clean(p.db.Sync())
}

// Each implements evidence.Chunks.
func (p *packs) Each(fn func([32]byte) error) error {
	if err := p.Sync(); err != nil {
		return err
	}
	return (&Store{db: p.db}).Keys(chunkPrefix, nil, func(k []byte) error {
		if len(k) != len(chunkPrefix)+32 {
			return fmt.Errorf("malformed chunk key %x", k)
		}
		return fn([32]byte(k[len(chunkPrefix):]))
	})
}

func (p *packs) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for _, f := range p.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// corrupt overwrites a stored chunk's bytes in its pack, for tests.
func (p *packs) corrupt(sum [32]byte, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok, err := p.lookup(sum)
	if err != nil || !ok {
		return fmt.Errorf("corrupt: chunk not found: %v", err)
	}
	f, err := os.OpenFile(p.path(l.pack), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(data[:min(len(data), int(l.n))], l.off)
	return err
}
