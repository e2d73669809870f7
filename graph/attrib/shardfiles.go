package attrib

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/casefile/casefile/evidence/parse"
)

// eventFile is the temporary file of one bucket's events (eventcodec.go),
// written by the census and read by the shard pass of its bucket.
type eventFile struct {
	f    *os.File
	w    *bufio.Writer
	enc  *eventEnc
	head []byte
	// named says the file is still in its directory: most systems let
	// it be removed while open, so that it goes with the process even
	// when the process is killed; the others remove it when done.
	named bool
}

// file is bucket b's file, created on its first event.
func (s *sharded) file(b int) (*eventFile, error) {
	if f := s.files[b]; f != nil {
		return f, nil
	}
	f, err := os.CreateTemp(s.tempDir, "casefile-assess-events-*")
	if err != nil {
		return nil, fmt.Errorf("attrib: cannot create a temporary file for the assessment (set TMPDIR to a directory with room): %w", err)
	}
	ef := &eventFile{f: f, w: bufio.NewWriterSize(f, 64<<10), enc: newEventEnc(), named: os.Remove(f.Name()) != nil}
	s.files[b] = ef
	return ef, nil
}

func (f *eventFile) write(srcs []uint64, hits []int, key string, e *parse.Event) error {
	f.enc.b = f.enc.b[:0]
	f.enc.record(srcs, hits, key, e)
	return f.writeRecord()
}

// writeRecord writes the record encoded in f.enc.b behind its length.
func (f *eventFile) writeRecord() error {
	f.head = binary.AppendUvarint(f.head[:0], uint64(len(f.enc.b)))
	f.w.Write(f.head)
	if _, err := f.w.Write(f.enc.b); err != nil {
		return fmt.Errorf("attrib: writing events to the assessment's temporary file (set TMPDIR to a directory with room): %w", err)
	}
	return nil
}

// flush writes what the census left in the files' buffers.
func (s *sharded) flush() error {
	for _, f := range s.files {
		if f == nil {
			continue
		}
		if err := f.w.Flush(); err != nil {
			return fmt.Errorf("attrib: writing events to the assessment's temporary file (set TMPDIR to a directory with room): %w", err)
		}
		f.w = nil
	}
	return nil
}

// closeFiles closes and removes the census's files.
func (s *sharded) closeFiles() {
	for b := range s.files {
		s.closeFile(b)
	}
}

func (s *sharded) closeFile(b int) {
	f := s.files[b]
	if f == nil {
		return
	}
	f.f.Close()
	if f.named {
		os.Remove(f.f.Name())
	}
	s.files[b] = nil
}

// recordReader reads the records of a file, each behind its length.
type recordReader struct {
	r   io.Reader
	buf []byte
	pos int
	eof bool
}

// next is the next record, valid until the next call; io.EOF at the end.
func (rr *recordReader) next() ([]byte, error) {
	for {
		n, k := binary.Uvarint(rr.buf[rr.pos:])
		if k > 0 && n > 1<<26 || k < 0 {
			return nil, errEventCodec
		}
		if k > 0 && uint64(len(rr.buf)-rr.pos-k) >= n {
			rec := rr.buf[rr.pos+k : rr.pos+k+int(n)]
			rr.pos += k + int(n)
			return rec, nil
		}
		if rr.eof {
			if rr.pos == len(rr.buf) {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		}
		// Keep the part read, make room for the record, read on.
		rest := copy(rr.buf[:cap(rr.buf)], rr.buf[rr.pos:])
		rr.buf, rr.pos = rr.buf[:rest], 0
		if k > 0 && k+int(n) > cap(rr.buf) {
			rr.buf = slices.Grow(rr.buf, k+int(n)-len(rr.buf))
		}
		m, err := io.ReadFull(rr.r, rr.buf[len(rr.buf):cap(rr.buf)])
		rr.buf = rr.buf[:len(rr.buf)+m]
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			rr.eof = true
		default:
			return nil, err
		}
	}
}

// replay folds the events of bucket file f into the sources of shard
// pass p, in the order the census read them, and appends its detections
// to dets.
func (p *shardPass) replay(a *aggregator, f *eventFile, dets []detected) ([]detected, error) {
	fail := func(err error) error {
		return fmt.Errorf("attrib: reading events back from the assessment's temporary file: %w", err)
	}
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return nil, fail(err)
	}
	rd := recordReader{r: f.f, buf: make([]byte, 0, 1<<20)}
	d := eventDec{keys: p.c.keys}
	for {
		rec, err := rd.next()
		if err == io.EOF {
			return dets, nil
		}
		if err == nil && len(rec) > 0 && rec[0] == 0 { // a detection
			var x detected
			x, err = d.detectedRecord(rec)
			if err == nil && (x.src < 0 || int(x.src) >= len(p.c.keys) || !p.folds(x.src) || x.rule >= len(a.rules)) {
				err = errEventCodec
			}
			dets = append(dets, x)
			if err == nil {
				continue
			}
		}
		if err == nil {
			err = d.record(rec)
		}
		if err != nil {
			return nil, fail(err)
		}
		a.hits = a.hits[:0]
		for _, h := range d.hits {
			if h >= len(a.rules) {
				return nil, fail(errEventCodec)
			}
			a.hits = append(a.hits, a.rules[h])
		}
		for _, s := range d.srcs {
			i := s >> 1
			if i >= uint64(len(p.c.keys)) || !p.folds(int32(i)) {
				return nil, fail(errEventCodec)
			}
			a.fold(int32(i), p.agg(int32(i)), &d.ev, s&1 == 1)
		}
	}
}
