package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence"
)

// logout ends the session and records it.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if p.session != nil {
		h.s.auth.end(p.session)
		if _, err := h.s.c.Append(r.Context(), evidence.Draft{Kind: KindUserLogout, Actor: actorOf(p),
			Payload: map[string]string{"user": p.user.Name, "role": p.user.Role, "remote": remoteHost(r)}}); err != nil {
			h.s.log.Error("recording logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.s.cfg.TLS, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
