package ui

import (
	"context"
	"encoding/json"
	"fmt"

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
}

// VerifyUsers checks the stored user and token records, which the server
// trusts for every login and API call, against the entries that created
// them (user.added, user.token_created, user.token_revoked) and adds each
// difference to r: a role or password hash changed on disk, a user or token
// no entry created, a revocation undone, an expiry moved. Run it after
// evidence.Case.Verify, which proves the entries themselves.
func VerifyUsers(ctx context.Context, c *evidence.Case, r *evidence.Report) (*UsersReport, error) {
	users, tokens := map[string]*userClaim{}, map[string]*userClaim{}
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != KindUserAdded && e.Kind != KindUserToken && e.Kind != KindUserTokenRevoked {
			return ctx.Err()
		}
		var p map[string]string
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			r.AddProblem(evidence.ProblemEntry, fmt.Sprintf("entry %d", e.Index), e.Kind+" payload: "+err.Error())
			return nil
		}
		switch e.Kind {
		case KindUserAdded:
			users[p["user"]] = &userClaim{entry: e.Index, role: p["role"], digest: p["password_hash_sha256"]}
		case KindUserToken:
			key := p["token_sha256"]
			if key == "" {
				key = "id:" + p["token_id"] // cases made before the hash was recorded
			}
			tokens[key] = &userClaim{entry: e.Index, user: p["user"], expires: p["expires"]}
		case KindUserTokenRevoked:
			if t := tokens[p["token_sha256"]]; t != nil {
				t.entry, t.revoked = e.Index, true
			} else {
				r.AddProblem(evidence.ProblemEntry, fmt.Sprintf("entry %d", e.Index), "revokes a token no entry created")
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	rep := &UsersReport{}
	seen := map[string]bool{}
	err = c.Derived().Scan([]byte(prefixUser), nil, func(k, v []byte) error {
		rep.Users++
		name := string(k[len(prefixUser):])
		seen[name] = true
		cl := users[name]
		if cl == nil {
			r.AddProblem(evidence.ProblemStore, "user "+escaped(name), "no user.added entry created this user")
			return nil
		}
		where := fmt.Sprintf("entry %d", cl.entry)
		var u User
		switch {
		case json.Unmarshal(v, &u) != nil:
			r.AddProblem(evidence.ProblemEntry, where, "the stored record of user "+escaped(name)+" is not readable")
		case u.Name != name || u.Role != cl.role:
			r.AddProblem(evidence.ProblemEntry, where, fmt.Sprintf("user %s is stored with role %s, the entry says %s", escaped(name), escaped(u.Role), cl.role))
		case cl.digest != "" && hashDigest(u.Hash) != cl.digest:
			r.AddProblem(evidence.ProblemEntry, where, "the stored password hash of user "+escaped(name)+" is not the one the entry records")
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for name, cl := range users {
		if !seen[name] {
			r.AddProblem(evidence.ProblemEntry, fmt.Sprintf("entry %d", cl.entry), "user "+escaped(name)+" is not stored")
		}
	}
	err = c.Derived().Scan([]byte(prefixToken), nil, func(k, v []byte) error {
		rep.Tokens++
		h := string(k[len(prefixToken):])
		var t Token
		if json.Unmarshal(v, &t) != nil {
			r.AddProblem(evidence.ProblemStore, "token "+escaped(h[:min(len(h), tokenIDLen)]), "the stored token record is not readable")
			return nil
		}
		cl := tokens[h]
		if cl == nil && len(h) >= tokenIDLen {
			cl = tokens["id:"+h[:tokenIDLen]]
		}
		if cl == nil {
			r.AddProblem(evidence.ProblemStore, "token "+escaped(t.ID), "no user.token_created entry created this token")
			return nil
		}
		where := fmt.Sprintf("entry %d", cl.entry)
		switch {
		case t.User != cl.user || len(h) < tokenIDLen || t.ID != h[:tokenIDLen]:
			r.AddProblem(evidence.ProblemEntry, where, "token "+escaped(t.ID)+" is stored for another user or under another id than the entry says")
		case cl.expires != "" && t.Expires != cl.expires:
			r.AddProblem(evidence.ProblemEntry, where, "token "+escaped(t.ID)+" is stored with another expiry than the entry says")
		case cl.revoked != (t.Revoked != ""):
			r.AddProblem(evidence.ProblemEntry, where, "token "+escaped(t.ID)+" is stored as "+revokedWord(t.Revoked != "")+", the entries say "+revokedWord(cl.revoked))
		}
		return ctx.Err()
	})
	return rep, err
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
