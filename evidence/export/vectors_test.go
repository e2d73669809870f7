package export

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/keys"
)

// The committed vectors: testdata/vectors/<format>/ holds a known-good
// package written by that format's writer (good, good.tar.gz, good.zip)
// and, for the current format, tampered variants. VERDICTS lists each
// with what `casefile verify-export` must say (ok, or the file its first
// problem names) and what the coreutils/OpenSSL steps of VERIFY.txt must
// give ("pass", "fail", or "-" for archives, which they do not open).
// Packages of every format ever written must keep verifying.
//
// CASEFILE_EXPORT_WRITE_VECTORS=1 rewrites testdata/vectors/v3 with the
// current writer (a new key; review the diff before committing).

const vectorsDir = "testdata/vectors"

type verdict struct {
	name, verify, offline string
}

func readVerdicts(t *testing.T, dir string) []verdict {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "VERDICTS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []verdict
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.Fields(l)
		if len(p) != 3 {
			t.Fatalf("VERDICTS: bad line %q", l)
		}
		out = append(out, verdict{p[0], p[1], p[2]})
	}
	return out
}

// TestVectors verifies every committed vector and checks its verdict, and
// runs the VERIFY.txt steps literally on each directory vector.
func TestVectors(t *testing.T) {
	if os.Getenv("CASEFILE_EXPORT_WRITE_VECTORS") != "" {
		writeVectors(t, filepath.Join(vectorsDir, "v3"))
	}
	formats, err := os.ReadDir(vectorsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(formats) < 3 {
		t.Fatalf("%d vector formats, want v1, v2 and v3", len(formats))
	}
	for _, fd := range formats {
		dir := filepath.Join(vectorsDir, fd.Name())
		confirmed := strings.TrimPrefix(packageFingerprint(t, filepath.Join(dir, "good")), "sha256:")
		for _, v := range readVerdicts(t, dir) {
			t.Run(fd.Name()+"/"+v.name, func(t *testing.T) {
				p := filepath.Join(dir, v.name)
				r := mustVerify(t, p)
				switch {
				case v.verify == "ok" && !r.OK:
					t.Fatalf("want ok, got %+v", r.Problems)
				case v.verify != "ok" && (r.OK || r.First().Where != v.verify):
					t.Fatalf("want the first problem at %s, got %+v", v.verify, r.First())
				}
				if !r.OK {
					t.Logf("%s: %s: %s", r.First().Kind, r.First().Where, r.First().Detail)
				}
				if v.offline == "-" {
					return
				}
				ok, log := runVerifySteps(t, p, confirmed)
				if ok != (v.offline == "pass") {
					t.Fatalf("VERIFY.txt steps: passed=%v, want %s\n%s", ok, v.offline, log)
				}
			})
		}
	}
}

// writeVectors builds the good selective package and its tampered
// variants.
func writeVectors(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tc, fs, leaves, _ := observedCase(t)
	for _, name := range []string{"good", "good.tar.gz", "good.zip"} {
		o := tc.options(filepath.Join(dir, name))
		o.Artefacts, o.Findings, o.Leaves, o.NoRecord = []evidence.Digest{tc.arts["auth.log"]}, fs, leaves, true
		build(t, tc, o)
	}
	good := filepath.Join(dir, "good")
	auth := "artefacts/" + tc.arts["auth.log"].Hex()
	variant := func(name string, damage func(d string)) {
		d := filepath.Join(dir, name)
		if err := os.CopyFS(d, os.DirFS(good)); err != nil {
			t.Fatal(err)
		}
		damage(d)
	}
	variant("flipped-artefact-byte", func(d string) { flip(t, filepath.Join(d, auth), func(n int) int { return n / 2 }) })
	variant("rewritten-sha256sums", func(d string) {
		flip(t, filepath.Join(d, auth), func(n int) int { return n / 2 })
		b := mustRead(t, filepath.Join(d, auth))
		sums := string(mustRead(t, filepath.Join(d, "SHA256SUMS")))
		sums = strings.Replace(sums, tc.arts["auth.log"].Hex()+"  "+auth, sha256Hex(b)+"  "+auth, 1)
		writeOrFail(t, filepath.Join(d, "SHA256SUMS"), []byte(sums))
	})
	variant("resigned-other-key", func(d string) {
		other, otherPEM := newTestKey(t)
		oldFP, _ := manifestOf(t, d)
		writeOrFail(t, filepath.Join(d, "public-key.pem"), otherPEM)
		newFP := fingerprintOf(t, otherPEM)
		for _, f := range []string{"VERIFY.txt", "report.html", "manifest.json", "verify.sh"} {
			b := mustRead(t, filepath.Join(d, f))
			b = bytes.ReplaceAll(b, []byte(strings.TrimPrefix(oldFP, "sha256:")), []byte(strings.TrimPrefix(newFP, "sha256:")))
			writeOrFail(t, filepath.Join(d, f), b)
		}
		resignDir(t, d, other.SignBlob)
	})
	variant("truncated-proof", func(d string) {
		p := filepath.Join(d, "proofs", "entry-1.tlog-proof")
		b := mustRead(t, p)
		writeOrFail(t, p, b[:len(b)/2])
	})
	variant("extra-file", func(d string) {
		writeOrFail(t, filepath.Join(d, "artefacts", strings.Repeat("0", 64)), []byte("planted\n"))
	})
	variant("leaked-unselected-value", func(d string) {
		p := filepath.Join(d, "stix-bundle.json")
		b := mustRead(t, p)
		b = bytes.Replace(b, []byte(`"objects": [`), []byte(`"objects": [
    {
      "id": "ipv4-addr--`+uuid5(stixSCONamespace, `{"value":"81.2.69.142"}`)+`",
      "spec_version": "2.1",
      "type": "ipv4-addr",
      "value": "81.2.69.142"
    },`), 1)
		writeOrFail(t, p, b)
		resignDir(t, d, tc.signer.SignBlob)
	})
	_, m := manifestOf(t, good)
	var leaf, obsLeaf string
	for _, l := range m.Leaves {
		if l.Entry == *m.Assessment {
			leaf = l.Path
		} else {
			obsLeaf = l.Path
		}
	}
	variant("flipped-leaf-byte", func(d string) { flip(t, filepath.Join(d, leaf), func(n int) int { return n / 2 }) })
	variant("forged-leaf", func(d string) {
		replaceIn(t, filepath.Join(d, leaf), `"probability":`, `"probability":1`)
		resignDir(t, d, tc.signer.SignBlob)
	})
	variant("forged-observation", func(d string) {
		replaceIn(t, filepath.Join(d, obsLeaf), `"exit":true`, `"exit":false`)
		resignDir(t, d, tc.signer.SignBlob)
	})
	writeDotDot(t, filepath.Join(dir, "good.tar.gz"), filepath.Join(dir, "dotdot-path.tar.gz"))
	verdicts := fmt.Sprintf(`# name                    verify-export (ok, or where the first problem is)  VERIFY.txt steps
good                      ok                            pass
good.tar.gz               ok                            -
good.zip                  ok                            -
flipped-artefact-byte     %[1]s  fail
rewritten-sha256sums      %[1]s  fail
resigned-other-key        checkpoint.txt                fail
truncated-proof           proofs/entry-1.tlog-proof     fail
extra-file                artefacts/%[2]s  fail
# A package built by a writer that leaks, signed with the case key: the
# offline steps cannot know what was selected; verify-export's scope check does.
leaked-unselected-value   stix-bundle.json              pass
flipped-leaf-byte         %[3]s  fail
# A finding's leaf changed and the package re-signed with the case key: the
# leaf no longer hashes to the result_root of the assessment entry.
forged-leaf               %[3]s  pass
# An observation changed likewise: it no longer hashes to the
# observations_root of its observations entry.
forged-observation        %[4]s  pass
dotdot-path.tar.gz        "pkg/../evil.sh"              -
`, auth, strings.Repeat("0", 64), leaf, obsLeaf)
	writeOrFail(t, filepath.Join(dir, "VERDICTS"), []byte(verdicts))
}

func writeOrFail(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func manifestOf(t *testing.T, dir string) (string, *Manifest) {
	t.Helper()
	var m Manifest
	if err := jsonUnmarshal(mustRead(t, filepath.Join(dir, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	return m.Case.KeyFingerprint, &m
}

func fingerprintOf(t *testing.T, pubPEM []byte) string {
	t.Helper()
	pub, err := keys.PublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := keys.Fingerprint(pub)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// resignDir rehashes every file the manifest lists, and signs manifest.json
// and SHA256SUMS again with sign, as a forger (or a buggy writer) would.
func resignDir(t *testing.T, dir string, sign func([]byte) ([]byte, error)) {
	t.Helper()
	_, m := manifestOf(t, dir)
	for i, f := range m.Files {
		b := mustRead(t, filepath.Join(dir, f.Path))
		m.Files[i].SHA256, m.Files[i].Size = sha256Hex(b), int64(len(b))
	}
	mj := jsonIndent(t, m)
	sig, err := sign(mj)
	if err != nil {
		t.Fatal(err)
	}
	writeOrFail(t, filepath.Join(dir, "manifest.json"), mj)
	writeOrFail(t, filepath.Join(dir, "manifest.sig"), sig)
	names := []string{"manifest.json", "manifest.sig"}
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	sort.Strings(names)
	var sums bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(mustRead(t, filepath.Join(dir, n))), n)
	}
	ssig, err := sign(sums.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	writeOrFail(t, filepath.Join(dir, "SHA256SUMS"), sums.Bytes())
	writeOrFail(t, filepath.Join(dir, "SHA256SUMS.sig"), ssig)
}

// writeDotDot copies a .tar.gz package and appends an entry whose path
// climbs out of the package.
func writeDotDot(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	gr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	tr := tar.NewReader(gr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	evil := []byte("#!/bin/sh\necho planted\n")
	if err := tw.WriteHeader(&tar.Header{Name: "pkg/../evil.sh", Mode: 0o755, Size: int64(len(evil)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(evil)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	writeOrFail(t, to, buf.Bytes())
}
