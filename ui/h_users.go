package ui

import "net/http"

type usersData struct {
	Users   []User
	Error   string
	Token   string
	TokenOf string
	Added   string
}

// userList shows the users of the case and the form to add one.
func (h *handler) userList(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, usersData{Added: r.URL.Query().Get("added")})
}

func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	us, err := Users(h.s.c.Case)
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if !ValidName(d.Added) {
		d.Added = ""
	}
	d.Users = us
	h.s.render(w, r, status, "users", h.s.newView(r, "Users", "users", d))
}
