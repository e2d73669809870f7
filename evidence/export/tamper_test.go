package export

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// flip changes one byte of a file in a package directory.
func flip(t *testing.T, path string, at func(n int) int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := at(len(b))
	b[i] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTamper damages each kind of file of a good package, one at a time,
// and checks that Verify fails naming it, and that the standard-tool
// commands of VERIFY.txt fail too.
func TestTamper(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	build(t, tc, tc.options(good))
	if r := mustVerify(t, good); !r.OK {
		t.Fatalf("good package: %+v", r.Problems)
	}
	checkTools(t, good, true)
	auth := "artefacts/" + tc.arts["auth.log"].Hex()
	cases := []struct{ file, where string }{
		{auth, auth},
		{"entries.jsonl", "entries.jsonl"},
		{"proofs/entry-3.tlog-proof", "proofs/entry-3.tlog-proof"},
		{"checkpoint.txt", "checkpoint.txt"},
		{"manifest.json", "manifest.json"},
		{"manifest.sig", "manifest.sig"},
		{"report.html", "report.html"},
		{"case.jsonld", "case.jsonld"},
		{"stix-bundle.json", "stix-bundle.json"},
		{"public-key.pem", "public-key.pem"},
		{"SHA256SUMS", "SHA256SUMS"},
		{"SHA256SUMS.sig", "SHA256SUMS.sig"},
		{"verify.sh", "verify.sh"},
		{"VERIFY.txt", "VERIFY.txt"},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.file, "/", "_"), func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "pkg")
			if err := os.CopyFS(bad, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			flip(t, filepath.Join(bad, c.file), func(n int) int { return n / 2 })
			r := mustVerify(t, bad)
			if r.OK || r.First() == nil || r.First().Where != c.where {
				t.Fatalf("tampered %s: first problem %+v", c.file, r.First())
			}
			t.Logf("%s: %s", c.file, r.First().Detail)
			checkTools(t, bad, false)
		})
	}
	t.Run("extra file", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "pkg")
		os.CopyFS(bad, os.DirFS(good))
		os.WriteFile(filepath.Join(bad, "artefacts", strings.Repeat("0", 64)), []byte("x"), 0o644)
		if r := mustVerify(t, bad); r.OK || r.First().Where != "artefacts/"+strings.Repeat("0", 64) {
			t.Fatalf("extra file: %+v", r.First())
		}
		checkTools(t, bad, false)
	})
	t.Run("missing proof", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "pkg")
		os.CopyFS(bad, os.DirFS(good))
		os.Remove(filepath.Join(bad, "proofs/entry-0.tlog-proof"))
		if r := mustVerify(t, bad); r.OK || r.First().Where != "proofs/entry-0.tlog-proof" {
			t.Fatalf("missing proof: %+v", r.First())
		}
	})
}

// TestTamperResigned damages content and re-signs the manifest with the
// case key, as a buggy exporter would: the deeper checks (proofs, chain,
// artefacts against entries, checkpoint) still name the bad file.
func TestTamperResigned(t *testing.T) {
	tc := newTestCase(t)
	good := filepath.Join(t.TempDir(), "good")
	build(t, tc, tc.options(good))
	resign := func(t *testing.T, dir string) { resignPackage(t, tc, dir) }
	auth := "artefacts/" + tc.arts["auth.log"].Hex()
	for _, c := range []struct {
		name, where string
		damage      func(dir string)
	}{
		{"entry payload", "proofs/entry-1.tlog-proof", func(dir string) {
			p := filepath.Join(dir, "entries.jsonl")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"source":"web01 via SSH"`), []byte(`"source":"web02 via SSH"`), 1), 0o644)
		}},
		{"proof hash", "proofs/entry-5.tlog-proof", func(dir string) {
			p := filepath.Join(dir, "proofs/entry-5.tlog-proof")
			b, _ := os.ReadFile(p)
			lines := strings.SplitN(string(b), "\n", 4)
			lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644)
		}},
		{"artefact", auth, func(dir string) { flip(t, filepath.Join(dir, auth), func(int) int { return 0 }) }},
		{"checkpoint", "checkpoint.txt", func(dir string) {
			p := filepath.Join(dir, "checkpoint.txt")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("\n8\n"), []byte("\n7\n"), 1), 0o644)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "pkg")
			os.CopyFS(bad, os.DirFS(good))
			c.damage(bad)
			resign(t, bad)
			r := mustVerify(t, bad)
			if r.OK || r.First().Where != c.where {
				t.Fatalf("first problem %+v, want %s", r.First(), c.where)
			}
			t.Logf("%s: %s: %s", c.name, r.First().Where, r.First().Detail)
		})
	}
}

// checkTools runs the steps of VERIFY.txt literally: they must all pass
// on a good package and at least one must fail on a damaged one.
func checkTools(t *testing.T, dir string, good bool) {
	t.Helper()
	fp := strings.TrimPrefix(packageFingerprint(t, dir), "sha256:")
	ok, log := runVerifySteps(t, dir, fp)
	if good && !ok {
		t.Fatalf("the VERIFY.txt steps fail on a good package:\n%s", log)
	}
	if !good && ok {
		t.Fatalf("the VERIFY.txt steps pass a damaged package:\n%s", log)
	}
}

// packageFingerprint is the key fingerprint a package's manifest names.
func packageFingerprint(t *testing.T, dir string) string {
	t.Helper()
	var m Manifest
	if err := jsonUnmarshal(mustRead(t, filepath.Join(dir, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	return m.Case.KeyFingerprint
}

// runVerifySteps runs the numbered command lines of VERIFY.txt in dir with
// sh, as a recipient would, given the fingerprint the sender confirmed
// (hex). It reports whether every step passed as VERIFY.txt says it must.
// Without sha256sum or openssl the test is skipped.
func runVerifySteps(t *testing.T, dir, confirmed string) (bool, string) {
	t.Helper()
	for _, tool := range []string{"sh", "sha256sum", "openssl", "du"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the VERIFY.txt steps cannot run", tool)
		}
	}
	txt, err := os.ReadFile(filepath.Join(dir, "VERIFY.txt"))
	if err != nil {
		return false, err.Error()
	}
	steps, _, _ := strings.Cut(string(txt), "These steps prove")
	var cmds []string
	for _, l := range strings.Split(steps, "\n") {
		if c, ok := strings.CutPrefix(l, "     "); ok && strings.TrimSpace(c) != "" {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) != 4 {
		t.Fatalf("VERIFY.txt has %d commands, want 4:\n%s", len(cmds), txt)
	}
	var log strings.Builder
	ok := true
	for _, c := range cmds {
		if strings.HasPrefix(c, "sh verify.sh ") {
			c = "sh verify.sh " + confirmed // the fingerprint the sender confirmed
		}
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(&log, "$ %s\n%s(exit %v)\n", c, out, err)
		switch {
		case err != nil:
			ok = false
		case strings.HasPrefix(c, "openssl pkeyutl") && !strings.Contains(string(out), "Signature Verified Successfully"):
			ok = false
		case strings.HasPrefix(c, "sha256sum") && (strings.Contains(string(out), "WARNING") || strings.Contains(string(out), "FAILED")):
			ok = false
		case strings.HasPrefix(c, "openssl pkey ") && !strings.HasPrefix(string(out), confirmed+" "):
			ok = false
		}
	}
	return ok, log.String()
}
