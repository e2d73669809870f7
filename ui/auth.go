package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Permissions a route can need.
type perm int

const (
	permRead     perm = iota // metadata: lists, events, assessment, custody log
	permContent              // artefact bytes
	permVerify               // run a verification
	permExport               // build and download packages
	permIngest               // add evidence
	permAdmin                // users and tokens
	permAnnotate             // tag, star, write notes, curate the IOC list
	permComment              // comment on events, sources and artefacts
)

// roleCan is the roles matrix.
func roleCan(role string, p perm) bool {
	switch role {
	case RoleAnalyst:
		return true
	case RoleCounsel:
		return p == permRead || p == permContent || p == permVerify || p == permExport || p == permComment
	case RoleViewer:
		return p == permRead
	}
	return false
}

const (
	sessionCookie = "casefile_session"
	loginCookie   = "casefile_login"
	sessionIdle   = 8 * time.Hour
	sessionMax    = 24 * time.Hour
	maxSessions   = 10000
)

// principal is who makes a request.
type principal struct {
	user    User
	session *session // nil for API tokens
	token   *Token   // the API token, for API requests
}

type session struct {
	id      string // SHA-256 of the cookie value, base64
	user    User
	csrf    string
	created time.Time
	seen    time.Time
	results map[string]*ingestOutcome
}

// sessions is the in-memory session table; sessions end with the process.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
}

func newSessions() *sessions {
	return &sessions{byID: map[string]*session{}}
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// create starts a session and returns the cookie value.
func (ss *sessions) create(u User) (string, *session) {
	v := randomToken()
	now := time.Now()
	s := &session{id: sessionKey(v), user: u, csrf: randomToken(), created: now, seen: now, results: map[string]*ingestOutcome{}}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= maxSessions {
		ss.expireLocked(now)
	}
	ss.byID[s.id] = s
	return v, s
}

func (ss *sessions) expireLocked(now time.Time) {
	for k, s := range ss.byID {
		if now.Sub(s.seen) > sessionIdle || now.Sub(s.created) > sessionMax {
			delete(ss.byID, k)
		}
	}
}

func (ss *sessions) get(cookie string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[sessionKey(cookie)]
	if s == nil {
		return nil
	}
	now := time.Now()
	if now.Sub(s.seen) > sessionIdle || now.Sub(s.created) > sessionMax {
		delete(ss.byID, s.id)
		return nil
	}
	s.seen = now
	return s
}

func (ss *sessions) end(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, s.id)
}

func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

type ctxKey int

const principalKey ctxKey = 0

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

func principalOf(r *http.Request) *principal {
	p, _ := r.Context().Value(principalKey).(*principal)
	return p
}

// authenticate finds the session or API token of a request.
func (s *Server) authenticate(r *http.Request) *principal {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil
		}
		tok = strings.TrimSpace(tok)
		u, t, err := lookupToken(s.c.Case, tok, s.now())
		if err != nil {
			return nil
		}
		if p := s.cat.userBound(u, tokenHash(tok), t); p != "" {
			s.log.Error("API token refused: its stored record differs from the custody log", "token", t.ID, "problem", p)
			return nil
		}
		return &principal{user: *u, token: t}
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	ses := s.auth.get(ck.Value)
	if ses == nil {
		return nil
	}
	return &principal{user: ses.user, session: ses}
}

// need wraps a handler with the authentication, role and CSRF checks.
// API routes answer JSON errors; pages redirect to the login page.
func (s *Server) need(p perm, api bool, h http.HandlerFunc) http.Handler {
	return s.guard(p, api, false, h)
}

// needUpload is need for a streamed multipart upload, whose handler checks
// the CSRF token itself in the first part (the body is never buffered).
func (s *Server) needUpload(p perm, h http.HandlerFunc) http.Handler {
	return s.guard(p, false, true, h)
}

func (s *Server) guard(p perm, api, upload bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := s.authenticate(r)
		if who == nil {
			if api || r.Method != http.MethodGet {
				s.fail(w, r, api, http.StatusUnauthorized, nil)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(s.safeNext(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		if !roleCan(who.user.Role, p) {
			s.fail(w, r, api, http.StatusForbidden, nil)
			return
		}
		if changes(r) && who.session != nil && !s.csrfOK(r, who.session, upload) {
			s.fail(w, r, api, http.StatusForbidden, nil)
			return
		}
		h(w, r.WithContext(withPrincipal(r.Context(), who)))
	})
}

func changes(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
}

// csrfOK checks the session's CSRF token in the X-CSRF-Token header or, for
// forms, the csrf field. A streamed upload is checked by its handler, which
// reads the body as a stream and refuses it unless the first part is the
// token.
func (s *Server) csrfOK(r *http.Request, ses *session, upload bool) bool {
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" && upload && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return true // checked by ingestUpload on the first part
	}
	if tok == "" {
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		tok = r.PostFormValue("csrf")
	}
	return tokenEqual(tok, ses.csrf)
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// actorOf names the person a request acts for in custody entries.
func actorOf(p *principal) string {
	if p.token != nil {
		return p.user.Name + " (workbench API token " + p.token.ID + ", " + p.user.Role + ")"
	}
	return p.user.Name + " (workbench, " + p.user.Role + ")"
}
