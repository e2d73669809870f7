package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casefile/casefile/evidence"
)

// UsersReport says what VerifyUsers checked.
type UsersReport struct {
	Users  int `json:"users"`
	Tokens int `json:"tokens"`
}

// userClaim is what the entries say about one user or token.
type userClaim struct {
	entry   uint64 // the latest entry about it
	role    string
	digest  string // SHA-256 of the password hash; "" in cases made before it was recorded
	user    string // tokens: whose
	expires string // tokens
	revoked bool   // tokens
	// users: the full name and email user.added recorded, and whether
	// the latest user.disabled or user.enabled disabled the user.
	fullName, email string
	disabled        bool
}

// userClaims is what the user entries (user.added, user.token_created,
// user.token_revoked) say the stored user and token records must be. The
// catalog keeps one up to date for logins and API calls; VerifyUsers
// builds one for a verification.
type userClaims struct {
	users  map[string]*userClaim // by name
	tokens map[string]*userClaim // by hex SHA-256 of the token ("id:" + id in cases made before it was recorded)
	logins map[string]time.Time  // the latest user.login of each user
}

func newUserClaims() *userClaims {
	return &userClaims{users: map[string]*userClaim{}, tokens: map[string]*userClaim{}, logins: map[string]time.Time{}}
}

// userKinds are the entries that change a user or token record.
var userKinds = map[string]bool{KindUserAdded: true, KindUserToken: true, KindUserTokenRevoked: true,
	KindUserDisabled: true, KindUserEnabled: true, KindUserRoleChanged: true}

// note takes in one entry and returns what is wrong with it, or "".
func (uc *userClaims) note(e *evidence.Entry) string {
	if e.Kind == KindUserLogin {
		var p struct{ User string }
		if json.Unmarshal(e.Payload, &p) == nil {
			uc.logins[p.User] = e.Time
		}
		return ""
	}
	if !userKinds[e.Kind] {
		return ""
	}
	var p map[string]string
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return e.Kind + " payload: " + err.Error()
	}
	switch e.Kind {
	case KindUserAdded:
		uc.users[p["user"]] = &userClaim{entry: e.Index, role: p["role"], digest: p["password_hash_sha256"], fullName: p["full_name"], email: p["email"]}
	case KindUserDisabled, KindUserEnabled, KindUserRoleChanged:
		u := uc.users[p["user"]]
		if u == nil {
			return e.Kind + " names a user no entry added"
		}
		u.entry = e.Index
		switch e.Kind {
		case KindUserRoleChanged:
			u.role = p["role"]
		default:
			u.disabled = e.Kind == KindUserDisabled
		}
	case KindUserToken:
		key := p["token_sha256"]
		if key == "" {
			key = "id:" + p["token_id"]
		}
		uc.tokens[key] = &userClaim{entry: e.Index, user: p["user"], expires: p["expires"]}
	case KindUserTokenRevoked:
		t := uc.tokens[p["token_sha256"]]
		if t == nil {
			return "revokes a token no entry created"
		}
		t.entry, t.revoked = e.Index, true
	}
	return ""
}

// checkUser says how the stored record of user name (nil when it is not
// readable) differs from its entry: where ("entry N", or "" when no entry
// made the user) and what, or "" when it matches.
func (uc *userClaims) checkUser(name string, u *User) (where, problem string) {
	cl := uc.users[name]
	if cl == nil {
		return "", "no user.added entry created this user"
	}
	where = fmt.Sprintf("entry %d", cl.entry)
	switch {
	case u == nil:
		return where, "the stored record of user " + escaped(name) + " is not readable"
	case u.Name != name || u.Role != cl.role:
		return where, fmt.Sprintf("user %s is stored with role %s, the entry says %s", escaped(name), escaped(u.Role), cl.role)
	case cl.digest != "" && hashDigest(u.Hash) != cl.digest:
		return where, "the stored password hash of user " + escaped(name) + " is not the one the entry records"
	case u.FullName != cl.fullName || u.Email != cl.email:
		return where, "user " + escaped(name) + " is stored with another full name or email than the entry records"
	case (u.Disabled != "") != cl.disabled:
		return where, "user " + escaped(name) + " is stored as " + disabledWord(u.Disabled != "") + ", the entries say " + disabledWord(cl.disabled)
	}
	return where, ""
}

// checkToken is checkUser for the token stored under hex SHA-256 h.
func (uc *userClaims) checkToken(h string, t *Token) (where, problem string) {
	if t == nil {
		return "", "the stored token record is not readable"
	}
	cl := uc.tokens[h]
	if cl == nil && len(h) >= tokenIDLen {
		cl = uc.tokens["id:"+h[:tokenIDLen]]
	}
	if cl == nil {
		return "", "no user.token_created entry created this token"
	}
	where = fmt.Sprintf("entry %d", cl.entry)
	switch {
	case t.User != cl.user || len(h) < tokenIDLen || t.ID != h[:tokenIDLen]:
		return where, "token " + escaped(t.ID) + " is stored for another user or under another id than the entry says"
	case cl.expires != "" && t.Expires != cl.expires:
		return where, "token " + escaped(t.ID) + " is stored with another expiry than the entry says"
	case cl.revoked != (t.Revoked != ""):
		return where, "token " + escaped(t.ID) + " is stored as " + revokedWord(t.Revoked != "") + ", the entries say " + revokedWord(cl.revoked)
	}
	return where, ""
}

// VerifyUsers checks the stored user and token records, which the server
// trusts for every login and API call, against the entries that created
// them (user.added, user.token_created, user.token_revoked) and adds each
// difference to r: a role or password hash changed on disk, a user or token
// no entry created, a revocation undone, an expiry moved. Run it after
// evidence.Case.Verify, which proves the entries themselves.
func VerifyUsers(ctx context.Context, c *evidence.Case, r *evidence.Report) (*UsersReport, error) {
	uc := newUserClaims()
	err := c.Entries(0, func(e *evidence.Entry) error {
		if p := uc.note(e); p != "" {
			r.AddProblem(evidence.ProblemEntry, fmt.Sprintf("entry %d", e.Index), p)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	report := func(what, where, problem string) {
		switch {
		case problem == "":
		case where == "":
			r.AddProblem(evidence.ProblemStore, what, problem)
		default:
			r.AddProblem(evidence.ProblemEntry, where, problem)
		}
	}
	rep := &UsersReport{}
	seen := map[string]bool{}
	err = c.Derived().Scan([]byte(prefixUser), nil, func(k, v []byte) error {
		rep.Users++
		name := string(k[len(prefixUser):])
		seen[name] = true
		var u *User
		if json.Unmarshal(v, &u) != nil {
			u = nil
		}
		where, problem := uc.checkUser(name, u)
		report("user "+escaped(name), where, problem)
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for name, cl := range uc.users {
		if !seen[name] {
			r.AddProblem(evidence.ProblemEntry, fmt.Sprintf("entry %d", cl.entry), "user "+escaped(name)+" is not stored")
		}
	}
	err = c.Derived().Scan([]byte(prefixToken), nil, func(k, v []byte) error {
		rep.Tokens++
		h := string(k[len(prefixToken):])
		var t *Token
		if json.Unmarshal(v, &t) != nil {
			t = nil
		}
		where, problem := uc.checkToken(h, t)
		report("token "+escaped(h[:min(len(h), tokenIDLen)]), where, problem)
		return ctx.Err()
	})
	return rep, err
}

func disabledWord(b bool) string {
	if b {
		return "disabled"
	}
	return "enabled"
}

func revokedWord(b bool) string {
	if b {
		return "revoked"
	}
	return "not revoked"
}

// escaped makes stored text safe to print in a report.
func escaped(s string) string {
	e, _ := evidence.EscapeName(truncate(s, maxUserNameLen))
	return e
}
