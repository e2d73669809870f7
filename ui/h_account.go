package ui

import "net/http"

// accountData is the Account page: who you are and your API tokens.
type accountData struct {
	Me           UserRow
	Tokens       []tokenRow
	Error        string
	Token        string
	TokenExpires string
	Revoked      string
}

// account shows the user's own details and tokens, and makes and revokes
// them: every role has one, so that anyone can get the token the CLI needs
// while the case is served.
func (h *handler) account(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, accountData{})
}

func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	p := principalOf(r)
	rows, err := userRows(h.s.c.Case, h.s.cat.lastLogins(), h.s.now())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	for _, u := range rows {
		if u.Name == p.user.Name {
			d.Me = u
		}
	}
	ts, err := Tokens(h.s.c.Case)
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	now := h.s.now()
	keepUntil(r, tokensChange(ts, now)) // the active tokens counted in d.Me, and those listed
	for _, t := range ts {
		if t.User == p.user.Name {
			d.Tokens = append(d.Tokens, tokenRow{Token: t, State: t.State(now)})
		}
	}
	h.s.render(w, r, status, "account", h.s.newView(r, "Account", "account", d))
}
