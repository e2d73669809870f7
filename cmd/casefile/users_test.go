package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/badgerstore/storeedit"
)

// A workbench user's role edited on disk (viewer → analyst) verified
// INTACT. Now verify exits 1 and names the user; so does a revocation
// undone.
func TestUserRecordEditedOnDiskFailsVerify(t *testing.T) {
	dir := t.TempDir()
	caseDir := filepath.Join(dir, "case")
	env := map[string]string{"CASEFILE_PASSPHRASE": "users test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": caseDir,
		"CASEFILE_USER_PASSWORD": "a long enough password"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	io := stdio{in: strings.NewReader(""), out: &out, err: &errb}
	cli := func(want int, args ...string) string {
		t.Helper()
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), args, io, getenv); code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", args, code, want, out.String(), errb.String())
		}
		return out.String()
	}
	cli(0, "init")
	cli(0, "user", "add", "vic", "--role", "viewer")
	cli(0, "user", "token", "vic", "--expires", "2d")
	id := regexp.MustCompile(`token ([0-9a-f]{12}) for vic`).FindStringSubmatch(errb.String())
	if id == nil {
		t.Fatalf("no token id in %q", errb.String())
	}
	if o := cli(0, "user", "revoke-token", id[1][:8]); !strings.Contains(o, "revoked token "+id[1]+" of vic") {
		t.Fatalf("revoke-token: %s", o)
	}
	cli(3, "user", "revoke-token", id[1]) // already revoked: an error, not a usage error
	if o := cli(0, "verify"); !strings.Contains(o, "users        1, 1 API tokens, checked against their entries") {
		t.Fatalf("verify:\n%s", o)
	}

	store := filepath.Join(caseDir, "store")
	edit := func(prefix string, fn func([]byte) []byte) (restore func()) {
		key, val, err := storeedit.First(store, []byte(prefix))
		if err != nil {
			t.Fatal(err)
		}
		if err := storeedit.Set(store, key, fn(bytes.Clone(val))); err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := storeedit.Set(store, key, val); err != nil {
				t.Fatal(err)
			}
		}
	}
	restore := edit("u/vic", func(v []byte) []byte {
		return bytes.Replace(v, []byte(`"role":"viewer"`), []byte(`"role":"analyst"`), 1)
	})
	if o := cli(1, "verify"); !strings.Contains(o, "user vic is stored with role analyst, the entry says viewer") {
		t.Fatalf("verify after the role edit:\n%s", o)
	}
	restore()
	cli(0, "verify", "--skip-content")
	edit("t/", func(v []byte) []byte { return regexp.MustCompile(`,"revoked":"[^"]*"`).ReplaceAll(v, nil) })
	if o := cli(1, "verify", "--json"); !strings.Contains(o, "stored as not revoked, the entries say revoked") {
		t.Fatalf("verify after undoing the revocation:\n%s", o)
	}
}
