package ui

import (
	"errors"
	"net/http"
	"net/url"
)

// userAdd creates a user; user.added is recorded.
func (h *handler) userAdd(w http.ResponseWriter, r *http.Request) {
	name, role, pw := r.PostFormValue("name"), r.PostFormValue("role"), r.PostFormValue("password")
	if checkUserName(name) != nil || !ValidRole(role) {
		h.renderUsers(w, r, http.StatusBadRequest, usersData{Error: "Names use letters, digits and . _ - @; the role must be " + roleList + "."})
		return
	}
	nu := NewUser{Name: name, Role: role, FullName: r.PostFormValue("full_name"), Email: r.PostFormValue("email")}
	if err := checkDetails(nu.FullName, nu.Email); err != nil {
		h.renderUsers(w, r, http.StatusBadRequest, usersData{Error: "Not added: " + err.Error() + "."})
		return
	}
	if err := PasswordProblem(name, []byte(pw)); err != nil {
		h.renderUsers(w, r, http.StatusBadRequest, usersData{Error: "Not added: the " + err.Error() + "."})
		return
	}
	_, err := AddUserWith(r.Context(), h.s.c.Case, actorOf(principalOf(r)), nu, []byte(pw))
	switch {
	case errors.Is(err, ErrUserExists):
		h.renderUsers(w, r, http.StatusConflict, usersData{Error: "A user with that name exists."})
	case err != nil:
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
	default:
		http.Redirect(w, r, "/users?added="+url.QueryEscape(name), http.StatusSeeOther)
	}
}
