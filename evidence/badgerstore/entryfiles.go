package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"

	"github.com/casefile/casefile/evidence"
)

// entryFiles keeps custody entry runs in append-only files,
// <store>/entries/entries-NNNNNN.log, written with write(2) and read with
// pread(2), so that a durable commit of entries costs one write and one
// fdatasync (evidence.EntryFiles). Badger indexes each record (er/ keys
// holding pointers) only after the record is written; what the pointers
// do not cover at the end is for evidence's recovery to judge, since only
// the log knows whether a record continues it.
type entryFiles struct {
	dir      string
	readOnly bool

	// mu serialises appends and cuts (held through the fdatasync); fmu
	// guards files, so that reads do not wait for a commit's sync.
	mu      sync.Mutex
	cur     *os.File
	curID   uint32
	curSize int64
	newFile bool
	fmu     sync.RWMutex
	files   map[uint32]*os.File
}

// maxEntryFile is the size past which a commit starts a new entry file.
const maxEntryFile = 1 << 30

var entryFileName = regexp.MustCompile(`^entries-([0-9]{6})\.log$`)

func openEntryFiles(dir string, readOnly bool) (*entryFiles, error) {
	f := &entryFiles{dir: dir, readOnly: readOnly, files: map[uint32]*os.File{}}
	if readOnly {
		return f, nil // files are opened read-only when first read
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ids, err := f.ids()
	if err != nil {
		return nil, err
	}
	f.curID = 1
	if len(ids) == 0 {
		return f, nil // the first commit creates it: a missing file the index names is not replaced by an empty one
	}
	f.curID = ids[len(ids)-1]
	return f, f.openCurrent()
}

// ids lists the entry files present, in order.
func (f *entryFiles) ids() ([]uint32, error) { return fileIDs(f.dir, entryFileName) }

func (f *entryFiles) path(id uint32) string {
	return filepath.Join(f.dir, fmt.Sprintf("entries-%06d.log", id))
}

func (f *entryFiles) openCurrent() error {
	fh, size, err := openAppend(f.path(f.curID))
	if err != nil {
		return err
	}
	f.fmu.Lock()
	if old := f.files[f.curID]; old != nil {
		old.Close()
	}
	f.files[f.curID] = fh
	f.fmu.Unlock()
	f.cur, f.curSize, f.newFile = fh, size, size == 0
	return nil
}

// file returns the open entry file id, opening it for reading if needed.
func (f *entryFiles) file(id uint32) (*os.File, error) {
	return openForReading(&f.fmu, f.files, id, f.path, "entry file")
}

// AppendEntryRuns implements evidence.EntryFiles. A failed write cuts off
// whatever part of it reached the file.
func (s *Store) AppendEntryRuns(runs []evidence.EntryRun) error {
	f := s.entries
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return errReadOnly
	}
	n := 0
	for _, r := range runs {
		n += recordHeaderLen + len(r.Body) + 1
	}
	if f.cur == nil || f.curSize > 0 && f.curSize+int64(n) > maxEntryFile {
		if f.cur != nil {
			f.curID++
		}
		if err := f.openCurrent(); err != nil {
			return err
		}
	}
	if err := roomFor(f.dir, int64(n)); err != nil {
		return err
	}
	// Each record as three parts: its header, the run (not copied), and
	// the closing newline.
	hdrs := make([]byte, 0, len(runs)*recordHeaderLen)
	at := f.curSize
	for i := range runs {
		r := &runs[i]
		var flags uint8
		if r.WithBatch {
			flags |= flagWithBatch
		}
		if r.EndsCommit {
			flags |= flagEndsCommit
		}
		hdrs = appendHeader(hdrs, r.First, r.Count, flags, r.Body)
		r.Ptr = pointer{f.curID, at, r.First, uint32(r.Count), uint32(len(r.Body))}.encode()
		at += int64(recordHeaderLen + len(r.Body) + 1)
	}
	parts := make([][]byte, 0, 3*len(runs))
	for i, r := range runs {
		parts = append(parts, hdrs[i*recordHeaderLen:(i+1)*recordHeaderLen], r.Body, newline)
	}
	if err := writeAll(f.cur, parts); err != nil {
		if terr := f.cur.Truncate(f.curSize); terr != nil {
			return fmt.Errorf("entry file %d: %w (and cutting off the partial write failed: %v)", f.curID, err, terr)
		}
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return fmt.Errorf("disk full writing entry file %d in %s: nothing of the commit was kept; free space and try again: %w", f.curID, f.dir, err)
		}
		return fmt.Errorf("entry file %d: %w", f.curID, err)
	}
	if err := fdatasync(f.cur); err != nil {
		if terr := f.cur.Truncate(f.curSize); terr != nil {
			return fmt.Errorf("sync entry file %d: %w (and cutting off the records not synced failed: %v)", f.curID, err, terr)
		}
		return fmt.Errorf("sync entry file %d: %w", f.curID, err)
	}
	f.curSize += int64(n)
	if f.newFile {
		if err := syncDir(f.dir); err != nil {
			return fmt.Errorf("sync entry directory: %w", err)
		}
		f.newFile = false
	}
	return nil
}

// ReadEntryRun implements evidence.EntryFiles.
func (s *Store) ReadEntryRun(ptr []byte) ([]byte, error) {
	p, err := decodePointer(ptr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", evidence.ErrStoreDamaged, err)
	}
	fh, err := s.entries.file(p.file)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, p.size())
	k, err := fh.ReadAt(buf, p.off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	where := fmt.Sprintf("entry file %d offset %d", p.file, p.off)
	h, body, err := decodeRecord(buf[:k])
	switch {
	case err != nil && !errors.Is(err, errTorn):
		return nil, fmt.Errorf("%w: %s: no record there (%v)", evidence.ErrStoreDamaged, where, err)
	case !p.matches(h):
		return nil, fmt.Errorf("%w: %s: the record there (entries %d, %d of them) is not the one the index names (entries %d, %d of them)", evidence.ErrStoreDamaged, where, h.first, h.count, p.first, p.count)
	case k < len(buf):
		return body, fmt.Errorf("%w: %s: the file ends inside the record", evidence.ErrStoreDamaged, where)
	case err != nil:
		return body, fmt.Errorf("%w: %s: the record's bytes do not match its checksum (changed?)", evidence.ErrStoreDamaged, where)
	}
	return body, nil
}

// EntryRunsAfter implements evidence.EntryFiles: it reads on from the end
// of the record after names, through every later file.
func (s *Store) EntryRunsAfter(after []byte) (runs []evidence.EntryRun, torn int64, err error) {
	f := s.entries
	id, off := uint32(1), int64(0)
	if after != nil {
		p, err := decodePointer(after)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: the last indexed entry record: %v", evidence.ErrStoreDamaged, err)
		}
		if _, err := s.ReadEntryRun(after); err != nil {
			return nil, 0, fmt.Errorf("the last indexed entry record: %w", err)
		}
		id, off = p.file, p.off+p.size()
	}
	ids, err := f.ids()
	if err != nil {
		return nil, 0, err
	}
	for _, fid := range ids {
		if fid < id {
			continue
		}
		if torn > 0 {
			return nil, 0, fmt.Errorf("%w: entry file %d follows a damaged record of entry file %d", evidence.ErrStoreDamaged, fid, id)
		}
		start := int64(0)
		if fid == id {
			start = off
		}
		rest, err := readFrom(f.path(fid), start)
		if err != nil {
			return nil, 0, fmt.Errorf("entry file %d: %w", fid, err)
		}
		at := start
		for len(rest) > 0 {
			h, body, err := decodeRecord(rest)
			if err != nil {
				if completeRecordIn(rest[1:]) {
					return nil, 0, fmt.Errorf("%w: entry file %d offset %d: a damaged record is followed by complete ones: not a torn write", evidence.ErrStoreDamaged, fid, at)
				}
				torn = int64(len(rest))
				break
			}
			runs = append(runs, evidence.EntryRun{First: h.first, Count: int(h.count), WithBatch: h.flags&flagWithBatch != 0, EndsCommit: h.flags&flagEndsCommit != 0,
				Body: body, Ptr: pointer{fid, at, h.first, h.count, h.n}.encode()})
			rest, at = rest[h.size():], at+h.size()
		}
		id = fid
	}
	return runs, torn, nil
}

// WritableEntryFiles implements evidence.EntryFiles.
func (s *Store) WritableEntryFiles() bool { return !s.entries.readOnly }

// TruncateEntryRuns implements evidence.EntryFiles: the file of keep is
// cut after it and later files emptied (nil: every file emptied).
func (s *Store) TruncateEntryRuns(keep []byte) error {
	f := s.entries
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return errReadOnly
	}
	id, end := uint32(0), int64(0)
	if keep != nil {
		p, err := decodePointer(keep)
		if err != nil {
			return fmt.Errorf("%w: %v", evidence.ErrStoreDamaged, err)
		}
		id, end = p.file, p.off+p.size()
	}
	ids, err := f.ids()
	if err != nil {
		return err
	}
	for _, fid := range ids {
		if fid < id {
			continue
		}
		at := int64(0)
		if fid == id {
			at = end
		}
		if err := truncateSync(f.path(fid), at); err != nil {
			return fmt.Errorf("entry file %d: cut unacknowledged records: %w", fid, err)
		}
		if fid == f.curID {
			f.curSize = at
		}
	}
	return nil
}

func (f *entryFiles) close() error {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return closeFiles(f.files)
}

// truncateSync cuts the file at path to size and makes that durable.
func truncateSync(path string, size int64) error {
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := fh.Truncate(size); err != nil {
		return err
	}
	return fh.Sync()
}

// readFrom reads the file at path from offset start to its end.
func readFrom(path string, start int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < start {
		return nil, fmt.Errorf("%w: the file ends inside its last indexed record", evidence.ErrStoreDamaged)
	}
	buf := make([]byte, st.Size()-start)
	if _, err := fh.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf, nil
}

// completeRecordIn says whether b holds a complete, valid record anywhere:
// bytes that fail to read as a record are a torn write only when nothing
// whole follows them.
func completeRecordIn(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(recordTag))
		if i < 0 {
			return false
		}
		if _, _, err := decodeRecord(b[i:]); err == nil {
			return true
		}
		b = b[i+1:]
	}
}

var newline = []byte{'\n'}

// writeJoined writes bufs, in order, as one buffer.
func writeJoined(f *os.File, bufs [][]byte) error {
	_, err := f.Write(bytes.Join(bufs, nil))
	return err
}
