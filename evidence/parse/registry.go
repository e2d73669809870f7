package parse

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"time"
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
	// Events dated after the artefact's mtime or its receipt (each beyond
	// TimeSlack), flagged in their TimeNote.
	AfterModTime  int64 `json:"after_mtime,omitempty"`
	AfterReceived int64 `json:"after_received,omitempty"`
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
	var res Result
	rs, seekable := r.(io.ReadSeeker)
	var pos int64
	if seekable {
		var err error
		if pos, err = rs.Seek(0, io.SeekCurrent); err != nil {
			seekable = false
		}
	}
	in, br, damage, closeIn, err := open(r, &res)
	if err != nil {
		return res, err
	}
	defer func() { closeIn() }()
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
	// Year-less syslog dated from the mtime: read the file once ahead to
	// walk the years back from the mtime (see clock), then from the start.
	if opts.Year == 0 && !opts.ModTime.IsZero() && seekable && yearless[p.Name()] {
		y, ok, err := firstYear(in, opts)
		if err != nil {
			return res, err
		}
		if ok {
			opts.startYear = y
		}
		closeIn()
		if _, err := rs.Seek(pos, io.SeekStart); err != nil {
			return res, err
		}
		if in, _, damage, closeIn, err = open(rs, &res); err != nil {
			return res, err
		}
	}
	res.Parser, res.Version = p.Name(), p.Version()
	cs := newMemberSink(sink, res.Gzip, opts.ModTime, opts.Received, &res)
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

// yearless names the parsers that read year-less syslog timestamps.
var yearless = map[string]bool{"syslog": true, "openssh": true}

// open buffers r and decompresses it when it is a gzip stream; damage
// then says where a damaged stream ended.
func open(r io.Reader, res *Result) (in io.Reader, br *bufio.Reader, damage *gzipDamage, closeIn func(), err error) {
	br = bufio.NewReaderSize(r, HeadSize)
	closeIn = func() {}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		src := &readErr{r: br}
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, nil, nil, closeIn, fmt.Errorf("gzip: %w", err)
		}
		res.Gzip = true
		damage = &gzipDamage{zr: zr, src: src}
		br = bufio.NewReaderSize(damage, HeadSize)
		return br, br, damage, func() { zr.Close() }, nil
	}
	return br, br, nil, closeIn, nil
}

// TimeSlack is how far an event may be dated after the artefact's mtime or
// receipt before it is flagged: the largest UTC offset, for logs whose time
// zone was assumed.
const TimeSlack = 14 * time.Hour

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

// memberSink marks citations of decompressed streams with Member "gzip",
// and flags events dated after the artefact's mtime or receipt.
type memberSink struct {
	sink          Sink
	gzip          bool
	mod, received time.Time
	res           *Result
	// The two flags' texts, made once, and each joined to the last note
	// it was joined to: a whole log is usually flagged with one note.
	modNote, receivedNote noteJoin
}

func newMemberSink(sink Sink, gzip bool, mod, received time.Time, res *Result) *memberSink {
	c := &memberSink{sink: sink, gzip: gzip, mod: mod, received: received, res: res}
	if !mod.IsZero() {
		c.modNote.flag = "dated after the file's modification time " + mod.UTC().Format(time.RFC3339) + ": check the year, time zone or clock"
	}
	if !received.IsZero() {
		c.receivedNote.flag = "dated after the artefact was received (" + received.UTC().Format(time.RFC3339) + "): in the future when preserved"
	}
	return c
}

func (c *memberSink) Event(ev Event) error {
	if c.gzip {
		ev.Citation.Member = "gzip"
	}
	if !ev.Time.IsZero() {
		if !c.mod.IsZero() && ev.Time.After(c.mod.Add(TimeSlack)) {
			c.res.AfterModTime++
			ev.TimeNote = c.modNote.to(ev.TimeNote)
		}
		if !c.received.IsZero() && ev.Time.After(c.received.Add(TimeSlack)) {
			c.res.AfterReceived++
			ev.TimeNote = c.receivedNote.to(ev.TimeNote)
		}
	}
	return c.sink.Event(ev)
}

// noteJoin adds flag to time notes, remembering the last note and result.
type noteJoin struct {
	flag         string
	last, joined string
	used         bool
}

func (j *noteJoin) to(note string) string {
	if !j.used || note != j.last {
		j.last, j.joined, j.used = note, joinNote(note, j.flag), true
	}
	return j.joined
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func (c *memberSink) Malformed(m Malformed) { c.sink.Malformed(m) }
