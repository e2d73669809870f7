package ui

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
)

// pageCache keeps the answers of the read-only pages and API lists with the
// state they were made from: the log size, the assessment generation and
// the verification the header shows. The case is append-only and what
// these answers show derives from the log (through the catalog, the event
// store, the annotations and the assessment, each caught up with it), so
// an answer made from the same state is the same answer and is served
// again without deriving or rendering it anew. Every append changes the
// size: the next request after it makes the answer anew. A page under
// load by a team thus costs one rendering per change, not one per visit
// (rendering the sources table takes ~7 ms of CPU, which 50 clients on
// two cores turn into a queue of 0.2–0.5 s).
type pageCache struct {
	mu    sync.Mutex
	at    pageStamp
	pages map[pageKey]*cachedPage
	bytes int
	// making is the answers being made: a request for one waits for it
	// rather than making it again (50 clients arriving after an append
	// cost one rendering, not 50).
	making map[pageKey]*pageMaking
	// csrf stands for the session's CSRF token in a cached page; each
	// answer puts the asking session's own token in its place.
	csrf string
}

// pageMaking is an answer being made from the state at.
type pageMaking struct {
	at   pageStamp
	done chan struct{}
	page *cachedPage
}

// pageStamp is the state an answer was made from.
type pageStamp struct {
	size     uint64
	gen      uint64
	report   *evidence.Report
	verified time.Time
	busy     bool
}

// pageKey is one answer: the request and who sees it (the header names
// the user and the role decides what the page offers).
type pageKey struct {
	uri, user, role string
}

type cachedPage struct {
	status int
	header http.Header
	body   []byte
}

// Bounds of the cache: pages beyond them are served without being kept.
const (
	maxCachedAnswers = 1024
	maxCachedBytes   = 64 << 20
)

// stamp is the current state. It is read before an answer is made, so an
// append during the making leaves the answer under the older state.
func (s *Server) stamp() pageStamp {
	size, gen := s.c.Log().Size(), s.assess.gen.Load()
	rep, at, busy := s.verify.state()
	return pageStamp{size: size, gen: gen, report: rep, verified: at, busy: busy}
}

// get returns the answer k kept for the state at; else the answer being
// made for it, to wait for; else it registers the caller as the one who
// makes it (and must call done).
func (c *pageCache) get(k pageKey, at pageStamp) (*cachedPage, *pageMaking, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == at {
		if p := c.pages[k]; p != nil {
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
	if c.at != at {
		if at.size < c.at.size || at.size == c.at.size && at.gen < c.at.gen {
			return // made from an older state than the one kept
		}
		c.at, c.pages, c.bytes = at, nil, 0
	}
	if len(c.pages) >= maxCachedAnswers || c.bytes+len(p.body) > maxCachedBytes {
		return
	}
	if c.pages == nil {
		c.pages = map[pageKey]*cachedPage{}
	}
	c.pages[k] = p
	c.bytes += len(p.body)
}

type csrfStandInKey struct{}

// csrfFor is the CSRF token a page rendered for r carries: the stand-in
// when the page is being made for the cache (whoever asked first, a
// session or an API token), else the session's ("" for an API token).
func (s *Server) csrfFor(r *http.Request, ses *session) string {
	switch {
	case r.Context().Value(csrfStandInKey{}) != nil:
		return s.pages.csrf
	case ses != nil:
		return ses.csrf
	}
	return ""
}

// cached serves fn's answer from the cache when the case has not changed
// since it was made, and otherwise makes and keeps it. Only for GET
// handlers that write nothing and show nothing but what derives from the
// log, the assessment and the verification state.
func (s *Server) cached(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		k := pageKey{uri: r.URL.RequestURI(), user: p.user.Name, role: p.user.Role}
		kept, making, mine := s.pages.get(k, s.stamp())
		switch {
		case kept != nil:
			s.pages.write(w, kept, p)
		case !mine:
			select {
			case <-making.done:
			case <-r.Context().Done():
				return
			}
			if making.page.status == http.StatusOK {
				s.pages.write(w, making.page, p)
			} else { // an error, perhaps of the request that made it (gone): try again
				fn(w, r)
			}
		default:
			rec := &pageRecorder{header: http.Header{}, status: http.StatusOK}
			defer func() {
				if rec.page == nil { // fn panicked: those waiting get the error page
					s.pages.done(k, making, &cachedPage{status: http.StatusInternalServerError, header: http.Header{}})
				}
			}()
			fn(rec, r.WithContext(context.WithValue(r.Context(), csrfStandInKey{}, true)))
			rec.page = &cachedPage{status: rec.status, header: rec.header, body: rec.body.Bytes()}
			s.pages.done(k, making, rec.page)
			s.pages.write(w, rec.page, p)
		}
	}
}

// write sends a kept answer with the asking session's CSRF token.
func (c *pageCache) write(w http.ResponseWriter, p *cachedPage, who *principal) {
	body := p.body
	if bytes.Contains(body, []byte(c.csrf)) {
		tok := ""
		if who.session != nil {
			tok = who.session.csrf
		}
		body = bytes.ReplaceAll(body, []byte(c.csrf), []byte(tok))
	}
	for k, v := range p.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length") // the token put in may differ in length
	w.WriteHeader(p.status)
	w.Write(body)
}

// pageRecorder keeps an answer being made for the cache.
type pageRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
	page   *cachedPage // the answer, once made
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
