package parse

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// ErrUnknownFormat is returned by Run when no parser recognises the
// artefact (or the named format does not exist). The artefact is still
// preserved; the caller records that no parser read it.
var ErrUnknownFormat = errors.New("unknown log format")

// HeadSize is how many bytes of the decompressed artefact Detect sees.
const HeadSize = 64 << 10

// Parsers returns a fresh list of every parser, in detection tie-break
// order.
func Parsers() []Parser {
	return []Parser{
		NewOpenSSH(),
		NewSyslog(),
		NewApacheAccess(),
		NewApacheError(),
		NewSuricataEVE(),
		NewCloudTrail(),
		NewZeek(),
		NewJSONL(),
		NewEVTX(),
		NewPCAP(),
	}
}

// ByName returns the parser whose Name is name.
func ByName(name string) (Parser, bool) {
	for _, p := range Parsers() {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

// Detect returns the parser most sure that head (the first HeadSize bytes
// of the decompressed artefact) is its format; ties go to the earlier
// parser in Parsers. It reports false when every parser scores 0.
func Detect(head []byte, name string) (Parser, bool) {
	var best Parser
	bestScore := 0
	for _, p := range Parsers() {
		if s := p.Detect(head, name); s > bestScore {
			best, bestScore = p, s
		}
	}
	return best, best != nil
}

// Result describes one Run.
type Result struct {
	Parser  string `json:"parser"`
	Version int    `json:"version"`
	Gzip    bool   `json:"gzip,omitempty"`
	Stats   Stats  `json:"stats"`
}

// Run parses r with the named format, or detects it when format is "" or
// "auto". A gzip stream (recognised by its magic bytes, not its name) is
// decompressed transparently: offsets then count bytes of the decompressed
// stream and every citation says Member "gzip".
//
// Run streams: memory stays bounded whatever the size of r. Parsers of
// binary formats that need random access (EVTX, PCAP) may copy the stream
// to a temporary file first; that is their decision.
//
// It returns an error wrapping ErrUnknownFormat when no parser applies,
// and otherwise the parser's error (a read failure or a sink failure).
func Run(r io.Reader, format string, opts Options, sink Sink) (Result, error) {
	br := bufio.NewReaderSize(r, HeadSize)
	var res Result
	var in io.Reader = br
	var damage *gzipDamage
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		src := &readErr{r: br}
		zr, err := gzip.NewReader(src)
		if err != nil {
			return res, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		res.Gzip = true
		damage = &gzipDamage{zr: zr, src: src}
		br = bufio.NewReaderSize(damage, HeadSize)
		in = br
	}
	var p Parser
	switch format {
	case "", "auto":
		head, err := br.Peek(HeadSize)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return res, fmt.Errorf("read head: %w", err)
		}
		var ok bool
		if p, ok = Detect(head, opts.Name); !ok {
			return res, fmt.Errorf("detect %q: %w", opts.Name, ErrUnknownFormat)
		}
	default:
		var ok bool
		if p, ok = ByName(format); !ok {
			return res, fmt.Errorf("format %q: %w", format, ErrUnknownFormat)
		}
	}
	res.Parser, res.Version = p.Name(), p.Version()
	cs := &memberSink{sink: sink, gzip: res.Gzip}
	st, err := p.Parse(in, opts, cs)
	if err == nil && damage != nil && damage.err != nil {
		// What was read is kept; the damage is reported where it starts.
		st.Malformed++
		cs.Malformed(Malformed{Offset: damage.n,
			Reason: fmt.Sprintf("gzip: the compressed stream is damaged after %d bytes of text (%v): the events before are kept, nothing after could be read", damage.n, damage.err)})
	}
	res.Stats = st
	return res, err
}

// gzipDamage reads a gzip stream and ends it, as if it ended there, where
// the stream is truncated, corrupt, or followed by bytes that are not gzip
// (zero padding): err says what was wrong and n how many decompressed bytes
// were read before. A failure to read the compressed bytes themselves is
// passed on: that is not damage in the artefact.
type gzipDamage struct {
	zr  *gzip.Reader
	src *readErr
	n   int64
	err error
}

func (g *gzipDamage) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, io.EOF
	}
	n, err := g.zr.Read(p)
	g.n += int64(n)
	if err != nil && err != io.EOF {
		if g.src.err != nil {
			return n, g.src.err
		}
		g.err = err
		return n, nil
	}
	return n, err
}

// readErr remembers the first error of r other than io.EOF.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// memberSink marks citations of decompressed streams with Member "gzip".
type memberSink struct {
	sink Sink
	gzip bool
}

func (c *memberSink) Event(ev Event) error {
	if c.gzip {
		ev.Citation.Member = "gzip"
	}
	return c.sink.Event(ev)
}

func (c *memberSink) Malformed(m Malformed) { c.sink.Malformed(m) }
