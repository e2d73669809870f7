package ui

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
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

// roleCan is the roles matrix: an admin may do everything, an analyst
// everything but manage users.
func roleCan(role string, p perm) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleAnalyst:
		return p != permAdmin
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
)

// principal is who makes a request.
type principal struct {
	user    User
	session *session // nil for API tokens
	token   *Token   // the API token, for API requests
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
	// The user as stored now: a role changed or a user disabled applies
	// to the sessions already open, at their next request.
	u, err := lookupUser(s.c.Case, ses.name)
	if err != nil || u.Disabled != "" {
		s.auth.end(ses)
		return nil
	}
	if p := s.cat.userBound(u, "", nil); p != "" {
		s.log.Error("session refused: the user's stored record differs from the custody log", "user", u.Name, "problem", p)
		return nil
	}
	return &principal{user: *u, session: ses}
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
