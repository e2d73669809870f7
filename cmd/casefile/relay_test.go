package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/ui"
)

// relayCLI runs casefile commands in this process as a user would, with
// env as the environment.
type relayCLI struct {
	t     *testing.T
	env   map[string]string
	stdin string
}

func (c *relayCLI) run(want int, args ...string) (string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(c.stdin), out: &out, err: &errb}, func(k string) string { return c.env[k] })
	if code != want {
		c.t.Fatalf("%s: exit %d, want %d\n%s%s", args, code, want, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

func (c *relayCLI) with(k, v string) *relayCLI {
	env := map[string]string{}
	for a, b := range c.env {
		env[a] = b
	}
	env[k] = v
	return &relayCLI{t: c.t, env: env, stdin: c.stdin}
}

// While a server holds the case, log, verify and an ingest made with a
// workbench token run through its socket and print what they print on a
// copy of the case run directly; a write without a token, or with a
// viewer's, is refused with the way out; the entries name the token's user.
// A client in another directory names files from there.
func TestRelayedPathsFromTheClientsDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.log"), nil, 0o644)
	got := absolutePaths([]string{"a.log", "--source", "web01", "-", "--out", "pkg", "--out=pkg2", "/abs/b.log", "missing.log"}, dir)
	want := []string{filepath.Join(dir, "a.log"), "--source", "web01", "-", "--out", filepath.Join(dir, "pkg"), "--out=" + filepath.Join(dir, "pkg2"), "/abs/b.log", "missing.log"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestCommandsRunThroughTheServer(t *testing.T) {
	dir := t.TempDir()
	caseDir, copyDir := filepath.Join(dir, "case"), filepath.Join(dir, "copy")
	cli := &relayCLI{t: t, env: map[string]string{"CASEFILE_PASSPHRASE": "relay test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>",
		"CASEFILE_CASE": caseDir, "CASEFILE_USER_PASSWORD": "a long enough password"}}
	cli.run(0, "init")
	log1 := filepath.Join(dir, "auth.log")
	os.WriteFile(log1, []byte("Mar  3 10:00:01 web01 sshd[1]: Failed password for root from 203.0.113.9 port 4242 ssh2\n"), 0o644)
	cli.run(0, "ingest", log1)
	cli.run(0, "user", "add", "ann", "--role", "analyst")
	cli.run(0, "user", "add", "vic", "--role", "viewer")
	token := func(name string) string {
		o, _ := cli.run(0, "user", "token", name)
		return strings.TrimSpace(o)
	}
	annTok, vicTok := token("ann"), token("vic")
	if out, err := exec.Command("cp", "-a", caseDir, copyDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}

	h, err := casedir.Open(caseDir, casedir.OpenOptions{Passphrase: func() ([]byte, error) { return []byte("relay test passphrase"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv, err := ui.New(ui.Config{Case: h, SkipStartVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	stop, err := (&app{}).startRelay(context.Background(), h, srv)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(socketPath(caseDir)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v, mode %v", err, st.Mode())
	}

	served := cli.with("CASEFILE_PASSPHRASE", "") // a client with no passphrase
	direct := cli.with("CASEFILE_CASE", copyDir)
	same := func(args ...string) {
		t.Helper()
		o1, e1 := served.run(0, args...)
		o2, e2 := direct.run(0, args...)
		o2, e2 = strings.ReplaceAll(o2, copyDir, caseDir), strings.ReplaceAll(e2, copyDir, caseDir)
		if o1 != o2 || e1 != e2 {
			t.Fatalf("%s through the server differs from a direct run:\n--- served\n%s%s--- direct\n%s%s", args, o1, e1, o2, e2)
		}
	}
	same("log")
	same("verify")

	log2 := filepath.Join(dir, "more.log")
	os.WriteFile(log2, []byte("Mar  3 10:00:02 web01 sshd[2]: Accepted password for deploy from 198.51.100.7 port 5151 ssh2\n"), 0o644)
	_, e := served.run(exitFailure, "ingest", log2)
	if !strings.Contains(e, "CASEFILE_TOKEN") || !strings.Contains(e, "'casefile ingest' writes to the case") {
		t.Fatalf("ingest without a token: %s", e)
	}
	if _, e := served.with("CASEFILE_TOKEN", vicTok).run(exitFailure, "ingest", log2); !strings.Contains(e, "vic (viewer) may not run 'casefile ingest'") {
		t.Fatalf("ingest with a viewer's token: %s", e)
	}
	if _, e := served.with("CASEFILE_TOKEN", "cft_nonsense").run(exitFailure, "ingest", log2); !strings.Contains(e, "not valid for this case") {
		t.Fatalf("ingest with a bad token: %s", e)
	}
	if _, e := served.run(exitFailure, "serve"); !strings.Contains(e, "already served") {
		t.Fatalf("serve on a served case: %s", e)
	}
	if _, e := served.run(exitFailure, "verify", "--recover"); !strings.Contains(e, "cannot run while 'casefile serve' holds the case") {
		t.Fatalf("verify --recover: %s", e)
	}

	// The workbench keeps writing while the relayed ingest runs.
	var wg sync.WaitGroup
	stopApp := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stopApp:
				return
			default:
			}
			if _, err := h.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: "workbench", Payload: map[string]string{"n": "x"}}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	o1, e1 := served.with("CASEFILE_TOKEN", annTok).run(0, "ingest", log2)
	close(stopApp)
	wg.Wait()
	o2, e2 := direct.run(0, "ingest", log2)
	entry := regexp.MustCompile(`entry #\d+`)
	if entry.ReplaceAllString(o1, "") != entry.ReplaceAllString(o2, "") || e1 != e2 {
		t.Fatalf("ingest through the server differs from a direct run:\n--- served\n%s%s--- direct\n%s%s", o1, e1, o2, e2)
	}
	// Standard input is read from the client when the command reads it.
	in := strings.Repeat("Mar  3 10:00:03 web01 sshd[3]: Failed password for admin from 192.0.2.1 port 1 ssh2\n", 5000)
	stdinServed, stdinDirect := served.with("CASEFILE_TOKEN", annTok), direct.with("X", "")
	stdinServed.stdin, stdinDirect.stdin = in, in
	o1, e1 = stdinServed.run(0, "ingest", "--year", "2026", "--stdin-name", "piped.log", "-")
	o2, e2 = stdinDirect.run(0, "ingest", "--year", "2026", "--stdin-name", "piped.log", "-")
	if entry.ReplaceAllString(o1, "") != entry.ReplaceAllString(o2, "") || e1 != e2 || !strings.Contains(o1, "5000 events") {
		t.Fatalf("ingest of stdin through the server differs from a direct run:\n--- served\n%s%s--- direct\n%s%s", o1, e1, o2, e2)
	}
	// Arguments and environment reach the server byte for byte: a file
	// named in Latin-1 is the file ingested and the name recorded, as in a
	// direct run; an examiner named in Latin-1 is refused on both.
	latin1 := filepath.Join(dir, "caf\xe9.log")
	os.WriteFile(latin1, []byte("Mar  3 10:00:04 web01 sshd[4]: Failed password for root from 192.0.2.77 port 2 ssh2\n"), 0o644)
	o1, e1 = served.with("CASEFILE_TOKEN", annTok).run(0, "ingest", "--year", "2026", latin1)
	o2, e2 = direct.run(0, "ingest", "--year", "2026", latin1)
	if entry.ReplaceAllString(o1, "") != entry.ReplaceAllString(o2, "") || e1 != e2 || !strings.Contains(o1, `caf\xe9.log`) {
		t.Fatalf("ingest of a Latin-1 file name through the server differs from a direct run:\n--- served\n%s%s--- direct\n%s%s", o1, e1, o2, e2)
	}
	_, e1 = served.with("CASEFILE_TOKEN", annTok).with("CASEFILE_EXAMINER", "Jos\xe9").run(exitUsage, "log")
	_, e2 = direct.with("CASEFILE_EXAMINER", "Jos\xe9").run(exitUsage, "log")
	if e1 != e2 || !strings.Contains(e1, `the examiner "Jos\xe9" is not UTF-8 text`) {
		t.Fatalf("a Latin-1 examiner:\n--- served\n%s--- direct\n%s", e1, e2)
	}
	out, _ := served.run(0, "log", "--json")
	if !strings.Contains(out, `ann (casefile CLI through the workbench, token `) {
		t.Fatalf("the ingest entries do not name ann:\n%s", out)
	}
	if o, _ := served.run(0, "verify"); !strings.Contains(o, "INTACT") {
		t.Fatalf("verify after concurrent writes:\n%s", o)
	}

	// User management: an admin's token or the case passphrase; an
	// analyst's token is not enough.
	if _, e := served.with("CASEFILE_TOKEN", annTok).run(exitFailure, "user", "disable", "vic"); !strings.Contains(e, "ann (analyst) may not run 'casefile user disable'") {
		t.Fatalf("an analyst disabling a user: %s", e)
	}
	if _, e := served.with("CASEFILE_PASSPHRASE", "wrong passphrase").run(exitFailure, "user", "disable", "vic"); !strings.Contains(e, "CASEFILE_PASSPHRASE") {
		t.Fatalf("a wrong passphrase: %s", e)
	}
	if o, _ := served.with("CASEFILE_PASSPHRASE", "relay test passphrase").run(0, "user", "disable", "vic"); !strings.Contains(o, "disabled user vic") {
		t.Fatalf("disable with the passphrase: %s", o)
	}
	if _, err := srv.TokenIdentity(vicTok); err == nil {
		t.Error("a disabled user's token still identifies them")
	}

	stop()
	if _, err := os.Lstat(socketPath(caseDir)); err == nil {
		t.Fatal("the socket outlived the server")
	}
	h.Close()
	// A server killed leaves its socket: commands run directly, and the
	// next server replaces it.
	ln, err := net.Listen("unix", socketPath(caseDir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	cli.run(0, "log")
	h2, err := casedir.Open(caseDir, casedir.OpenOptions{Passphrase: func() ([]byte, error) { return []byte("relay test passphrase"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	srv2, err := ui.New(ui.Config{Case: h2, SkipStartVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	stop2, err := (&app{}).startRelay(context.Background(), h2, srv2)
	if err != nil {
		t.Fatalf("a stale socket stopped the relay: %v", err)
	}
	defer stop2()
	served.run(0, "log") // the case is held: only the relay can answer
}

// An interrupted client stops its command in the server (here one waiting
// for standard input that never comes), and the server serves on.
func TestRelayedCommandInterrupted(t *testing.T) {
	dir := t.TempDir()
	caseDir := filepath.Join(dir, "case")
	cli := &relayCLI{t: t, env: map[string]string{"CASEFILE_PASSPHRASE": "relay test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>",
		"CASEFILE_CASE": caseDir, "CASEFILE_USER_PASSWORD": "a long enough password"}}
	cli.run(0, "init")
	cli.run(0, "user", "add", "ann", "--role", "analyst")
	o, _ := cli.run(0, "user", "token", "ann")
	h, err := casedir.Open(caseDir, casedir.OpenOptions{Passphrase: func() ([]byte, error) { return []byte("relay test passphrase"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv, err := ui.New(ui.Config{Case: h, SkipStartVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	stop, err := (&app{}).startRelay(context.Background(), h, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	env := map[string]string{"CASEFILE_CASE": caseDir, "CASEFILE_TOKEN": strings.TrimSpace(o)}
	start := time.Now()
	code := run(ctx, []string{"ingest", "-"}, stdio{in: pr, out: &out, err: &errb}, func(k string) string { return env[k] })
	if code == 0 || time.Since(start) > 10*time.Second {
		t.Fatalf("interrupted ingest: exit %d after %s\n%s%s", code, time.Since(start), out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stderr: %s", errb.String())
	}
	cli.with("CASEFILE_PASSPHRASE", "").run(0, "log")
}
