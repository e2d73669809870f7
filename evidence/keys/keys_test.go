package keys_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence/keys"
)

func TestKeyRoundTripAndNote(t *testing.T) {
	priv, pub, err := keys.Generate([]byte("a pass phrase"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(priv), "ENCRYPTED SIGSTORE PRIVATE KEY") {
		t.Fatal("private key not encrypted")
	}
	if _, err := keys.LoadSigner(priv, []byte("wrong"), "casefile.invalid/case/x"); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := keys.LoadSigner(priv, nil, "casefile.invalid/case/x"); !errors.Is(err, keys.ErrPassphraseRequired) {
		t.Fatalf("no passphrase: %v", err)
	}
	s, err := keys.LoadSigner(priv, []byte("a pass phrase"), "casefile.invalid/case/x")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := keys.PublicKey(pub)
	if err != nil || !pk.Equal(s.Public()) {
		t.Fatalf("public key: %v", err)
	}
	// A note signed through sigstore verifies with the signed-note package's
	// own Ed25519 code, from the verifier key string standard tools use.
	msg, err := note.Sign(&note.Note{Text: "casefile.invalid/case/x\n1\nAAAA\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	vkey, _ := keys.VerifierKey(pk, "casefile.invalid/case/x")
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("note does not verify: %v", err)
	}
	msg[len(msg)-5] ^= 1
	if _, err := note.Open(msg, note.VerifierList(v)); err == nil {
		t.Fatal("a damaged signature verified")
	}
	if _, err := keys.NewSigner(nil, pk, "bad name"); err == nil {
		t.Fatal("a key name with a space was accepted")
	}
}

// TestOpenSSLAgrees checks the fingerprint and a blob signature with OpenSSL.
func TestOpenSSLAgrees(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	priv, pub, _ := keys.Generate([]byte("an openssl test"))
	s, _ := keys.LoadSigner(priv, []byte("an openssl test"), "casefile.invalid/case/x")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pub.pem"), pub, 0o644)
	os.WriteFile(filepath.Join(dir, "msg"), []byte("manifest"), 0o644)
	sig, _ := s.SignBlob([]byte("manifest"))
	os.WriteFile(filepath.Join(dir, "msg.sig"), sig, 0o644)
	cmd := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg", "-sigfile", "msg.sig")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl does not verify: %v %s", err, out)
	}
	der, err := exec.Command("sh", "-c", "openssl pkey -pubin -in "+filepath.Join(dir, "pub.pem")+" -outform DER | openssl dgst -sha256 -r").Output()
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := keys.Fingerprint(s.Public())
	if want := "sha256:" + strings.Fields(string(der))[0]; fp != want {
		t.Fatalf("fingerprint %s, openssl says %s", fp, want)
	}
}

func TestWeakPassphrasesRefused(t *testing.T) {
	for _, p := range []string{"1", "short words", "aaaaaaaaaaaaaaaa", "abababababababab", "1212343412123434"} {
		var weak *keys.WeakPassphraseError
		if _, _, err := keys.Generate([]byte(p)); !errors.As(err, &weak) || !strings.Contains(err.Error(), "at least 12 characters") {
			t.Errorf("Generate(%q): %v", p, err)
		}
	}
	if _, _, err := keys.Generate(nil); !errors.Is(err, keys.ErrPassphraseRequired) {
		t.Errorf("empty passphrase: %v", err)
	}
	if err := keys.CheckPassphrase([]byte("correct horse battery staple")); err != nil {
		t.Error(err)
	}
}

// TestDamagedKeyFile: a damaged key file is named as such, not as a JSON
// error; damage inside the ciphertext cannot be told from a wrong passphrase.
func TestDamagedKeyFile(t *testing.T) {
	pass := []byte("a pass phrase")
	priv, _, err := keys.Generate(pass)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(priv), "\n")
	mid := []byte(lines[1])
	mid[10] ^= 0x20 // one base64 character changes case: the JSON envelope breaks
	lines[1] = string(mid)
	for name, bad := range map[string][]byte{
		"flipped":   []byte(strings.Join(lines, "\n")),
		"truncated": priv[:len(priv)/2],
		"not pem":   []byte("hello"),
		"empty":     nil,
	} {
		_, err := keys.LoadSigner(bad, pass, "casefile.invalid/case/x")
		if !errors.Is(err, keys.ErrDamagedKey) && !errors.Is(err, keys.ErrWrongPassphrase) {
			t.Errorf("%s key file: %v", name, err)
		}
		if err != nil && strings.Contains(strings.ToLower(err.Error()), "json") {
			t.Errorf("%s key file: error speaks of JSON: %v", name, err)
		}
	}
}
