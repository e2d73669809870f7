package attrib

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
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
			return nil, errDamaged
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

// replayed is a batch of what the bucket files of a shard hold: events,
// each with its sources and hits (ends into srcs and hits), and
// detections.
type replayed struct {
	evs    []parse.Event
	srcs   []uint64
	srcEnd []int
	hits   []*sigma.Rule
	hitEnd []int
	dets   []detected
	err    error
}

// replay folds the events of the bucket files into the sources of shard
// pass p, each file's in the order the census read them, and returns the
// files' detections. The files are read and decoded on a goroutine of
// their own, a few batches ahead of the folding.
func (p *shardPass) replay(a *aggregator, files []*eventFile) ([]detected, error) {
	reset := func(b *replayed) {
		b.evs, b.srcs, b.srcEnd, b.hits, b.hitEnd, b.dets = b.evs[:0], b.srcs[:0], b.srcEnd[:0], b.hits[:0], b.hitEnd[:0], b.dets[:0]
	}
	produce := func(bp **replayed, send func() bool) {
		for _, f := range files {
			if err := p.read(a, f, bp, send); err != nil {
				(*bp).err = fmt.Errorf("attrib: reading events back from the assessment's temporary file: %w", err)
				send()
				return
			}
		}
		send()
	}
	var dets []detected
	var err error
	ahead(newReplayed, reset, produce, func(b *replayed) bool {
		if err = b.err; err != nil {
			return false
		}
		dets = append(dets, b.dets...)
		s, h := 0, 0
		for k := range b.evs {
			a.hits = b.hits[h:b.hitEnd[k]:b.hitEnd[k]]
			h = b.hitEnd[k]
			for _, n := range b.srcs[s:b.srcEnd[k]] {
				i := int32(n >> 1)
				a.fold(i, p.agg(i), &b.evs[k], n&1 == 1)
			}
			s = b.srcEnd[k]
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return dets, nil
}

func newReplayed() *replayed {
	return &replayed{evs: make([]parse.Event, 0, feedBatch), srcs: make([]uint64, 0, feedBatch), srcEnd: make([]int, 0, feedBatch),
		hits: make([]*sigma.Rule, 0, feedBatch), hitEnd: make([]int, 0, feedBatch)}
}

// read decodes bucket file f into batches, calling send with each full
// one (false: stop).
func (p *shardPass) read(a *aggregator, f *eventFile, bp **replayed, send func() bool) error {
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	rd := recordReader{r: f.f, buf: make([]byte, 0, 1<<20)}
	d := eventDec{keys: p.c.keys}
	for {
		rec, err := rd.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		b := *bp
		if len(rec) == 0 {
			return errDamaged
		}
		if rec[0] == 0 { // a detection
			x, err := d.detectedRecord(rec)
			if err == nil && (x.src < 0 || int(x.src) >= len(p.c.keys) || !p.folds(x.src) || x.rule >= len(a.rules)) {
				err = errDamaged
			}
			if err != nil {
				return err
			}
			b.dets = append(b.dets, x)
			continue
		}
		if err := d.record(rec); err != nil {
			return err
		}
		for _, n := range d.srcs {
			if i := n >> 1; i >= uint64(len(p.c.keys)) || !p.folds(int32(i)) {
				return errDamaged
			}
		}
		for _, h := range d.hits {
			if h >= len(a.rules) {
				return errDamaged
			}
			b.hits = append(b.hits, a.rules[h])
		}
		b.srcs = append(b.srcs, d.srcs...)
		b.evs = append(b.evs, d.ev)
		b.srcEnd, b.hitEnd = append(b.srcEnd, len(b.srcs)), append(b.hitEnd, len(b.hits))
		if len(b.evs) == feedBatch && !send() {
			return nil
		}
	}
}
