package ui

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/triage"
)

// heldAssessment is the assessment the workbench shows, held so that a
// case of a million sources fits: the head (the result without its
// sources), one table row per source (triage.RowOf: what the lists, sort
// orders, counts and filters read) and an index by indicator, while each
// source's whole assessment (its factors, hypotheses and citations: a
// million of them were gigabytes) waits in a temporary file, read back
// when a page shows that source (source). The sources are in the order of
// Result.Sources.
type heldAssessment struct {
	head  *attrib.Result // Sources is nil
	rows  []triage.Row   // Profile, Kinds and Logins are added by the sources table (triage.go)
	byInd map[string]int
	spill *spillFile
}

// spillFile holds each source of an assessment in attrib's binary form
// (AppendSource: exact, and several times cheaper than JSON), written once
// as the assessment is made. It is removed when the assessment it holds
// is replaced and no page reads it any more, and with the server's
// temporary directory on Close.
type spillFile struct {
	path string
	f    *os.File
	loc  []spillLoc // by source

	mu      sync.Mutex
	refs    int  // pages reading it (held.use)
	retired bool // replaced: removed once refs is 0
	closed  bool
	cache   map[int]*attrib.Source // recently read sources
	recent  []int                  // cache's keys, oldest first
}

type spillLoc struct {
	off int64
	n   int32
}

// spillCached is how many sources read back are kept decoded: a source's
// page and its API answer read the same one.
const spillCached = 32

// errReplaced is what a page that outlived its assessment reads.
var errReplaced = errors.New("the assessment changed while this page was made: reload it")

// source is the whole assessment of the i-th source, read from the
// spill file; it is shared, and must not be changed.
func (h *heldAssessment) source(i int) (*attrib.Source, error) {
	return h.spill.read(i)
}

// each gives every source in order, read from the spill file; s is fn's
// to keep.
func (h *heldAssessment) each(fn func(s *attrib.Source) error) error {
	for i := range h.rows {
		s, err := h.spill.decode(i)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// result puts the whole assessment together again from the spill file,
// for what needs every source at once (the provenance graph of a case of
// at most warmGraphSources sources).
func (h *heldAssessment) result() (*attrib.Result, error) {
	head := *h.head
	return attrib.Collect(&head, len(h.rows), h.each)
}

// byIndOf is the index of the source ind in h (nil: none).
func (h *heldAssessment) byIndOf(ind string) (int, bool) {
	if h == nil {
		return 0, false
	}
	i, ok := h.byInd[ind]
	return i, ok
}

// graphable reports whether the provenance graph of h is drawn: it
// holds every source at once (graph.Build), which a case of a million
// sources cannot afford (issue 18).
func (h *heldAssessment) graphable() bool { return len(h.rows) <= warmGraphSources }

// thin is the result with, for each source picked (or every source:
// all), only what its row holds (no factors, hypotheses, logins or
// recommendation): what the graph's overview (graph.Graph.Overview) and
// an explanation's other campaign members read, without reading each
// source back.
func (h *heldAssessment) thin(pick []int, all bool) *attrib.Result {
	r := *h.head
	add := func(i int) {
		w := &h.rows[i]
		r.Sources = append(r.Sources, attrib.Source{Indicator: w.Indicator, Type: w.Type, Special: w.Special, Role: w.Role,
			Probability: w.Probability, Words: w.Words, Confidence: w.Confidence, CollateralRisk: w.Risk, Campaign: w.Campaign,
			Events: w.Events, FirstSeen: w.FirstSeen, LastSeen: w.LastSeen})
	}
	if all {
		r.Sources = make([]attrib.Source, 0, len(h.rows))
		for i := range h.rows {
			add(i)
		}
	}
	for _, i := range pick {
		add(i)
	}
	return &r
}

// explained is the result graph.Explain reads for the source s: s
// itself, whole, and the other members of its campaign as their rows
// hold them.
func (h *heldAssessment) explained(s *attrib.Source) *attrib.Result {
	var members []int
	for _, c := range h.head.Campaigns {
		if s.Campaign == "" || c.ID != s.Campaign {
			continue
		}
		for _, m := range c.Members {
			if j, ok := h.byInd[m]; ok && m != s.Indicator {
				members = append(members, j)
			}
		}
	}
	r := h.thin(members, false)
	r.Sources = append([]attrib.Source{*s}, r.Sources...)
	return r
}

// use says a page reads h's spill file until done is called: a newer
// assessment does not remove it meanwhile.
func (h *heldAssessment) use() (done func()) {
	sp := h.spill
	sp.mu.Lock()
	sp.refs++
	sp.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			sp.mu.Lock()
			defer sp.mu.Unlock()
			sp.refs--
			if sp.retired && sp.refs == 0 {
				sp.closeLocked()
			}
		})
	}
}

// retire says h is replaced: its spill file goes once no page reads it.
func (h *heldAssessment) retire() {
	sp := h.spill
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.retired = true
	if sp.refs == 0 {
		sp.closeLocked()
	}
}

func (sp *spillFile) closeLocked() {
	if !sp.closed {
		sp.closed = true
		sp.f.Close()
		os.Remove(sp.path)
		sp.cache, sp.recent = nil, nil
	}
}

func (sp *spillFile) read(i int) (*attrib.Source, error) {
	sp.mu.Lock()
	if s, ok := sp.cache[i]; ok {
		sp.mu.Unlock()
		return s, nil
	}
	sp.mu.Unlock()
	s, err := sp.decode(i)
	if err != nil {
		return nil, err
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if !sp.closed {
		if sp.cache == nil {
			sp.cache = map[int]*attrib.Source{}
		}
		if len(sp.recent) >= spillCached {
			delete(sp.cache, sp.recent[0])
			sp.recent = sp.recent[1:]
		}
		if _, ok := sp.cache[i]; !ok {
			sp.cache[i] = s
			sp.recent = append(sp.recent, i)
		}
	}
	return s, nil
}

// decode reads and decodes the i-th source (one pread).
func (sp *spillFile) decode(i int) (*attrib.Source, error) {
	l := sp.loc[i]
	b := make([]byte, l.n)
	sp.mu.Lock()
	closed := sp.closed
	sp.mu.Unlock()
	if closed {
		return nil, errReplaced
	}
	if _, err := sp.f.ReadAt(b, l.off); err != nil {
		if sp.isClosed() {
			return nil, errReplaced
		}
		return nil, fmt.Errorf("reading an assessed source back from %s: %w", sp.path, err)
	}
	s, err := attrib.ReadSource(b)
	if err != nil {
		return nil, fmt.Errorf("reading an assessed source back from %s: %w", sp.path, err)
	}
	return &s, nil
}

func (sp *spillFile) isClosed() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.closed
}

// heldBuilder makes a heldAssessment from an assessment given piecewise
// (graph.AssessEach): head, then each source.
type heldBuilder struct {
	h     *heldAssessment
	w     *bufio.Writer
	buf   []byte // a source's encoding (attrib.AppendSource)
	off   int64
	strs  map[string]string   // the rows' repeated texts, kept once
	lists map[string][]string // and their lists of texts (Did, Rules)
	times []time.Time         // the rows' first and last seen, allocated in slabs
}

// newHeldBuilder starts a held assessment whose spill file is made in dir.
func newHeldBuilder(dir string) (*heldBuilder, error) {
	f, err := os.CreateTemp(dir, "assessment-*.bin")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for the assessment: %w", err)
	}
	sp := &spillFile{path: f.Name(), f: f}
	return &heldBuilder{h: &heldAssessment{spill: sp, byInd: map[string]int{}}, w: bufio.NewWriterSize(f, 1<<20),
		strs: map[string]string{}, lists: map[string][]string{}}, nil
}

// head keeps the result without its sources.
func (b *heldBuilder) head(r *attrib.Result) error {
	h := *r
	h.Sources = nil
	b.h.head = &h
	return nil
}

// add writes s to the spill file and keeps its row.
func (b *heldBuilder) add(s *attrib.Source) error {
	b.buf = attrib.AppendSource(b.buf[:0], s)
	if _, err := b.w.Write(b.buf); err != nil {
		return fmt.Errorf("writing the assessment to a temporary file (set TMPDIR to a directory with room): %w", err)
	}
	sp := b.h.spill
	sp.loc = append(sp.loc, spillLoc{off: b.off, n: int32(len(b.buf))})
	b.off += int64(len(b.buf))
	r := triage.RowOf(s)
	// The row must not keep s alive (its factors are what is spilled),
	// nor anything s points into: its texts and times are copied.
	r.Indicator = strings.Clone(r.Indicator)
	r.Type, r.Special, r.Campaign = b.str(r.Type), b.str(r.Special), b.str(r.Campaign)
	r.Role, r.Words, r.Confidence, r.Verdict = b.str(r.Role), b.str(r.Words), b.str(r.Confidence), b.str(r.Verdict)
	r.Did, r.Rules = b.list(r.Did), b.list(r.Rules)
	r.FirstSeen, r.LastSeen = b.time(r.FirstSeen), b.time(r.LastSeen)
	b.h.byInd[r.Indicator] = len(b.h.rows)
	b.h.rows = append(b.h.rows, r)
	return nil
}

func (b *heldBuilder) str(s string) string {
	if s == "" {
		return ""
	}
	if k, ok := b.strs[s]; ok {
		return k
	}
	s = strings.Clone(s)
	b.strs[s] = s
	return s
}

// list is l kept once for all the rows that repeat it (rows are only
// read).
func (b *heldBuilder) list(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	k := strings.Join(l, "\x00")
	if kept, ok := b.lists[k]; ok {
		return kept
	}
	kept := make([]string, len(l))
	for i, x := range l {
		kept[i] = b.str(x)
	}
	b.lists[k] = kept
	return kept
}

func (b *heldBuilder) time(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	if len(b.times) == cap(b.times) {
		b.times = make([]time.Time, 0, 1024)
	}
	b.times = append(b.times, *t)
	return &b.times[len(b.times)-1]
}

// finish ends the spill file's writing and gives the held assessment.
func (b *heldBuilder) finish() (*heldAssessment, error) {
	if err := b.w.Flush(); err != nil {
		b.abort()
		return nil, fmt.Errorf("writing the assessment to a temporary file (set TMPDIR to a directory with room): %w", err)
	}
	if b.h.head == nil {
		b.abort()
		return nil, errors.New("the assessment gave no head")
	}
	b.strs, b.lists, b.times = nil, nil, nil
	return b.h, nil
}

// abort removes what was written.
func (b *heldBuilder) abort() {
	sp := b.h.spill
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.closeLocked()
}
