package casedir_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
)

var pass = []byte("correct horse battery staple")

func passFn(p []byte) func() ([]byte, error) { return func() ([]byte, error) { return p, nil } }

func create(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	h, err := casedir.Create(context.Background(), dir, casedir.CreateOptions{Title: "T", Examiner: "E <e@x>", Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	return dir
}

func TestCreateLayoutAndModes(t *testing.T) {
	dir := create(t)
	st, err := os.Stat(filepath.Join(dir, casedir.PrivateKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", st.Mode(), err)
	}
	priv, _ := os.ReadFile(filepath.Join(dir, casedir.PrivateKeyFile))
	if !bytes.Contains(priv, []byte("ENCRYPTED SIGSTORE PRIVATE KEY")) || bytes.Contains(priv, pass) {
		t.Fatal("private key is not stored encrypted")
	}
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	info, err := h.Info()
	if err != nil || info.Title != "T" || !strings.HasPrefix(info.KeyFingerprint, "sha256:") || info.Origin != h.Config.Origin {
		t.Fatalf("case.created: %+v %v", info, err)
	}
	e, _ := h.Entry(0)
	if e.Actor != "E <e@x>" {
		t.Fatalf("examiner not recorded: %q", e.Actor)
	}
	pub, _ := os.ReadFile(filepath.Join(dir, casedir.PublicKeyFile))
	k, err := keys.PublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if fp, _ := keys.Fingerprint(k); fp != info.KeyFingerprint {
		t.Fatalf("fingerprint of public-key.pem %s != recorded %s", fp, info.KeyFingerprint)
	}
	if r, _ := h.Verify(context.Background(), evidence.VerifyOptions{}); !r.OK {
		t.Fatalf("new case does not verify: %+v", r.Problems)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	dir := create(t)
	before, _ := os.ReadFile(filepath.Join(dir, casedir.PrivateKeyFile))
	_, err := casedir.Create(context.Background(), dir, casedir.CreateOptions{Passphrase: pass})
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("Create over an existing case: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, casedir.PrivateKeyFile))
	if !bytes.Equal(before, after) {
		t.Fatal("the key was changed")
	}
	if _, err := casedir.Create(context.Background(), filepath.Join(t.TempDir(), "x"), casedir.CreateOptions{}); !errors.Is(err, keys.ErrPassphraseRequired) {
		t.Fatalf("Create without passphrase: %v", err)
	}
}

func TestOpenPassphrase(t *testing.T) {
	dir := create(t)
	if _, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn([]byte("wrong"))}); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(nil)}); !errors.Is(err, keys.ErrPassphraseRequired) {
		t.Fatalf("missing passphrase: %v", err)
	}
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: "E"}); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyCannotAppend(t *testing.T) {
	h, err := casedir.Open(create(t), casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Append(context.Background(), evidence.Draft{Kind: "x"}); !errors.Is(err, evidence.ErrReadOnly) {
		t.Fatalf("append without key: %v", err)
	}
}

func TestSecondOpenNamesHolder(t *testing.T) {
	dir := create(t)
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass), Command: "casefile serve --case x"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = casedir.Open(dir, casedir.OpenOptions{})
	var inUse *casedir.InUseError
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), "casefile serve --case x") || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second open: %v", err)
	}
	// Readers share the case with each other, not with a writer.
	h.Close()
	r1, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	r2.Close()
	if _, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)}); !errors.As(err, &inUse) {
		t.Fatalf("writer while a reader holds the case: %v", err)
	}
}

func TestNotACase(t *testing.T) {
	if _, err := casedir.Open(t.TempDir(), casedir.OpenOptions{}); !errors.Is(err, casedir.ErrNotACase) {
		t.Fatalf("open of an empty dir: %v", err)
	}
}

func TestKeyReadableByOthersWarns(t *testing.T) {
	dir := create(t)
	os.Chmod(filepath.Join(dir, casedir.PrivateKeyFile), 0o644)
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "chmod 600") {
		t.Fatalf("warnings: %v", h.Warnings)
	}
}

func TestBorrowedCloseLeavesCaseOpen(t *testing.T) {
	dir := t.TempDir()
	h, err := casedir.Create(context.Background(), filepath.Join(dir, "c"), casedir.CreateOptions{Title: "t", Examiner: "e", Passphrase: []byte("borrow-test-passphrase"), Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	b := h.Borrow()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: "e", Payload: map[string]string{"x": "y"}}); err != nil {
		t.Fatalf("the case was closed by a borrowed handle's Close: %v", err)
	}
	if _, err := casedir.Open(filepath.Join(dir, "c"), casedir.OpenOptions{}); err == nil {
		t.Fatal("the lock was released by a borrowed handle's Close")
	}
}
