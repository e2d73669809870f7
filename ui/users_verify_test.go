package ui

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// User roles, password hashes and tokens lived outside the verified log:
// a role edited on disk verified INTACT. Each edit below, made as an
// attacker with write access to the store would, is now a problem, and
// the server refuses the login or token the edit was made for.
func TestUserRecordsEditedOnDiskFailVerify(t *testing.T) {
	f := newFixture(t, "")
	ctx := t.Context()
	carlSecret, carlTok, err := NewToken(ctx, f.h.Case, testExaminer, "carl", 0)
	if err != nil {
		t.Fatal(err)
	}
	vicSecret, vicTok, err := NewToken(ctx, f.h.Case, testExaminer, "vic", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RevokeToken(ctx, f.h.Case, testExaminer, vicTok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := DisableUser(ctx, f.h.Case, testExaminer, "ada", "left the team"); err != nil {
		t.Fatal(err)
	}
	rep, err := f.srv.VerifyNow(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("before the edits: %+v %v", rep, err)
	}
	get := func(key string) []byte {
		v, err := f.h.Case.Derived().Get([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	put := func(key string, v []byte) {
		if err := f.h.Case.WriteDerived([]evidence.Op{{Key: []byte(key), Value: v}}, true); err != nil {
			t.Fatal(err)
		}
	}
	tokenKey := func(id string) string {
		h, _, err := findToken(f.h.Case, id)
		if err != nil {
			t.Fatal(err)
		}
		return prefixToken + h
	}
	edit := func(key string, fn func(map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(get(key), &m)
		fn(m)
		b, _ := json.Marshal(m)
		return b
	}
	forged := "cft_" + strings.Repeat("A", 43)
	forgedRec, _ := json.Marshal(Token{User: "ann", ID: tokenHash(forged)[:tokenIDLen], Created: "2026-01-01T00:00:00Z", Expires: "2099-01-01T00:00:00Z"})
	for _, c := range []struct {
		name, key string
		value     []byte
		want      string
		// a login or a token the edit would let in, refused now
		login, password, token string
	}{
		{"role raised", prefixUser + "vic", edit(prefixUser+"vic", func(m map[string]any) { m["role"] = RoleAnalyst }),
			"user vic is stored with role analyst, the entry says viewer", "vic", testPassword, ""},
		{"password hash replaced", prefixUser + "carl", edit(prefixUser+"carl", func(m map[string]any) { m["hash"] = hashPassword([]byte("attacker's password")) }),
			"stored password hash of user carl is not the one the entry records", "carl", "attacker's password", ""},
		{"token moved to another user", tokenKey(carlTok.ID), edit(tokenKey(carlTok.ID), func(m map[string]any) { m["user"] = "ann" }),
			"is stored for another user", "", "", carlSecret},
		{"expiry moved", tokenKey(carlTok.ID), edit(tokenKey(carlTok.ID), func(m map[string]any) { m["expires"] = "2099-01-01T00:00:00Z" }),
			"another expiry", "", "", ""},
		{"revocation undone", tokenKey(vicTok.ID), edit(tokenKey(vicTok.ID), func(m map[string]any) { delete(m, "revoked") }),
			"stored as not revoked, the entries say revoked", "", "", vicSecret},
		{"disable undone", prefixUser + "ada", edit(prefixUser+"ada", func(m map[string]any) { delete(m, "disabled") }),
			"user ada is stored as enabled, the entries say disabled", "ada", testPassword, ""},
		{"email set", prefixUser + "ann", edit(prefixUser+"ann", func(m map[string]any) { m["email"] = "mallory@example.org" }),
			"another full name or email", "", "", ""},
		// Keys cannot be removed again, so these come last.
		{"user added on disk", prefixUser + "mallory", mustJSON(User{Name: "mallory", Role: RoleAnalyst, Hash: hashPassword([]byte("attacker's password"))}),
			"no user.added entry created this user", "mallory", "attacker's password", ""},
		{"token added on disk", prefixToken + tokenHash(forged), forgedRec,
			"no user.token_created entry created this token", "", "", forged},
	} {
		t.Run(c.name, func(t *testing.T) {
			old, err := f.h.Case.Derived().Get([]byte(c.key))
			existed := err == nil
			put(c.key, c.value)
			rep, err := f.srv.VerifyNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || strings.Contains(p.Detail, c.want)
			}
			if rep.OK || !found || existed && len(rep.Problems) != 1 {
				t.Fatalf("verify: ok=%v problems %+v, want %q", rep.OK, rep.Problems, c.want)
			}
			if c.login != "" {
				if rec := f.loginFrom("192.0.2.9:1", c.login, c.password); rec.Code != http.StatusForbidden {
					t.Errorf("login as %s with the edited record: %d, want 403", c.login, rec.Code)
				}
			}
			if c.token != "" {
				if code := bearerGet(t, f, "/api/v1/verify", c.token); code != http.StatusUnauthorized {
					t.Errorf("the token with the edited record: %d, want 401", code)
				}
			}
			if existed {
				put(c.key, old)
				if rep, err := f.srv.VerifyNow(ctx); err != nil || !rep.OK {
					t.Fatalf("after restoring: %+v", rep)
				}
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
