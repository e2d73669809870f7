// Package xmodcheck_test checks Casefile's witness cosignatures without
// Casefile: it imports only the standard library and golang.org/x/mod,
// and implements the C2SP tlog-cosignature/v1 verifier from the spec.
package xmodcheck_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// cosigV1 verifies Ed25519 cosignatures (signed-note key type 0x04).
type cosigV1 struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func parseCosigKey(vkey string) (*cosigV1, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("bad vkey %q", vkey)
	}
	h, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(k) != 33 || k[0] != 0x04 {
		return nil, fmt.Errorf("not an Ed25519 cosignature key: %q", vkey)
	}
	sum := sha256.Sum256(append([]byte(parts[0]+"\n"), k...))
	if binary.BigEndian.Uint32(sum[:]) != uint32(h) {
		return nil, fmt.Errorf("key hash mismatch in %q", vkey)
	}
	return &cosigV1{parts[0], uint32(h), ed25519.PublicKey(k[1:])}, nil
}

func (v *cosigV1) Name() string    { return v.name }
func (v *cosigV1) KeyHash() uint32 { return v.hash }
func (v *cosigV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+64 {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	m := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, msg)
	return ed25519.Verify(v.key, []byte(m), sig[8:])
}

func read(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "cosigned", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCosignaturesWithXMod(t *testing.T) {
	logV, err := note.NewVerifier(strings.TrimSpace(read(t, "log.vkey")))
	if err != nil {
		t.Fatal(err)
	}
	vs := []note.Verifier{logV}
	for _, l := range strings.Fields(read(t, "witnesses.vkey")) {
		v, err := parseCosigKey(l)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	msg := []byte(read(t, "checkpoint.txt"))
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Sigs) != 3 {
		t.Fatalf("%d verified signatures, want the log's and two witnesses'", len(n.Sigs))
	}
	body := strings.Split(n.Text, "\n")
	root, err := tlog.ParseHash(body[2])
	if len(body) != 4 || body[1] != "6" || err != nil || root == (tlog.Hash{}) {
		t.Fatalf("checkpoint body %q: %v", n.Text, err)
	}
	for _, s := range n.Sigs[1:] {
		raw, _ := base64.StdEncoding.DecodeString(s.Base64)
		if ts := binary.BigEndian.Uint64(raw[4:12]); ts < 1700000000 {
			t.Errorf("%s: cosignature time %d", s.Name, ts)
		}
	}
	// Any change to the checkpoint body breaks every signature.
	bad := strings.Replace(string(msg), "\n6\n", "\n7\n", 1)
	if _, err := note.Open([]byte(bad), note.VerifierList(vs...)); err == nil {
		t.Fatal("a changed checkpoint verified")
	}
	// A cosignature moved to another time does not verify.
	lines := strings.Split(string(msg), "\n")
	last := lines[len(lines)-2]
	i := strings.LastIndex(last, " ")
	raw, _ := base64.StdEncoding.DecodeString(last[i+1:])
	raw[11]++
	lines[len(lines)-2] = last[:i+1] + base64.StdEncoding.EncodeToString(raw)
	if _, err := note.Open([]byte(strings.Join(lines, "\n")), note.VerifierList(vs...)); err == nil {
		t.Fatal("a cosignature with a changed time verified")
	}
}
