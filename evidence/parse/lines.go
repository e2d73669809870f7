package parse

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/rawtext"
)

// lineReader reads lines of at most MaxLine bytes from a stream, keeping
// track of each line's byte offset and 1-based number. The newline and a
// trailing carriage return are removed; the last line is returned even
// without a trailing newline. Longer lines are cut to MaxLine bytes, the
// rest is skipped, and the line is flagged as truncated.
type lineReader struct {
	br        *bufio.Reader
	off       int64 // offset of the next line
	num       int64 // number of the last line returned
	long      []byte
	lineOff   int64
	truncated bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, MaxLine+1)}
}

// next returns the next line. The slice is valid until the next call. At
// the end of the input it returns io.EOF; other errors are read errors.
func (lr *lineReader) next() ([]byte, error) {
	lr.lineOff = lr.off
	lr.truncated = false
	line, err := lr.br.ReadSlice('\n')
	lr.off += int64(len(line))
	if errors.Is(err, bufio.ErrBufferFull) {
		// Longer than MaxLine: keep the first MaxLine bytes, skip the rest.
		lr.long = append(lr.long[:0], line[:min(len(line), MaxLine)]...)
		lr.truncated = true
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = lr.br.ReadSlice('\n')
			lr.off += int64(len(line))
		}
		line = lr.long
		if err == nil || err == io.EOF {
			err = nil
		}
	} else if err == io.EOF {
		if len(line) == 0 {
			return nil, io.EOF
		}
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("read line %d at offset %d: %w", lr.num+1, lr.lineOff, err)
	}
	lr.num++
	if !lr.truncated {
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if len(line) > MaxLine { // r was a larger bufio.Reader
			line = line[:MaxLine]
			lr.truncated = true
		}
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// emitter wraps a Sink with the citation template and the statistics of
// one parse.
type emitter struct {
	sink  Sink
	cite  Citation
	stats Stats
	// intern caches short strings that repeat from line to line (host
	// names, program names, addresses) so that they are allocated once.
	intern map[string]string
	// ips caches address normalisation: raw text → canonical text, or ""
	// when the text is not an address.
	ips map[string]string
	// marked says that the current record went through markJSON.
	marked bool
}

func newEmitter(p Parser, opts Options, sink Sink) *emitter {
	return &emitter{
		sink:   sink,
		cite:   Citation{Artefact: opts.Artefact, Parser: p.Name() + "/" + strconv.Itoa(p.Version())},
		intern: make(map[string]string),
		ips:    make(map[string]string),
	}
}

// str returns b as a string, sharing the allocation with earlier equal
// values while the cache is small.
func (e *emitter) str(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	if s, ok := e.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(e.intern) < 8192 {
		e.intern[s] = s
	}
	return s
}

// ip normalises an address with enrich/indicator and returns its canonical
// text, or "" when b is not an address.
func (e *emitter) ip(b []byte) string {
	if len(b) == 0 || len(b) > 64 {
		return ""
	}
	if s, ok := e.ips[string(b)]; ok {
		return s
	}
	s := ""
	if a, ok := indicator.NormalizeIP(string(b)); ok {
		s = e.addrString(a)
	}
	if len(e.ips) < 8192 {
		e.ips[string(b)] = s
	}
	return s
}

func (e *emitter) addrString(a netip.Addr) string {
	s := a.String()
	if t, ok := e.intern[s]; ok {
		return t
	}
	if len(e.intern) < 8192 {
		e.intern[s] = s
	}
	return s
}

// event completes the citation of ev and hands it to the sink.
func (e *emitter) event(ev *Event, off, line, record int64, truncated bool) error {
	ev.Citation = e.cite
	ev.Citation.Offset = off
	ev.Citation.Line = line
	ev.Citation.Record = record
	if truncated {
		if ev.Fields == nil {
			ev.Fields = make(map[string]string, 1)
		}
		ev.Fields["truncated"] = "true"
	}
	if ev.Outcome == "" {
		ev.Outcome = OutcomeUnknown
	}
	encodeText(ev, e.marked)
	e.stats.Events++
	if err := e.sink.Event(*ev); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	return nil
}

func (e *emitter) malformed(off, line, record int64, reason string) {
	e.stats.Malformed++
	e.sink.Malformed(Malformed{Offset: off, Line: line, Record: record, Reason: rawtext.Encode(reason)})
}

// lineLoop drives a line parser: it reads every line, counts it, and calls
// fn with the line, its offset and number. Blank lines are counted but not
// passed on when skipBlank is set.
func lineLoop(r io.Reader, e *emitter, skipBlank bool, fn func(line []byte, off, num int64, truncated bool) error) (Stats, error) {
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		if err == io.EOF {
			return e.stats, nil
		}
		if err != nil {
			return e.stats, err
		}
		e.stats.Lines++
		if lr.truncated {
			e.stats.Truncated++
		}
		if skipBlank && isBlank(line) {
			continue
		}
		e.marked = false
		if err := fn(line, lr.lineOff, lr.num, lr.truncated); err != nil {
			return e.stats, err
		}
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
