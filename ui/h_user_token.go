package ui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
)

// userToken makes an API token for the user asking and shows it once, on
// the Account page. Nobody makes a token for someone else in the
// workbench (it would let them act under that name); the examiner can,
// with 'casefile user token'.
func (h *handler) userToken(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	name := mux.Vars(r)["name"]
	if name != p.user.Name {
		h.s.fail(w, r, false, http.StatusForbidden, errors.New("a token for another user"))
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if r.PostFormValue("days") == "" {
		days, err = int(DefaultTokenTTL/(24*time.Hour)), nil
	}
	if err != nil || days < 1 || time.Duration(days)*24*time.Hour > MaxTokenTTL {
		h.renderAccount(w, r, http.StatusBadRequest, accountData{Error: "A token lives from 1 to 366 days."})
		return
	}
	tok, rec, err := NewToken(r.Context(), h.s.c.Case, actorOf(p), name, time.Duration(days)*24*time.Hour)
	if errors.Is(err, ErrNoUser) {
		h.s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	h.renderAccount(w, r, http.StatusOK, accountData{Token: tok, TokenExpires: rec.Expires})
}

// tokenRevoke ends an API token: an admin any user's, everyone else their
// own (from the Account page); user.token_revoked is recorded.
func (h *handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	admin := roleCan(p.user.Role, permAdmin)
	id := mux.Vars(r)["id"]
	if !admin {
		if _, t, err := findToken(h.s.c.Case, id); err == nil && t.User != p.user.Name {
			h.s.fail(w, r, false, http.StatusForbidden, errors.New("revoking another user's token"))
			return
		}
	}
	rec, err := RevokeToken(r.Context(), h.s.c.Case, actorOf(p), id)
	if !admin {
		switch {
		case errors.Is(err, ErrNoToken):
			h.s.fail(w, r, false, http.StatusNotFound, err)
		case err != nil && rec != nil:
			h.renderAccount(w, r, http.StatusConflict, accountData{Error: "That token was already revoked."})
		case err != nil:
			h.s.fail(w, r, false, http.StatusInternalServerError, err)
		default:
			h.renderAccount(w, r, http.StatusOK, accountData{Revoked: rec.ID})
		}
		return
	}
	switch {
	case errors.Is(err, ErrNoToken):
		h.s.fail(w, r, false, http.StatusNotFound, err)
	case err != nil && rec != nil:
		h.renderUsers(w, r, http.StatusConflict, usersData{Error: "That token was already revoked."})
	case err != nil:
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
	default:
		h.renderUsers(w, r, http.StatusOK, usersData{Revoked: rec.ID})
	}
}
