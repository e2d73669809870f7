// Package eventstore keeps the events parsed from a case's artefacts and
// the index of the indicators they mention, next to the custody log.
//
// Events are derived data. A parse run reads the preserved bytes back from
// the store (never the file the examiner pointed at), so every citation
// points into evidence that verification covers. The run's events are
// stored in compressed blocks, its indicator postings beside them, and one
// events.parsed entry records the parser and version, the counts, and the
// SHA-256 of the events as JSON Lines, so anyone can re-run the parser on the
// artefact and compare. Blocks and postings are written first and made
// durable; the run record is committed atomically with the entry, so after a
// crash a run either exists with its entry or is ignored (and re-parsing
// rewrites the same keys).
//
// Indicator totals are merged across runs when read, never kept as
// counters, so nothing is counted twice whatever happens.
package eventstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// KindEventsParsed is the entry kind of a parse run.
const KindEventsParsed = "events.parsed"

const (
	blockEvents   = 1024   // events per stored block
	maxMalformed  = 10_000 // malformed reports kept per run (all are counted)
	firstReported = 20     // malformed reports copied into the entry
	opsPerWrite   = 4096
)

// Key spaces (outside the evidence package's). Blocks, postings parts and
// the search index (search_index.go) are written as bulk values
// (evidence.Op.Bulk): read in sequence, the Badger store keeps them in
// value files read with pread rather than in its memory-mapped value log.
var (
	prefixRun       = []byte("r/")  // r/<run id 8> → Run (JSON), committed with the entry
	prefixBlock     = []byte("v/")  // v/<run id 8><block BE32> → s2(JSON Lines of events)
	prefixMalformed = []byte("w/")  // w/<run id 8><block BE32> → JSON Lines of parse.Malformed
	prefixPosting   = []byte("j/")  // j/<type>\x00<value>\x00<run id 8> → posting (runs indexed before version 3)
	prefixPart      = []byte("jp/") // jp/<type>\x00<value>\x00<run id 8><part BE32> → posting of one part of a run
)

// ErrAlreadyParsed is returned (with the existing Run) when the same
// artefact was already parsed with the same parser and options.
var ErrAlreadyParsed = errors.New("already parsed with this parser and options")

// Run describes one parse of one artefact: the payload of events.parsed.
type Run struct {
	ID            string            `json:"run"`
	Artefact      string            `json:"artefact"`
	Name          string            `json:"name,omitempty"`
	Parser        string            `json:"parser"`
	ParserVersion int               `json:"parser_version"`
	Format        string            `json:"format_requested"`
	Gzip          bool              `json:"gzip,omitempty"`
	Year          int               `json:"year,omitempty"`
	YearSource    string            `json:"year_source,omitempty"`
	TimeZone      string            `json:"time_zone"`
	Events        int64             `json:"events"`
	Malformed     int64             `json:"malformed"`
	Truncated     int64             `json:"truncated,omitempty"`
	Lines         int64             `json:"lines,omitempty"`
	Records       int64             `json:"records,omitempty"`
	Indicators    int               `json:"indicators"`
	IndexVersion  int               `json:"index_version,omitempty"` // IndexVersion of the postings; absent: 1
	Digest        string            `json:"events_digest"`           // sha256 of the events as JSON Lines (EventsJSONL)
	Search        int               `json:"search_index,omitempty"`  // SearchVersion of the search index written with the run; absent: built on first use
	FirstSeen     string            `json:"first_seen,omitempty"`
	LastSeen      string            `json:"last_seen,omitempty"`
	FirstProblems []parse.Malformed `json:"first_malformed,omitempty"`
	// Events dated after the artefact's mtime or its receipt (flagged in
	// their time_note).
	AfterModTime  int64    `json:"after_mtime,omitempty"`
	AfterReceived int64    `json:"after_received,omitempty"`
	Supersedes    []string `json:"supersedes,omitempty"` // earlier runs of the same artefact, no longer used
	Summary       string   `json:"summary"`
	Seq           int64    `json:"seq"` // when the run started (ns), for ordering
}

func (r *Run) id() [8]byte {
	var id [8]byte
	hex.Decode(id[:], []byte(r.ID))
	return id
}

// Store reads and writes a case's events. One Store per open case.
type Store struct {
	c  *evidence.Case
	mu sync.Mutex // serialises parse runs' index writes
}

// New returns the event store of c.
func New(c *evidence.Case) *Store { return &Store{c: c} }

// ParseOptions control a parse run.
type ParseOptions struct {
	Format   string         // parser name, or "" / "auto" to detect
	Year     int            // for year-less syslog lines (--year)
	Location *time.Location // for logs without a time zone; nil means UTC
	ModTime  time.Time      // the artefact's file mtime as recorded at ingest
	Received time.Time      // when the artefact was received; zero: the time of this parse, which follows it
	Name     string         // original name, for detection
	Actor    string
}

// IndexVersion is the version of the indicator extraction that builds a
// run's postings (EventIndicators). 2: TLS server names and DNS rrname are
// domains. 3: postings are written per part of partEvents events (jp/
// keys), so that a parse holds one part's postings in memory, not the
// whole run's. A new version gives runs new ids, so parsing an artefact
// again indexes it anew (the new run supersedes the old one).
const IndexVersion = 3

// partedIndex is the first IndexVersion whose postings are per part.
const partedIndex = 3

// partEvents is how many events one part of a run's postings covers.
const partEvents = 64 * blockEvents

func (r *Run) parted() bool { return r.IndexVersion >= partedIndex }

// runID names a run by what determines its output: the artefact, the
// parser, the options and the indicator extraction.
func runID(d evidence.Digest, p parse.Parser, o ParseOptions) [8]byte {
	loc := "UTC"
	if o.Location != nil {
		loc = o.Location.String()
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s/%d\n%d\n%s\n%d\n", d, p.Name(), p.Version(), o.Year, loc, o.ModTime.Unix())
	fmt.Fprintf(h, "index/%d\n", IndexVersion) // version 1 runs were named without it
	var id [8]byte
	copy(id[:], h.Sum(nil))
	return id
}

// Parse runs a parser over the preserved artefact d and records the run.
// It returns ErrAlreadyParsed with the earlier run when nothing would
// change, and an error wrapping parse.ErrUnknownFormat when no parser reads
// the artefact (it stays preserved).
func (s *Store) Parse(ctx context.Context, d evidence.Digest, o ParseOptions) (*Run, *evidence.Entry, error) {
	ar, err := s.c.OpenArtefact(d)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.choose(ar, o)
	if err != nil {
		return nil, nil, err
	}
	id := runID(d, p, o)
	if old, err := s.run(id); err == nil {
		return old, nil, ErrAlreadyParsed
	}
	if _, err := ar.Seek(0, 0); err != nil {
		return nil, nil, err
	}
	w := newRunWriter(ctx, s.c, id, d)
	defer w.stop()
	opts := parse.Options{Artefact: d.String(), Name: o.Name, Year: o.Year, ModTime: o.ModTime, Location: o.Location, Received: o.Received}
	if opts.Received.IsZero() {
		opts.Received = time.Now().UTC()
	}
	res, err := parse.Run(ar, p.Name(), opts, w)
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s with %s: %w", d, p.Name(), err)
	}
	// The last part of the postings goes before the entry.
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := w.writePostings(); err != nil {
		return nil, nil, err
	}
	srec, err := w.search.finish()
	if err != nil {
		return nil, nil, err
	}
	run := w.run(res, o)
	run.Search = SearchVersion
	run.Seq = time.Now().UnixNano()
	older, err := s.RunsOf(d)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range older {
		run.Supersedes = append(run.Supersedes, r.ID)
	}
	// The run record is committed with the entry.
	rec, err := json.Marshal(run)
	if err != nil {
		return nil, nil, err
	}
	es, err := s.c.AppendAtomic(ctx, []evidence.Op{{Key: append(bytes.Clone(prefixRun), id[:]...), Value: rec}, srec},
		evidence.Draft{Kind: KindEventsParsed, Actor: o.Actor, Payload: run})
	if err != nil {
		return nil, nil, err
	}
	return run, es[0], nil
}

func (s *Store) choose(ar *evidence.ArtefactReader, o ParseOptions) (parse.Parser, error) {
	if o.Format != "" && o.Format != "auto" {
		p, ok := parse.ByName(o.Format)
		if !ok {
			return nil, fmt.Errorf("format %q: %w", o.Format, parse.ErrUnknownFormat)
		}
		return p, nil
	}
	head := make([]byte, parse.HeadSize)
	n, _ := ar.ReadAt(head, 0)
	head = head[:n]
	if r, err := gunzipHead(head); err == nil {
		head = r
	}
	p, ok := parse.Detect(head, o.Name)
	if !ok {
		return nil, fmt.Errorf("no parser recognises %q: %w", o.Name, parse.ErrUnknownFormat)
	}
	return p, nil
}

func (s *Store) run(id [8]byte) (*Run, error) {
	raw, err := s.c.Derived().Get(append(bytes.Clone(prefixRun), id[:]...))
	if err != nil {
		return nil, err
	}
	var r Run
	return &r, json.Unmarshal(raw, &r)
}

// Runs returns every committed parse run, oldest first.
func (s *Store) Runs() ([]*Run, error) {
	var runs []*Run
	err := s.c.Derived().Scan(prefixRun, nil, func(_, v []byte) error {
		var r Run
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		runs = append(runs, &r)
		return nil
	})
	sort.Slice(runs, func(i, j int) bool { return runs[i].Seq < runs[j].Seq })
	return runs, err
}

// Current returns, for every artefact, its latest run: the one whose
// events count. Earlier runs (another parser, another --year) stay recorded
// but are superseded.
func (s *Store) Current() ([]*Run, error) {
	all, err := s.Runs()
	if err != nil {
		return nil, err
	}
	latest := map[string]*Run{}
	for _, r := range all {
		latest[r.Artefact] = r // Runs is oldest first
	}
	return filterRuns(all, func(r *Run) bool { return latest[r.Artefact] == r }), nil
}

// RunsOf returns the committed runs of one artefact.
func (s *Store) RunsOf(d evidence.Digest) ([]*Run, error) {
	all, err := s.Runs()
	var out []*Run
	for _, r := range all {
		if r.Artefact == d.String() {
			out = append(out, r)
		}
	}
	return out, err
}

// Malformed calls fn for the malformed lines kept for run (at most
// maxMalformed per run; Run.Malformed counts them all).
func (s *Store) Malformed(run *Run, fn func(parse.Malformed) error) error {
	id := run.id()
	return s.c.Derived().Scan(append(bytes.Clone(prefixMalformed), id[:]...), nil, func(_, v []byte) error {
		for _, line := range bytes.Split(bytes.TrimSuffix(v, []byte("\n")), []byte("\n")) {
			var m parse.Malformed
			if err := json.Unmarshal(line, &m); err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func blockKey(prefix []byte, id [8]byte, block uint32) []byte {
	k := make([]byte, 0, len(prefix)+12)
	k = append(k, prefix...)
	k = append(k, id[:]...)
	return binary.BigEndian.AppendUint32(k, block)
}

func postingKey(typ indicator.Type, value string, id [8]byte) []byte {
	k := make([]byte, 0, 2+len(typ)+len(value)+10)
	k = append(k, prefixPosting...)
	k = append(k, typ...)
	k = append(k, 0)
	k = append(k, value...)
	k = append(k, 0)
	return append(k, id[:]...)
}

// partKey is the key of one part of a run's posting of an indicator.
func partKey(typ indicator.Type, value string, id [8]byte, part uint32) []byte {
	return binary.BigEndian.AppendUint32(partPrefix(typ, value, id), part)
}

// partPrefix is the prefix of the parts of a run's posting of an indicator.
func partPrefix(typ indicator.Type, value string, id [8]byte) []byte {
	k := make([]byte, 0, 2+len(typ)+len(value)+14)
	k = append(k, prefixPart...)
	k = append(k, typ...)
	k = append(k, 0)
	k = append(k, value...)
	k = append(k, 0)
	return append(k, id[:]...)
}

// splitPartKey returns the type, value and run id of a part key.
func splitPartKey(k []byte) (indicator.Type, string, [8]byte, bool) {
	var id [8]byte
	rest := k[len(prefixPart):]
	if len(rest) < 14 || rest[len(rest)-13] != 0 {
		return "", "", id, false
	}
	copy(id[:], rest[len(rest)-12:len(rest)-4])
	rest = rest[:len(rest)-13]
	typ, val, ok := strings.Cut(string(rest), "\x00")
	return indicator.Type(typ), val, id, ok
}

// splitPostingKey returns the type, value and run id of a posting key.
func splitPostingKey(k []byte) (indicator.Type, string, [8]byte, bool) {
	var id [8]byte
	rest := k[len(prefixPosting):]
	if len(rest) < 10 {
		return "", "", id, false
	}
	copy(id[:], rest[len(rest)-8:])
	rest = rest[:len(rest)-9]
	typ, val, ok := strings.Cut(string(rest), "\x00")
	return indicator.Type(typ), val, id, ok
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
