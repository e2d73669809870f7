package casedir_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore/storeedit"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
)

// TestReKeyedCaseFails re-signs every checkpoint with a fresh key and
// replaces public-key.pem and checkpoint.vkey, as someone with write access
// but without the case key would: every signature checks, but case.created
// names the old key.
func TestReKeyedCaseFails(t *testing.T) {
	dir := withContent(t)
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldFP := h.KeyFingerprint
	origin := h.Config.Origin
	kept := h.Log().Checkpoint()
	h.Close()

	newPass := []byte("a brand new passphrase")
	privPEM, pubPEM, err := keys.Generate(newPass)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := keys.LoadSigner(privPEM, newPass, origin)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, casedir.StoreDir)
	resigned := map[string][]byte{}
	err = storeedit.Scan(store, []byte("k/"), func(k, v []byte) error {
		body, _, _ := strings.Cut(string(v), "\n\n")
		m, err := note.Sign(&note.Note{Text: body + "\n"}, signer)
		resigned[string(k)] = m
		return err
	})
	if err != nil || len(resigned) == 0 {
		t.Fatalf("re-sign: %v %d", err, len(resigned))
	}
	for k, m := range resigned {
		if err := storeedit.Set(store, []byte(k), m); err != nil {
			t.Fatal(err)
		}
	}
	vkey, _ := keys.VerifierKey(signer.Public(), origin)
	os.WriteFile(filepath.Join(dir, casedir.PublicKeyFile), pubPEM, 0o644)
	os.WriteFile(filepath.Join(dir, casedir.VerifierFile), []byte(vkey+"\n"), 0o644)

	h, err = casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.KeyFingerprint == oldFP {
		t.Fatal("the key was not replaced")
	}
	r, err := h.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.First().Kind != evidence.ProblemSignature || !strings.Contains(r.First().Detail, "re-keyed") ||
		!strings.Contains(r.First().Detail, oldFP) || r.KeyFingerprint != h.KeyFingerprint {
		t.Fatalf("re-keyed case: %+v", r)
	}
	// A checkpoint kept from before is not signed by the new key.
	tc, err := evidence.ParseTrustedCheckpointNote(kept)
	if err != nil {
		t.Fatal(err)
	}
	r, _ = h.Verify(context.Background(), evidence.VerifyOptions{Trusted: &tc, SkipContent: true})
	found := false
	for _, p := range r.Problems {
		found = found || p.Kind == evidence.ProblemSignature && strings.HasPrefix(p.Where, "trusted checkpoint") && strings.Contains(p.Detail, "not signed by the key in public-key.pem")
	}
	if !found || bytes.Equal(kept, h.Log().Checkpoint()) {
		t.Fatalf("the kept checkpoint's signature: %+v", r.Problems)
	}
}

func TestTitleInConfigCheckedAgainstCaseCreated(t *testing.T) {
	dir := create(t)
	p := filepath.Join(dir, casedir.ConfigFile)
	raw, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(raw, []byte(`"title": "T"`), []byte(`"title": "Another case"`), 1), 0o644)
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r, _ := h.Verify(context.Background(), evidence.VerifyOptions{})
	if r.OK || r.First().Where != "casefile.json" || !strings.Contains(r.First().Detail, `"Another case"`) {
		t.Fatalf("edited title: %+v", r.Problems)
	}
}
