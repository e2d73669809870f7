package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/casefile/casefile/evidence"
)

// Bounds of a user's details.
const (
	maxFullNameLen = 128
	maxEmailLen    = 254
)

// checkDetails accepts a full name of printable characters and an email
// address (both may be empty).
func checkDetails(fullName, email string) error {
	if len(fullName) > maxFullNameLen || strings.IndexFunc(fullName, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("full name: at most %d printable characters", maxFullNameLen)
	}
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || len(email) > maxEmailLen {
			return fmt.Errorf("email %q: want a plain address such as ann@example.org", truncate(email, 80))
		}
	}
	return nil
}

// ErrNoChange is returned when a change asked for is already so (a user
// disabled twice, a role set to the role it has).
var ErrNoChange = errors.New("nothing to change")

// changeUser writes the user record fn makes of the current one together
// with the entry that records the change, atomically: no record changes
// without its entry. extra ops (the sessions a disable ends) go in the
// same batch.
func changeUser(ctx context.Context, c *evidence.Case, actor, name, kind string, fn func(u *User, payload map[string]string) error, extra func(u *User) ([]evidence.Op, error)) (*User, *evidence.Entry, error) {
	u, err := lookupUser(c, name)
	if err != nil {
		return nil, nil, err
	}
	payload := map[string]string{"user": u.Name}
	if err := fn(u, payload); err != nil {
		return u, nil, err
	}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, nil, err
	}
	ops := []evidence.Op{{Key: []byte(prefixUser + u.Name), Value: b}}
	if extra != nil {
		more, err := extra(u)
		if err != nil {
			return nil, nil, err
		}
		ops = append(ops, more...)
	}
	es, err := c.AppendAtomic(ctx, ops, evidence.Draft{Kind: kind, Actor: actor, Payload: payload})
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return u, es[0], nil
}

// DisableUser stops a user: no login, and their tokens and sessions stop
// working at once (the server checks the record on every request); the
// sessions are ended too. user.disabled is recorded, with reason when
// given.
func DisableUser(ctx context.Context, c *evidence.Case, actor, name, reason string) (*evidence.Entry, error) {
	_, e, err := changeUser(ctx, c, actor, name, KindUserDisabled, func(u *User, p map[string]string) error {
		if u.Disabled != "" {
			return fmt.Errorf("user %s is already disabled (since %s): %w", u.Name, u.Disabled, ErrNoChange)
		}
		u.Disabled = time.Now().UTC().Format(time.RFC3339)
		if reason != "" {
			p["reason"] = truncate(reason, 500)
		}
		return nil
	}, func(u *User) ([]evidence.Op, error) { return endSessionsOps(c, u.Name) })
	return e, err
}

// EnableUser lets a disabled user in again (their tokens that have not
// expired nor been revoked work again); user.enabled is recorded.
func EnableUser(ctx context.Context, c *evidence.Case, actor, name string) (*evidence.Entry, error) {
	_, e, err := changeUser(ctx, c, actor, name, KindUserEnabled, func(u *User, _ map[string]string) error {
		if u.Disabled == "" {
			return fmt.Errorf("user %s is not disabled: %w", u.Name, ErrNoChange)
		}
		u.Disabled = ""
		return nil
	}, nil)
	return e, err
}

// SetRole changes a user's role; user.role_changed records the new role
// and the previous one. It takes effect at the user's next request.
func SetRole(ctx context.Context, c *evidence.Case, actor, name, role string) (*evidence.Entry, error) {
	if !ValidRole(role) {
		return nil, fmt.Errorf("role %q: want %s", role, roleList)
	}
	_, e, err := changeUser(ctx, c, actor, name, KindUserRoleChanged, func(u *User, p map[string]string) error {
		if u.Role == role {
			return fmt.Errorf("user %s already has role %s: %w", u.Name, role, ErrNoChange)
		}
		p["role"], p["previous_role"] = role, u.Role
		u.Role = role
		return nil
	}, nil)
	return e, err
}

// RevokeUserTokens revokes every active token of a user (one
// user.token_revoked entry each) and returns them.
func RevokeUserTokens(ctx context.Context, c *evidence.Case, actor, name string) ([]Token, error) {
	if _, err := lookupUser(c, name); err != nil {
		return nil, err
	}
	ts, err := Tokens(c)
	if err != nil {
		return nil, err
	}
	var out []Token
	for _, t := range ts {
		if t.User != name || t.Revoked != "" {
			continue
		}
		rec, err := RevokeToken(ctx, c, actor, t.ID)
		if err != nil {
			return out, err
		}
		out = append(out, *rec)
	}
	return out, nil
}

// UserRow is a user as lists show it: the record, the time of the latest
// login (zero when never) and how many tokens are active.
type UserRow struct {
	User
	LastLogin    time.Time
	ActiveTokens int
}

// UserRows lists the users with their last login, which the custody log
// records (user.login), and their active tokens at now.
func UserRows(c *evidence.Case, now time.Time) ([]UserRow, error) {
	uc := newUserClaims()
	if err := c.Entries(0, func(e *evidence.Entry) error { uc.note(e); return nil }); err != nil {
		return nil, err
	}
	return userRows(c, uc.logins, now)
}

func userRows(c *evidence.Case, logins map[string]time.Time, now time.Time) ([]UserRow, error) {
	us, err := Users(c)
	if err != nil {
		return nil, err
	}
	ts, err := Tokens(c)
	if err != nil {
		return nil, err
	}
	active := map[string]int{}
	for _, t := range ts {
		if t.usable(now) {
			active[t.User]++
		}
	}
	out := make([]UserRow, len(us))
	for i, u := range us {
		out[i] = UserRow{User: u, LastLogin: logins[u.Name], ActiveTokens: active[u.Name]}
	}
	return out, nil
}
