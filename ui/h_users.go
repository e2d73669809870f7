package ui

import (
	"net/http"
	"time"
)

type usersData struct {
	Users        []UserRow
	Roles        []string
	Tokens       []tokenRow
	Error        string
	Token        string
	TokenOf      string
	TokenExpires string
	Added        string
	Revoked      string
	Done         string // what an admin action did
}

// tokenRow is a token as the users page lists it.
type tokenRow struct {
	Token
	State string // active, expired, revoked
}

// userList shows the users of the case, their tokens and the form to add
// one.
func (h *handler) userList(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, usersData{Added: r.URL.Query().Get("added")})
}

func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	us, err := userRows(h.s.c.Case, h.s.cat.lastLogins(), h.s.now())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	ts, err := Tokens(h.s.c.Case)
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	now := h.s.now()
	keepUntil(r, tokensChange(ts, now))
	for _, t := range ts {
		d.Tokens = append(d.Tokens, tokenRow{Token: t, State: t.State(now)})
	}
	if !ValidName(d.Added) {
		d.Added = ""
	}
	d.Users = us
	d.Roles = []string{RoleViewer, RoleCounsel, RoleAnalyst, RoleAdmin}
	h.s.render(w, r, status, "users", h.s.newView(r, "Users", "users", d))
}

// tokensChange is when the first of ts that is active at now expires (a
// page listing it is true until then); zero when none is.
func tokensChange(ts []Token, now time.Time) time.Time {
	var first time.Time
	for _, t := range ts {
		if !t.usable(now) {
			continue
		}
		if exp, err := time.Parse(time.RFC3339, t.Expires); err == nil && (first.IsZero() || exp.Before(first)) {
			first = exp
		}
	}
	return first
}
