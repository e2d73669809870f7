package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

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
// bytes appended but never indexed (a crash, a full disk, a failed
// ingest) are cut off again: a failed write truncates the pack back at
// once, Discard drops an abandoned ingest's bytes, and a writable open
// truncates the current pack to the end of its last indexed record. So
// every byte of every pack belongs to an indexed record, which verification
// checks (CheckLayout).
type packs struct {
	db       *badger.DB
	dir      string
	readOnly bool

	mu      sync.Mutex
	cur     *os.File
	curID   uint32
	curSize int64
	files   map[uint32]*os.File
	dirty   map[uint32]bool
	newFile bool
	pending map[[32]byte]*pendingChunk
	flushed int64 // offset in the current pack up to which writeback was started
	synced  int64 // offset in the current pack up to which every record is indexed
}

// pendingChunk is a chunk written but not yet indexed, with the number of
// Puts that wait for it (Discard gives them back).
type pendingChunk struct {
	location
	refs int
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

// errReadOnly is returned by writes to a store opened read-only.
var errReadOnly = errors.New("the store is open read-only")

func openPacks(db *badger.DB, dir string, readOnly bool) (*packs, error) {
	p := &packs{db: db, dir: dir, readOnly: readOnly, files: map[uint32]*os.File{}, dirty: map[uint32]bool{}, pending: map[[32]byte]*pendingChunk{}}
	if readOnly {
		return p, nil // pack files are opened read-only when first read
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
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
	if err := p.openCurrent(); err != nil {
		return nil, err
	}
	return p, p.cutUnindexedTail()
}

// cutUnindexedTail truncates the current pack to the end of its last
// indexed record: what lies beyond was never indexed (a killed ingest).
func (p *packs) cutUnindexedTail() error {
	var end int64
	err := p.eachLocation(func(_ [32]byte, l location) error {
		if l.pack == p.curID {
			end = max(end, l.off+int64(l.n))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if p.curSize > end {
		if err := p.cur.Truncate(end); err != nil {
			return fmt.Errorf("pack %d: cut unindexed tail: %w", p.curID, err)
		}
		p.curSize, p.flushed = end, min(p.flushed, end)
	}
	p.synced = p.curSize
	return nil
}

// eachLocation calls fn for every indexed chunk location.
func (p *packs) eachLocation(fn func(sum [32]byte, l location) error) (err error) {
	defer recoverPanic(&err, "scan chunk index")
	err = p.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = chunkPrefix
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Seek(chunkPrefix); it.ValidForPrefix(chunkPrefix); it.Next() {
			k := it.Item().Key()
			if len(k) != len(chunkPrefix)+32 {
				return fmt.Errorf("malformed chunk key %x", k)
			}
			var l location
			err := value(it.Item(), func(v []byte) error {
				var err error
				l, err = decodeLocation(v)
				return err
			})
			if err != nil {
				return fmt.Errorf("chunk %x: %w", k[len(chunkPrefix):], err)
			}
			if err := fn([32]byte(k[len(chunkPrefix):]), l); err != nil {
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

func decodeLocation(v []byte) (location, error) {
	if len(v) != 16 {
		return location{}, errors.New("malformed chunk location")
	}
	l := location{binary.BigEndian.Uint32(v), int64(binary.BigEndian.Uint64(v[4:])), binary.BigEndian.Uint32(v[12:])}
	if l.off < recordHeader || l.off > maxPackSize {
		return location{}, errors.New("malformed chunk location")
	}
	return l, nil
}

func (p *packs) path(id uint32) string { return filepath.Join(p.dir, fmt.Sprintf("pack-%06d.dat", id)) }

func (p *packs) openCurrent() error {
	f, size, err := openAppend(p.path(p.curID))
	if err != nil {
		return err
	}
	if size == 0 {
		p.newFile = true
	}
	p.cur, p.curSize, p.flushed = f, size, size
	p.files[p.curID] = f
	return nil
}

func chunkKey(sum [32]byte) []byte { return append(append([]byte(nil), chunkPrefix...), sum[:]...) }

func (p *packs) lookup(sum [32]byte) (l location, found bool, err error) {
	if pc, ok := p.pending[sum]; ok {
		return pc.location, true, nil
	}
	defer recoverPanic(&err, "chunk index")
	err = p.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(chunkKey(sum))
		if err != nil {
			return err
		}
		return value(it, func(v []byte) error {
			var err error
			l, err = decodeLocation(v)
			return err
		})
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return l, false, nil
	}
	return l, err == nil, clean(err)
}

// Put implements evidence.Chunks. A Put of a chunk that is written but not
// yet indexed counts as one more user of it (see Discard).
func (p *packs) Put(sum [32]byte, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readOnly {
		return errReadOnly
	}
	if pc, ok := p.pending[sum]; ok {
		pc.refs++
		return nil
	}
	if _, ok, err := p.lookup(sum); ok || err != nil {
		return err
	}
	if p.curSize > 0 && p.curSize+recordHeader+int64(len(data)) > maxPackSize {
		p.curID++
		if err := p.openCurrent(); err != nil {
			return err
		}
		p.flushed, p.synced = 0, 0
	}
	if err := roomFor(p.dir, recordHeader+int64(len(data))); err != nil {
		return err
	}
	var hdr [recordHeader]byte
	copy(hdr[:], sum[:])
	binary.BigEndian.PutUint32(hdr[32:], uint32(len(data)))
	if err := p.append(hdr[:], data); err != nil {
		return err
	}
	p.pending[sum] = &pendingChunk{location{p.curID, p.curSize + recordHeader, uint32(len(data))}, 1}
	p.curSize += int64(recordHeader + len(data))
	if p.curSize-p.flushed >= writebackEvery {
		startWriteback(p.cur, p.flushed, p.curSize-p.flushed)
		p.flushed = p.curSize
	}
	p.dirty[p.curID] = true
	return nil
}

// append writes one record at the end of the current pack; when the write
// fails (a full disk) it cuts off whatever part of the record reached the
// file, so that no unindexed bytes stay behind.
func (p *packs) append(hdr, data []byte) error {
	_, err := p.cur.Write(hdr)
	if err == nil {
		_, err = p.cur.Write(data)
	}
	if err == nil {
		return nil
	}
	if terr := p.cur.Truncate(p.curSize); terr != nil {
		return fmt.Errorf("pack %d: %w (and cutting off the partial record failed: %v)", p.curID, err, terr)
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("disk full writing pack %d in %s: the partial chunk was removed; free space and ingest again: %w", p.curID, p.dir, err)
	}
	return fmt.Errorf("pack %d: %w", p.curID, err)
}

// Discard implements evidence.Discarder: each sum gives back one Put; a
// chunk no Put waits for any more is dropped when it lies at the end of
// the current pack, which is truncated. (A chunk below a record still
// waited for stays, to be indexed as an unused chunk.)
func (p *packs) Discard(sums [][32]byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readOnly {
		return nil
	}
	for _, s := range sums {
		if pc, ok := p.pending[s]; ok && pc.refs > 0 {
			pc.refs--
		}
	}
	end := p.synced
	for _, pc := range p.pending {
		if pc.pack == p.curID && pc.refs > 0 {
			end = max(end, pc.off+int64(pc.n))
		}
	}
	if end >= p.curSize {
		return nil
	}
	for s, pc := range p.pending {
		if pc.pack == p.curID && pc.off >= end {
			delete(p.pending, s)
		}
	}
	if err := p.cur.Truncate(end); err != nil {
		return fmt.Errorf("pack %d: drop discarded chunks: %w", p.curID, err)
	}
	p.curSize, p.flushed = end, min(p.flushed, end)
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
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pack %d named by the index is missing", id)
	}
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
func (p *packs) Sync() (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.syncLocked()
}

// syncLocked is Sync with p.mu held.
func (p *packs) syncLocked() (err error) {
	if p.readOnly {
		return nil
	}
	defer recoverPanic(&err, "index chunks")
	for id := range p.dirty {
		if err := p.files[id].Sync(); err != nil {
			return fmt.Errorf("sync pack %d: %w", id, err)
		}
	}
	if p.newFile {
		syncDir(p.dir) // best effort, as before: the pack's own sync holds its bytes
		p.newFile = false
	}
	clear(p.dirty)
	wb := p.db.NewWriteBatch()
	defer wb.Cancel()
	for sum, l := range p.pending {
		l := l.location
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
	p.synced = p.curSize
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
	return closeFiles(p.files)
}

// Locate says where the bytes of the indexed chunk sum lie on disk: the
// pack file, and the offset and length of the chunk's data in it. It only
// reads; it lets tools and tests that work on a case's files find a
// chunk without knowing how the index encodes locations.
func (s *Store) Locate(sum [32]byte) (pack string, off int64, n int, err error) {
	p := s.packs
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok, err := p.lookup(sum)
	if err != nil {
		return "", 0, 0, err
	}
	if !ok {
		return "", 0, 0, fmt.Errorf("chunk %x: %w", sum, evidence.ErrNotFound)
	}
	return p.path(l.pack), l.off, int(l.n), nil
}
