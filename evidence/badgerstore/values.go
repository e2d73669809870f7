package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"

	"github.com/dgraph-io/badger/v4"

	"github.com/casefile/casefile/evidence"
)

// valueFiles keeps bulk values (evidence.Op.Bulk, of minBulk bytes or
// more: event blocks, postings, search index and result leaf parts) in
// append-only files, <store>/values/values-NNNNNN.dat, written with
// write(2) and read with pread(2). Badger keeps under the value's key a
// pointer to its record, marked by the entry's UserMeta byte
// (metaValueFile), so that values written before, and every other value,
// are read from Badger as before. Badger reads its value log only through
// memory maps, so every value read from it stays in the process's
// resident memory: an assessment over 10^7 events held 609 MiB of value
// log. Read with pread, the values pass through the page cache, which the
// kernel reclaims.
//
// A record is
//
//	"CFV1" | key length (2) | value length (4) | CRC-32C (4) | header CRC-32C (4) | key | value
//
// (big-endian; the first CRC, Castagnoli, covers the two lengths, the key
// and the value, the header's the 14 bytes before it), so that a file
// reads without the index, a pointer swapped to another key's record is
// caught, and a changed length is told from a record cut short. A pointer
// is 0x01, the file number (4 bytes), the record's offset (8) and the
// value's length (4).
//
// Each process that writes bulk values starts a new file (and another
// past maxValueFile), so that a write cut short by a kill or a power cut
// can only leave a record cut short (or zeros) at the end of a file, which
// no later write follows: CheckValues accepts such a tail and reports any
// other byte that fails a checksum. A durable Write makes the files written since the last one
// durable (fdatasync) before it commits and syncs its batch, so that a
// durable pointer never names bytes a power cut can lose. A non-durable
// Write's pointer can reach the disk before its record does, since Badger
// writes its tables and log when it likes: reading such a pointer after a
// power cut returns evidence.ErrStoreDamaged naming the file and offset.
// Only derived data that was never recorded can be in that state (the
// eventstore commits a parse run's record after a durable write of its
// data), and nothing reads it: parsing the artefact again writes the same
// keys again. Records no pointer names (a value overwritten, a batch that
// failed after its records were written) stay in the files unread.
type valueFiles struct {
	dir      string
	readOnly bool

	// mu serialises appends and syncs; fmu guards files, so that reads do
	// not wait for a sync.
	mu      sync.Mutex
	cur     *os.File // nil until this process's first bulk value
	curID   uint32
	curSize int64
	flushed int64               // offset in cur up to which writeback was started
	dirty   map[uint32]*os.File // written since the last sync
	newFile bool                // a file was created since the last sync
	fmu     sync.RWMutex
	files   map[uint32]*os.File
}

const (
	// minBulk is the smallest bulk value kept in the value files: smaller
	// ones stay inline in Badger's tables, as every value under Badger's
	// own value threshold does.
	minBulk       = valueThreshold
	maxValueFile  = 1 << 30
	valueHeader   = 18
	valuePtrLen   = 17
	valueMagic    = "CFV1"
	metaValueFile = 0x01 // Badger UserMeta: the value is a pointer into the value files
	maxValueKey   = 1<<16 - 1
)

var valueFileName = regexp.MustCompile(`^values-([0-9]{6})\.dat$`)

// openValueFiles does no I/O: the directory and the first file are made
// with the first bulk value.
func openValueFiles(dir string, readOnly bool) *valueFiles {
	return &valueFiles{dir: dir, readOnly: readOnly, dirty: map[uint32]*os.File{}, files: map[uint32]*os.File{}}
}

func (v *valueFiles) path(id uint32) string {
	return filepath.Join(v.dir, fmt.Sprintf("values-%06d.dat", id))
}

type valuePtr struct {
	file uint32
	off  int64
	n    uint32
}

func (p valuePtr) encode() []byte {
	b := make([]byte, valuePtrLen)
	b[0] = 1
	binary.BigEndian.PutUint32(b[1:], p.file)
	binary.BigEndian.PutUint64(b[5:], uint64(p.off))
	binary.BigEndian.PutUint32(b[13:], p.n)
	return b
}

func decodeValuePtr(b []byte) (valuePtr, error) {
	if len(b) != valuePtrLen || b[0] != 1 {
		return valuePtr{}, fmt.Errorf("%w: a key marked as pointing into the value files holds %d bytes that are not a pointer", evidence.ErrStoreDamaged, len(b))
	}
	p := valuePtr{binary.BigEndian.Uint32(b[1:]), int64(binary.BigEndian.Uint64(b[5:])), binary.BigEndian.Uint32(b[13:])}
	if p.off < 0 || p.off > 1<<40 { // a file grows past maxValueFile only by the records of one write
		return valuePtr{}, fmt.Errorf("%w: a value file pointer names offset %d, past any file's end", evidence.ErrStoreDamaged, p.off)
	}
	return p, nil
}

// isBulk says whether op's value goes to the value files.
func isBulk(op evidence.Op) bool {
	return op.Bulk && len(op.Value) >= minBulk && len(op.Key) <= maxValueKey
}

// appendValueHeader appends the header of the record of key and value to
// dst.
func appendValueHeader(dst, key, value []byte) []byte {
	start := len(dst)
	dst = append(dst, valueMagic...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(key)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(value)))
	dst = binary.BigEndian.AppendUint32(dst, valueCRC(dst[start+4:], key, value))
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func valueCRC(lengths, key, value []byte) uint32 {
	c := crc32.Checksum(lengths, castagnoli)
	c = crc32.Update(c, castagnoli, key)
	return crc32.Update(c, castagnoli, value)
}

// append writes the records of ops' bulk values at the end of the current
// file and returns, for each op, the pointer to store instead of its value
// (nil for an op kept in Badger; nil as a whole when there is none). A
// failed write cuts off whatever part of it reached the file.
func (v *valueFiles) append(ops []evidence.Op) ([][]byte, error) {
	count, n := 0, int64(0)
	for _, op := range ops {
		if isBulk(op) {
			count++
			n += int64(valueHeader + len(op.Key) + len(op.Value))
		}
	}
	if count == 0 {
		return nil, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.readOnly {
		return nil, errReadOnly
	}
	if v.cur == nil || v.curSize > 0 && v.curSize+n > maxValueFile {
		if err := v.next(); err != nil {
			return nil, err
		}
	}
	ptrs := make([][]byte, len(ops))
	hdrs := make([]byte, 0, count*valueHeader) // never grown: parts point into it
	parts := make([][]byte, 0, 3*count)
	at := v.curSize
	for i, op := range ops {
		if !isBulk(op) {
			continue
		}
		hdrs = appendValueHeader(hdrs, op.Key, op.Value)
		parts = append(parts, hdrs[len(hdrs)-valueHeader:], op.Key, op.Value)
		ptrs[i] = valuePtr{v.curID, at, uint32(len(op.Value))}.encode()
		at += int64(valueHeader + len(op.Key) + len(op.Value))
	}
	if err := writeAll(v.cur, parts); err != nil {
		if terr := v.cur.Truncate(v.curSize); terr != nil {
			return nil, fmt.Errorf("value file %d: %w (and cutting off the partial write failed: %v)", v.curID, err, terr)
		}
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return nil, fmt.Errorf("disk full writing value file %d in %s: nothing of the write was kept; free space and try again: %w", v.curID, v.dir, err)
		}
		return nil, fmt.Errorf("value file %d: %w", v.curID, err)
	}
	v.curSize = at
	v.dirty[v.curID] = v.cur
	if v.curSize-v.flushed >= writebackEvery {
		startWriteback(v.cur, v.flushed, v.curSize-v.flushed)
		v.flushed = v.curSize
	}
	return ptrs, nil
}

// next creates the file after the last one present and makes it current.
func (v *valueFiles) next() error {
	if err := os.MkdirAll(v.dir, 0o700); err != nil {
		return err
	}
	ids, err := fileIDs(v.dir, valueFileName)
	if err != nil {
		return err
	}
	id := uint32(1)
	if len(ids) > 0 {
		id = ids[len(ids)-1] + 1
	}
	f, err := os.OpenFile(v.path(id), os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	v.fmu.Lock()
	v.files[id] = f
	v.fmu.Unlock()
	v.cur, v.curID, v.curSize, v.flushed, v.newFile = f, id, 0, 0, true
	return nil
}

// sync makes every value file written since the last sync durable, and
// the names of the files created.
func (v *valueFiles) sync() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, f := range v.dirty {
		if err := fdatasync(f); err != nil {
			return fmt.Errorf("sync value file %d: %w", id, err)
		}
		delete(v.dirty, id)
	}
	if v.newFile {
		if err := syncDir(v.dir); err != nil {
			return fmt.Errorf("sync value directory: %w", err)
		}
		if err := syncDir(filepath.Dir(v.dir)); err != nil {
			return fmt.Errorf("sync store directory: %w", err)
		}
		v.newFile = false
	}
	return nil
}

// file returns the open value file id, opening it for reading if needed.
func (v *valueFiles) file(id uint32) (*os.File, error) {
	return openForReading(&v.fmu, v.files, id, v.path, "value file")
}

// read returns the value of key that ptr points to, read into *buf (grown
// as needed) when buf is not nil, else into a new slice.
func (v *valueFiles) read(key, ptr []byte, buf *[]byte) ([]byte, error) {
	p, err := decodeValuePtr(ptr)
	if err != nil {
		return nil, err
	}
	f, err := v.file(p.file)
	if err != nil {
		return nil, err
	}
	size := valueHeader + len(key) + int(p.n)
	var b []byte
	if buf != nil {
		*buf = slices.Grow((*buf)[:0], size)
		b = (*buf)[:size]
	} else {
		b = make([]byte, size)
	}
	where := fmt.Sprintf("value file %d offset %d", p.file, p.off)
	k, err := f.ReadAt(b, p.off)
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%s: %w", where, err)
	case k < size:
		return nil, fmt.Errorf("%w: %s: the file ends inside the value's record (cut, or lost to a power cut before it was made durable)", evidence.ErrStoreDamaged, where)
	}
	if err := checkValueRecord(b, key, p.n); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", evidence.ErrStoreDamaged, where, err)
	}
	return b[valueHeader+len(key):], nil
}

// checkValueRecord checks that b is exactly the record of key with a value
// of n bytes, and that it matches its checksum.
func checkValueRecord(b, key []byte, n uint32) error {
	klen, vlen, crc, ok := valueRecordHeader(b)
	switch {
	case !ok:
		return errors.New("no value record there (its header is changed or missing)")
	case klen != len(key) || vlen != n || string(b[valueHeader:valueHeader+klen]) != string(key):
		return errors.New("the record there is not the one the index names (another key, or another length)")
	case valueCRC(b[4:10], key, b[valueHeader+klen:]) != crc:
		return errors.New("the record's bytes do not match its checksum (changed?)")
	}
	return nil
}

// valueRecordHeader reads the header at the start of b, which must match
// its checksum.
func valueRecordHeader(b []byte) (klen int, vlen, crc uint32, ok bool) {
	if len(b) < valueHeader || string(b[:4]) != valueMagic || crc32.Checksum(b[:14], castagnoli) != binary.BigEndian.Uint32(b[14:]) {
		return 0, 0, 0, false
	}
	return int(binary.BigEndian.Uint16(b[4:])), binary.BigEndian.Uint32(b[6:]), binary.BigEndian.Uint32(b[10:]), true
}

func (v *valueFiles) close() error {
	v.fmu.Lock()
	defer v.fmu.Unlock()
	return closeFiles(v.files)
}

// itemValue calls fn with the item's value, read from the value files when
// the item holds a pointer there (into *buf when buf is not nil).
func (s *Store) itemValue(it *badger.Item, buf *[]byte, fn func(v []byte) error) error {
	if it.UserMeta()&metaValueFile == 0 {
		return value(it, fn)
	}
	var v []byte
	err := value(it, func(ptr []byte) error {
		var err error
		v, err = s.values.read(it.Key(), ptr, buf)
		return err
	})
	if err != nil {
		return err
	}
	return fn(v)
}

// ownedValue returns a copy of the item's value the caller may keep.
func (s *Store) ownedValue(it *badger.Item) ([]byte, error) {
	if it.UserMeta()&metaValueFile == 0 {
		return valueCopy(it)
	}
	var v []byte
	err := s.itemValue(it, nil, func(b []byte) error {
		v = b // read into a new slice: nobody else holds it
		return nil
	})
	return v, err
}
