package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa/tsatest"
	"github.com/casefile/casefile/evidence/witness"
)

// lockedBuffer is written by a server goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testEnv(k string) string {
	return map[string]string{"CASEFILE_PASSPHRASE": "witness test", "CASEFILE_EXAMINER": "Ann Analyst <ann@example.org>"}[k]
}

// cf runs the CLI in-process and returns its exit code, stdout and stderr.
func cf(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}, testEnv)
	return code, out.String(), errb.String()
}

// startWitness runs 'casefile witness serve' until the test ends and
// returns its URL and key.
func startWitness(t *testing.T, dir, name string, logs ...string) (url, vkey string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	args := []string{"witness", "serve", "--dir", dir, "--name", name, "--addr", "127.0.0.1:0"}
	for _, l := range logs {
		args = append(args, "--log", l)
	}
	done := make(chan int)
	go func() { done <- run(ctx, args, stdio{in: strings.NewReader(""), out: &out, err: io.Discard}, testEnv) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	re := regexp.MustCompile(`config --witness (http://\S+?)\+(\S+)`)
	for i := 0; i < 200; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], m[2], stop
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the witness did not start:\n%s", out.String())
	return
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, s string) string {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A case witnessed by a second 'casefile witness serve' on 127.0.0.1 and
// timestamped by a TSA cannot be truncated or forked, even by the holder
// of the case key, without 'casefile verify' saying so (exit 1).
func TestWitnessedCaseEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	cs := filepath.Join(tmp, "case")
	tsa := tsatest.New(t, time.Now)
	// The case key must exist before the witness can be told about it:
	// create the case, start the witness for it, then configure.
	if code, _, e := cf(t, "init", "--case", cs, "--title", "witnessed"); code != 0 {
		t.Fatal(e)
	}
	url, vkey, _ := startWitness(t, filepath.Join(tmp, "witness"), "counsel.example/witness", filepath.Join(cs, "checkpoint.vkey"))
	copyDir(t, cs, filepath.Join(tmp, "unwitnessed"))
	if code, _, e := cf(t, "config", "--case", cs, "--witness", url+"+"+vkey, "--tsa", tsa.URL); code != 0 || !strings.Contains(e, "cosigned by counsel.example/witness") || !strings.Contains(e, "timestamped") {
		t.Fatalf("config: %d\n%s", code, e)
	}
	if code, out, _ := cf(t, "config", "--case", cs); code != 0 || !strings.Contains(out, "1 of 1 witness(es): counsel.example/witness") {
		t.Fatalf("config shows %q", out)
	}
	f1 := writeFile(t, filepath.Join(tmp, "auth.log"), "Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n")
	if code, _, e := cf(t, "ingest", "--case", cs, "--year", "2026", f1); code != 0 || !strings.Contains(e, "cosigned by counsel.example/witness") {
		t.Fatalf("ingest: %d\n%s", code, e)
	}
	code, out, e := cf(t, "verify", "--case", cs)
	if code != 0 || !strings.Contains(out, "cosigned by counsel.example/witness") || !strings.Contains(out, "timestamped") || !strings.Contains(out, "asked now: counsel.example/witness cosigned") {
		t.Fatalf("verify: %d\n%s\n%s", code, out, e)
	}

	// The package carries the cosignature and the timestamp.
	pkg := filepath.Join(tmp, "pkg")
	if code, _, e := cf(t, "export", "--case", cs, "--out", pkg, "--recipient", "counsel", "--purpose", "test", "--authorization", "test"); code != 0 {
		t.Fatal(e)
	}
	code, out, e = cf(t, "verify-export", pkg)
	if code != 0 || !strings.Contains(out, "cosigned by counsel.example/witness") || !strings.Contains(out, "timestamped by CN="+tsatest.Name) {
		t.Fatalf("verify-export: %d\n%s\n%s", code, out, e)
	}
	if code, _, e := cf(t, "verify-export", pkg, "--witness", vkey); code != 0 {
		t.Fatalf("verify-export --witness: %d\n%s", code, e)
	}
	// Timestamps are trusted only through authorities the recipient names.
	mine := writeFile(t, filepath.Join(tmp, "tsa-root.pem"), string(tsa.RootPEM))
	theirs := writeFile(t, filepath.Join(tmp, "other-root.pem"), string(tsatest.New(t, time.Now).RootPEM))
	if code, out, e := cf(t, "verify-export", pkg, "--tsa-roots", mine); code != 0 || !strings.Contains(out, "(an authority you trust)") {
		t.Fatalf("verify-export --tsa-roots (the TSA's root): %d\n%s\n%s", code, out, e)
	}
	if code, _, e := cf(t, "verify-export", pkg, "--tsa-roots", theirs); code != 1 || !strings.Contains(e, "is not an authority you trust") {
		t.Fatalf("verify-export --tsa-roots (another root): %d\n%s", code, e)
	}
	if code, _, e := cf(t, "verify-export", pkg, "--tsa-roots", f1); code != 2 || !strings.Contains(e, "no PEM certificate") {
		t.Fatalf("verify-export --tsa-roots (not a certificate): %d\n%s", code, e)
	}
	if code, out, e := cf(t, "verify", "--case", cs, "--offline"); code != 0 || !strings.Contains(out, "not proven") || !strings.Contains(out, "--tsa-roots") {
		t.Fatalf("verify without --tsa-roots should say the times are not proven: %d\n%s\n%s", code, out, e)
	}
	if code, out, e := cf(t, "verify", "--case", cs, "--offline", "--tsa-roots", mine); code != 0 || !strings.Contains(out, "(an authority you trust)") || strings.Contains(out, "--tsa-roots") {
		t.Fatalf("verify --tsa-roots (the TSA's root): %d\n%s\n%s", code, out, e)
	}
	if code, _, e := cf(t, "verify", "--case", cs, "--offline", "--tsa-roots", theirs); code != 1 || !strings.Contains(e, "is not an authority you trust") {
		t.Fatalf("verify --tsa-roots (another root): %d\n%s", code, e)
	}
	if code, _, e := cf(t, "verify", "--case", filepath.Join(tmp, "unwitnessed"), "--tsa-roots", mine); code != 1 || !strings.Contains(e, "no timestamp") {
		t.Fatalf("verify --tsa-roots of a case never timestamped: %d\n%s", code, e)
	}

	// A witness the recipient trusts that did not cosign: exit 1.
	_, otherKey, _ := startWitness(t, filepath.Join(tmp, "other-witness"), "other.example/w")
	if code, _, e := cf(t, "verify-export", pkg, "--witness", otherKey); code != 1 || !strings.Contains(e, "not cosigned by the witness other.example/w") {
		t.Fatalf("verify-export with an untrusted cosigner: %d\n%s", code, e)
	}

	// The examiner keeps a copy, writes on (witnessed), then puts the copy back.
	snap, snap2 := filepath.Join(tmp, "snap"), filepath.Join(tmp, "snap2")
	copyDir(t, cs, snap)
	copyDir(t, cs, snap2)
	f2 := writeFile(t, filepath.Join(tmp, "second.txt"), "second artefact\n")
	if code, _, e := cf(t, "ingest", "--case", cs, f2); code != 0 {
		t.Fatal(e)
	}
	os.RemoveAll(cs)
	copyDir(t, snap, cs)
	if code, _, _ := cf(t, "verify", "--case", cs, "--offline"); code != 0 {
		t.Fatal("the truncated copy should pass the offline check: nothing in it shows the truncation")
	}
	code, out, e = cf(t, "verify", "--case", cs)
	if code != 1 || !strings.Contains(out, "DAMAGED") || !strings.Contains(e, "the log was truncated after it was witnessed") {
		t.Fatalf("truncated case: exit %d\n%s\n%s", code, out, e)
	}

	// A history rewritten from before witnessing was configured names no
	// witness; a witness the verifier trusts still catches it.
	os.RemoveAll(cs)
	copyDir(t, filepath.Join(tmp, "unwitnessed"), cs)
	if code, _, _ := cf(t, "verify", "--case", cs); code != 0 {
		t.Fatal("the unwitnessed copy verifies on its own")
	}
	code, _, e = cf(t, "verify", "--case", cs, "--witness", url+"+"+vkey)
	if code != 1 || !strings.Contains(e, "truncated after it was witnessed") {
		t.Fatalf("verify --witness of a rewritten case: %d\n%s", code, e)
	}

	// A fork: the copy grown with other entries, past the witnessed size.
	os.RemoveAll(cs)
	copyDir(t, snap2, cs)
	g := []string{"ingest", "--case", cs}
	for _, n := range []string{"a", "b", "c"} {
		g = append(g, writeFile(t, filepath.Join(tmp, "other-"+n), "other "+n+"\n"))
	}
	code, _, e = cf(t, g...)
	if code != 0 || !strings.Contains(e, "WARNING: witness counsel.example/witness refused") {
		t.Fatalf("ingest into the fork: %d\n%s", code, e)
	}
	code, out, e = cf(t, "verify", "--case", cs, "--json")
	if code != 1 || !strings.Contains(out, `"witnessing"`) || !strings.Contains(e, "forked or rewritten") {
		t.Fatalf("forked case: exit %d\n%s\n%s", code, out, e)
	}
}

// A witness that is down is a warning: the write happens, and the next
// command catches up.
func TestWitnessDown(t *testing.T) {
	tmp := t.TempDir()
	cs := filepath.Join(tmp, "case")
	if code, _, e := cf(t, "init", "--case", cs); code != 0 {
		t.Fatal(e)
	}
	url, vkey, stop := startWitness(t, filepath.Join(tmp, "witness"), "cert.example/w", filepath.Join(cs, "checkpoint.vkey"))
	if code, _, e := cf(t, "config", "--case", cs, "--witness", url+"+"+vkey); code != 0 {
		t.Fatal(e)
	}
	stop()
	f := writeFile(t, filepath.Join(tmp, "x.txt"), "x\n")
	code, _, e := cf(t, "ingest", "--case", cs, f)
	if code != 0 || !strings.Contains(e, "warning: witness cert.example/w") || !strings.Contains(e, "0 of the 1 cosignatures") {
		t.Fatalf("ingest with the witness down: %d\n%s", code, e)
	}
	code, out, _ := cf(t, "verify", "--case", cs)
	if code != 0 || !strings.Contains(out, "not reachable") || !strings.Contains(out, "only 0 of the 1") {
		t.Fatalf("verify with the witness down: %d\n%s", code, out)
	}
	// Usage errors: a malformed witness, a quorum larger than the witnesses.
	for _, args := range [][]string{
		{"config", "--case", cs, "--witness", "http://127.0.0.1:1+not-a-key"},
		{"config", "--case", cs, "--witness-quorum", "2"},
		{"init", "--case", filepath.Join(tmp, "other"), "--tsa", "ftp://x"},
	} {
		if code, _, e := cf(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, e)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "other")); err == nil {
		t.Error("init with a bad --tsa created the case")
	}
}

// init takes the witnessing flags too.
func TestInitWithTSA(t *testing.T) {
	tmp := t.TempDir()
	tsa := tsatest.New(t, time.Now)
	cs := filepath.Join(tmp, "case")
	code, _, e := cf(t, "init", "--case", cs, "--tsa", tsa.URL)
	if code != 0 || !strings.Contains(e, "checkpoint 2 timestamped") {
		t.Fatalf("init --tsa: %d\n%s", code, e)
	}
	code, out, _ := cf(t, "log", "--case", cs)
	if code != 0 || !strings.Contains(out, "witnessing.configured") {
		t.Fatalf("log: %s", out)
	}
}

// While 'casefile serve' holds the case, new checkpoints go to the
// witnesses every interval.
func TestWitnessLoop(t *testing.T) {
	tmp := t.TempDir()
	cs := filepath.Join(tmp, "case")
	if code, _, e := cf(t, "init", "--case", cs); code != 0 {
		t.Fatal(e)
	}
	url, vkey, _ := startWitness(t, filepath.Join(tmp, "witness"), "cert.example/w", filepath.Join(cs, "checkpoint.vkey"))
	if code, _, e := cf(t, "config", "--case", cs, "--witness", url+"+"+vkey); code != 0 {
		t.Fatal(e)
	}
	var errb lockedBuffer
	a := &app{stdio: stdio{in: strings.NewReader(""), out: io.Discard, err: &errb}, getenv: testEnv, caseDir: cs}
	h, err := a.openCase(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	stop := a.startWitnessLoop(context.Background(), h, 20*time.Millisecond)
	if _, err := h.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: "t", Payload: map[string]string{"text": "while serving"}}); err != nil {
		t.Fatal(err)
	}
	size := h.Log().Size()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := witness.Check(context.Background(), h.Case, witness.CheckOptions{Offline: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(r.Cosignatures); n > 0 && r.Cosignatures[n-1].Size == size {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint %d was not witnessed while serving: %+v\n%s", size, r.Cosignatures, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
}

// init --witness before the witness knows the case: a warning saying what
// to do; once its operator adds the case, the next write is cosigned.
func TestInitWithWitness(t *testing.T) {
	tmp := t.TempDir()
	wdir := filepath.Join(tmp, "witness")
	url, vkey, _ := startWitness(t, wdir, "counsel.example/w")
	cs := filepath.Join(tmp, "case")
	code, _, e := cf(t, "init", "--case", cs, "--witness", url+"+"+vkey)
	if code != 0 || !strings.Contains(e, "does not know this case yet") {
		t.Fatalf("init --witness: %d\n%s", code, e)
	}
	if code, _, e := cf(t, "witness", "add-log", "--dir", wdir, filepath.Join(cs, "checkpoint.vkey")); code != 0 {
		t.Fatalf("add-log: %s", e)
	}
	f := writeFile(t, filepath.Join(tmp, "x.txt"), "x\n")
	if code, _, e := cf(t, "ingest", "--case", cs, f); code != 0 || !strings.Contains(e, "cosigned by counsel.example/w") {
		t.Fatalf("ingest after add-log: %d\n%s", code, e)
	}
	if code, out, _ := cf(t, "verify", "--case", cs); code != 0 || !strings.Contains(out, "asked now: counsel.example/w cosigned") {
		t.Fatalf("verify: %s", out)
	}
}
