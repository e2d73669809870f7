package ui

import (
	"errors"
	"maps"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence"
)

// lastLogins is the time of each user's latest user.login entry.
func (k *catalog) lastLogins() map[string]time.Time {
	var out map[string]time.Time
	k.with(func(k *catalog) error {
		out = maps.Clone(k.users.logins)
		return nil
	})
	return out
}

// userChange runs one admin action on the user named in the path and
// shows the users page with what was done. An admin does not act on their
// own account here (a slip would lock them out of this page); the command
// line can.
func (h *handler) userChange(done string, fn func(r *http.Request, actor, name string) (*evidence.Entry, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		name := mux.Vars(r)["name"]
		if name == p.user.Name {
			h.renderUsers(w, r, http.StatusConflict, usersData{Error: "You cannot change your own account here; another admin can, or the examiner with 'casefile user'."})
			return
		}
		_, err := fn(r, actorOf(p), name)
		switch {
		case errors.Is(err, ErrNoUser):
			h.s.fail(w, r, false, http.StatusNotFound, err)
		case errors.Is(err, ErrNoChange):
			h.renderUsers(w, r, http.StatusConflict, usersData{Error: "Nothing changed: " + err.Error() + "."})
		case err != nil:
			h.renderUsers(w, r, http.StatusBadRequest, usersData{Error: "Not changed: " + err.Error() + "."})
		default:
			h.renderUsers(w, r, http.StatusOK, usersData{Done: name + ": " + done + "; recorded in the custody log."})
		}
	}
}

func (h *handler) userDisable() http.HandlerFunc {
	return h.userChange("disabled, sessions ended, tokens refused", func(r *http.Request, actor, name string) (*evidence.Entry, error) {
		return DisableUser(r.Context(), h.s.c.Case, actor, name, r.PostFormValue("reason"))
	})
}

func (h *handler) userEnable() http.HandlerFunc {
	return h.userChange("enabled", func(r *http.Request, actor, name string) (*evidence.Entry, error) {
		return EnableUser(r.Context(), h.s.c.Case, actor, name)
	})
}

func (h *handler) userRole() http.HandlerFunc {
	return h.userChange("role changed", func(r *http.Request, actor, name string) (*evidence.Entry, error) {
		return SetRole(r.Context(), h.s.c.Case, actor, name, r.PostFormValue("role"))
	})
}

func (h *handler) userRevokeTokens() http.HandlerFunc {
	return h.userChange("every active token revoked", func(r *http.Request, actor, name string) (*evidence.Entry, error) {
		_, err := RevokeUserTokens(r.Context(), h.s.c.Case, actor, name)
		return nil, err
	})
}
