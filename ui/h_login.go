package ui

import (
	"errors"
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
	v := h.s.newView(r, "Log in", "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Error": r.URL.Query().Get("failed") != ""})
	v.CSRF = tok
	v.User = nil
	h.s.render(w, r, http.StatusOK, "login", v)
}

// loginSubmit checks a password, starts a session and records the login
// (or the failed attempt) as custody.
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
	if s.auth.throttled(host, false) {
		s.fail(w, r, false, http.StatusTooManyRequests, nil)
		return
	}
	name, pw := r.PostFormValue("user"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := lookupUser(s.c.Case, name)
	ok := false
	switch {
	case err == nil:
		ok = checkPassword(u.Hash, []byte(pw))
	case errors.Is(err, ErrNoUser):
		checkPassword(dummyHash, []byte(pw)) // same time whether or not the name exists
	default:
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if !ok {
		s.auth.throttled(host, true)
		shown, _ := evidence.EscapeName(truncate(name, maxUserNameLen))
		reason := "wrong password"
		if u == nil {
			reason = "unknown user"
		}
		if _, err := s.c.Append(r.Context(), evidence.Draft{Kind: KindUserLoginFailed, Actor: s.cfg.Actor,
			Payload: map[string]string{"user": shown, "remote": host, "reason": reason}}); err != nil {
			s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		http.Redirect(w, r, "/login?failed=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	cookie, ses := s.auth.create(*u)
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
