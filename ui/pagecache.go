package ui

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
)

// pageCache keeps the answers of the read-only pages and API lists with the
// state they were made from: the log size, the assessment generation,
// which assessment is shown and the verification the header shows. The case is append-only and what
// these answers show derives from the log (through the catalog, the event
// store, the annotations and the assessment, each caught up with it), so
// an answer made from the same state is the same answer and is served
// again without deriving or rendering it anew. A page under load by a team
// thus costs one rendering per change, not one per visit (rendering the
// sources table takes ~7 ms of CPU, which 50 clients on two cores turn
// into a queue of 0.2–0.5 s).
//
// Most pages show nothing of the entries that record people's activity
// (views, logins, downloads: activityKinds): those are kept while no other
// entry is appended (contentSize), so that a team reading evidence, each
// view an entry, does not make every page anew for everyone. The pages
// that list such entries (the custody log, the evidence and its views, the
// overview, users and their last login) are kept by the whole log size.
//
// What differs between visits of one page is left as holes in the kept
// answer and filled for each visit: the session's CSRF token, the
// verification badge (its count of entries not yet checked grows with
// every entry) and, on an event's page, the entry recording that visit.
type pageCache struct {
	mu sync.Mutex
	// kept are the answers resting on the content entries ([0]) and on
	// the whole log ([1]), each with the state they were made from.
	kept [2]pageSet
	// making is the answers being made: a request for one waits for it
	// rather than making it again (50 clients arriving after an append
	// cost one rendering, not 50).
	making map[pageKey]*pageMaking
	// standIn holds, for each hole, the text that stands for it in a page
	// being made (random, so no page has it by chance).
	standIn [holes]string
	badge   badgeCache
}

// pageSet is the answers made from one state.
type pageSet struct {
	at    pageStamp
	pages map[pageKey]*cachedPage
	bytes int
}

// set is the set k's answer is kept in.
func (c *pageCache) set(k pageKey) *pageSet {
	if k.whole {
		return &c.kept[1]
	}
	return &c.kept[0]
}

// hole is a part of a kept answer filled anew for each visit.
type hole int

const (
	holeCSRF     hole = iota // the session's CSRF token ("" for an API token)
	holeBadge                // the verification badge in the header
	holeRecorded             // the custody entry recording this visit (event pages)
	holes
)

// pageMaking is an answer being made from the state at.
type pageMaking struct {
	at   pageStamp
	done chan struct{}
	page *cachedPage
}

// pageStamp is the state an answer was made from.
type pageStamp struct {
	size     uint64 // the log size, or for most pages contentSize
	gen      uint64
	shown    uint64 // what the pages say of the assessment (assessCache.shown)
	report   *evidence.Report
	verified time.Time
	busy     bool
}

// pageKey is one answer: the request, who sees it (the header names the
// user and the role decides what the page offers) and whether it rests on
// the whole log or on its content entries only.
type pageKey struct {
	uri, user, role string
	whole           bool
}

type cachedPage struct {
	status int
	header http.Header
	// parts are the answer's bytes between its holes: holes[i] goes
	// after parts[i].
	parts [][]byte
	holes []hole
	size  int
	// until, when set, is when the answer stops being true although the
	// case does not change (a token listed as active expires).
	until time.Time
	// note is what the handler that made the answer keeps with it for the
	// visits it is served to (the event page: what a view records).
	note any
}

// Bounds of the cache: pages beyond them are served without being kept.
const (
	maxCachedAnswers = 1024
	maxCachedBytes   = 64 << 20
)

// init draws the stand-ins of the holes.
func (c *pageCache) init() {
	for i := range c.standIn {
		c.standIn[i] = randomToken()
	}
}

// stamp is the current state: with the whole log size when whole is set,
// else with contentSize. It is read before an answer is made, so an append
// during the making leaves the answer under the older state.
func (s *Server) stamp(whole bool) pageStamp {
	size, gen, shown := s.c.Log().Size(), s.assess.gen.Load(), s.assess.shown.Load()
	if !whole {
		size = s.cat.contentSize(size)
	}
	rep, at, busy := s.verify.state()
	return pageStamp{size: size, gen: gen, shown: shown, report: rep, verified: at, busy: busy}
}

// get returns the answer k kept for the state at; else the answer being
// made for it, to wait for; else it registers the caller as the one who
// makes it (and must call done).
func (c *pageCache) get(k pageKey, at pageStamp, now time.Time) (*cachedPage, *pageMaking, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if set := c.set(k); set.at == at {
		if p := set.pages[k]; p != nil && (p.until.IsZero() || now.Before(p.until)) {
			return p, nil, false
		}
	}
	if m := c.making[k]; m != nil && m.at == at {
		return nil, m, false
	}
	m := &pageMaking{at: at, done: make(chan struct{})}
	if c.making == nil {
		c.making = map[pageKey]*pageMaking{}
	}
	c.making[k] = m
	return nil, m, true
}

// done ends the making of k's answer: it is kept (when it is a page, not
// an error) and those waiting for it get it.
func (c *pageCache) done(k pageKey, m *pageMaking, p *cachedPage) {
	m.page = p
	close(m.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.making[k] == m {
		delete(c.making, k)
	}
	if p.status == http.StatusOK {
		c.put(k, m.at, p)
	}
}

// put keeps p, made from the state at. c.mu is held.
func (c *pageCache) put(k pageKey, at pageStamp, p *cachedPage) {
	set := c.set(k)
	if set.at != at {
		if at.size < set.at.size || at.size == set.at.size && (at.gen < set.at.gen || at.gen == set.at.gen && at.shown < set.at.shown) {
			return // made from an older state than the one kept
		}
		set.at, set.pages, set.bytes = at, nil, 0
	}
	if len(set.pages) >= maxCachedAnswers || set.bytes+p.size > maxCachedBytes {
		return
	}
	if set.pages == nil {
		set.pages = map[pageKey]*cachedPage{}
	}
	set.pages[k] = p
	set.bytes += p.size
}

// makingPage is what the handler making an answer for the cache tells it.
type makingPage struct {
	until time.Time
	note  any
}

type makingKey struct{}

// makingOf is the answer r's handler is making for the cache, nil when it
// is answering directly.
func makingOf(r *http.Request) *makingPage {
	m, _ := r.Context().Value(makingKey{}).(*makingPage)
	return m
}

// keepUntil says that the answer being made for r stops being true at t.
func keepUntil(r *http.Request, t time.Time) {
	if m := makingOf(r); m != nil && (m.until.IsZero() || t.Before(m.until)) {
		m.until = t
	}
}

// csrfFor is the CSRF token a page rendered for r carries: the stand-in
// when the page is being made for the cache (whoever asked first, a
// session or an API token), else the session's ("" for an API token).
func (s *Server) csrfFor(r *http.Request, ses *session) string {
	switch {
	case makingOf(r) != nil:
		return s.pages.standIn[holeCSRF]
	case ses != nil:
		return ses.csrf
	}
	return ""
}

// cached serves fn's answer from the cache while the log has not grown
// since it was made, and otherwise makes and keeps it. Only for GET
// handlers that write nothing and show nothing but what derives from the
// log, the assessment and the verification state.
func (s *Server) cached(fn http.HandlerFunc) http.HandlerFunc {
	return s.cachedBy(true, fn, nil)
}

// cachedContent is cached for the pages that show no activity entry: their
// answers are kept while only such entries are appended.
func (s *Server) cachedContent(fn http.HandlerFunc) http.HandlerFunc {
	return s.cachedBy(false, fn, nil)
}

// cachedBy serves fn's answer from the cache (see cached). before, when
// set, runs between getting the answer and sending it: it returns what
// fills the answer's holeRecorded, or an error, answered instead.
func (s *Server) cachedBy(whole bool, fn http.HandlerFunc, before func(r *http.Request, p *cachedPage) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		k := pageKey{uri: r.URL.RequestURI(), user: p.user.Name, role: p.user.Role, whole: whole}
		page := s.answer(w, r, k, fn)
		if page == nil {
			return
		}
		var recorded []byte
		if before != nil && page.status == http.StatusOK {
			var err error
			if recorded, err = before(r, page); err != nil {
				s.fail(w, r, false, http.StatusInternalServerError, err)
				return
			}
		}
		s.pages.write(w, page, p, s.badgeHTML(), recorded)
	}
}

// answer returns k's answer: kept, being made by another request, or made
// now. nil means the request ended while waiting.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, k pageKey, fn http.HandlerFunc) *cachedPage {
	kept, making, mine := s.pages.get(k, s.stamp(k.whole), s.now())
	switch {
	case kept != nil:
		return kept
	case !mine:
		select {
		case <-making.done:
		case <-r.Context().Done():
			return nil
		}
		if making.page.status == http.StatusOK {
			return making.page
		}
		// An error, perhaps of the request that made it (gone): make it
		// again, for this request only.
		return s.pages.make(r, fn)
	}
	done := false
	defer func() {
		if !done { // fn panicked: those waiting get the error page
			s.pages.done(k, making, &cachedPage{status: http.StatusInternalServerError, header: http.Header{}})
		}
	}()
	page := s.pages.make(r, fn)
	done = true
	s.pages.done(k, making, page)
	return page
}

// make runs fn to make an answer with stand-ins for its holes.
func (c *pageCache) make(r *http.Request, fn http.HandlerFunc) *cachedPage {
	m := &makingPage{}
	rec := &pageRecorder{header: http.Header{}, status: http.StatusOK}
	fn(rec, r.WithContext(context.WithValue(r.Context(), makingKey{}, m)))
	p := &cachedPage{status: rec.status, header: rec.header, until: m.until, note: m.note, size: rec.body.Len()}
	p.parts, p.holes = c.split(rec.body.Bytes())
	return p
}

// split cuts body at the stand-ins of the holes.
func (c *pageCache) split(body []byte) ([][]byte, []hole) {
	var parts [][]byte
	var hs []hole
	for {
		at, which := -1, hole(0)
		for h, in := range c.standIn {
			if i := bytes.Index(body, []byte(in)); i >= 0 && (at < 0 || i < at) {
				at, which = i, hole(h)
			}
		}
		if at < 0 {
			return append(parts, body), hs
		}
		parts, hs = append(parts, body[:at]), append(hs, which)
		body = body[at+len(c.standIn[which]):]
	}
}

// write sends a kept answer with its holes filled: the asking session's
// CSRF token, the badge and the entry recording the visit.
func (c *pageCache) write(w http.ResponseWriter, p *cachedPage, who *principal, badge, recorded []byte) {
	var fill [holes][]byte
	if who.session != nil {
		fill[holeCSRF] = []byte(who.session.csrf)
	}
	fill[holeBadge], fill[holeRecorded] = badge, recorded
	n := 0
	for i, part := range p.parts {
		n += len(part)
		if i < len(p.holes) {
			n += len(fill[p.holes[i]])
		}
	}
	for k, v := range p.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(p.status)
	for i, part := range p.parts {
		w.Write(part)
		if i < len(p.holes) {
			w.Write(fill[p.holes[i]])
		}
	}
}

// pageRecorder keeps an answer being made for the cache.
type pageRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.header }

func (p *pageRecorder) WriteHeader(status int) {
	if !p.wrote {
		p.status, p.wrote = status, true
	}
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	p.wrote = true
	return p.body.Write(b)
}
