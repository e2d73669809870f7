package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/casefile/casefile/evidence"
)

// loginForm shows the login form. Its CSRF token is a double-submit cookie,
// since there is no session yet.
func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: h.s.cfg.TLS, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	v := h.s.newView(r, "Log in", "login", map[string]any{"Next": h.s.safeNext(r.URL.Query().Get("next")), "Error": r.URL.Query().Get("failed") != ""})
	v.CSRF = tok
	v.User = nil
	h.s.render(w, r, http.StatusOK, "login", v)
}

// loginSubmit checks a password, starts a session and records the login
// as custody; failed and refused attempts are recorded per source and
// window (flushLoginFailures).
func (h *handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	s := h.s
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !tokenEqual(r.PostFormValue("csrf"), ck.Value) {
		s.fail(w, r, false, http.StatusForbidden, errors.New("login without its form token"))
		return
	}
	host := remoteHost(r)
	name, pw := r.PostFormValue("user"), r.PostFormValue("password")
	next := s.safeNext(r.PostFormValue("next"))
	u, err := lookupUser(s.c.Case, name)
	if err != nil && !errors.Is(err, ErrNoUser) {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	// Counted before hashing; refused at once when the source or the
	// account is backing off or every check slot is busy.
	at := s.login.admit(sourceOf(host), truncate(name, maxUserNameLen), u != nil)
	if at == nil {
		w.Header().Set("Retry-After", "60")
		s.fail(w, r, false, http.StatusTooManyRequests, nil)
		return
	}
	var ok bool
	if u != nil {
		ok = checkPassword(u.Hash, []byte(pw))
	} else {
		checkPassword(dummyHash, []byte(pw)) // same time whether or not the name exists
	}
	at.checked()
	at.done(ok)
	if !ok {
		// Recorded with the source's other failures when its window ends.
		http.Redirect(w, r, "/login?failed=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	if p := s.cat.userBound(u, "", nil); p != "" {
		s.fail(w, r, false, http.StatusForbidden, fmt.Errorf("login of %s refused: its stored record differs from the custody log: %s", escaped(u.Name), p))
		return
	}
	if u.Disabled != "" {
		// As a wrong password: a disabled user learns nothing more here.
		http.Redirect(w, r, "/login?failed=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	cookie, ses, err := s.auth.create(*u)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if _, err := s.c.Append(r.Context(), evidence.Draft{Kind: KindUserLogin, Actor: actorOf(&principal{user: *u, session: ses}),
		Payload: map[string]string{"user": u.Name, "role": u.Role, "remote": host}}); err != nil {
		s.auth.end(ses)
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true,
		Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
