//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// faultEnv makes a case for the fault tests and returns its environment.
func faultEnv(t *testing.T) (dir string, env []string, cli func(args ...string) (int, string)) {
	t.Helper()
	dir = t.TempDir()
	vars := map[string]string{"CASEFILE_PASSPHRASE": "a passphrase for tests", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cli = func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out}, func(k string) string { return vars[k] })
		return code, out.String()
	}
	if code, out := cli("init"); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	return dir, env, cli
}

// TestFIFORefusedBeforeOpen: a named pipe on the command line is refused
// at once (opening it would wait for a writer forever), the other files
// are preserved, and the case verifies.
func TestFIFORefusedBeforeOpen(t *testing.T) {
	dir, _, cli := faultEnv(t)
	fifo := filepath.Join(dir, "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	good := filepath.Join(dir, "good.log")
	os.WriteFile(good, []byte("hello\n"), 0o644)
	done := make(chan struct{})
	var code int
	var out string
	go func() { code, out = cli("ingest", "--format", "none", fifo, good); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ingest of a FIFO hangs")
	}
	if code != exitFailure || !strings.Contains(out, "pipe.log: a named pipe (FIFO), not a regular file: refused") || !strings.Contains(out, "preserved "+good) {
		t.Fatalf("ingest: %d\n%s", code, out)
	}
	if code, out := cli("log"); code != 0 || !strings.Contains(out, `could not preserve "`+fifo+`": a named pipe (FIFO)`) {
		t.Fatalf("log: %d\n%s", code, out)
	}
	if code, out := cli("verify"); code != 0 {
		t.Fatalf("verify: %d\n%s", code, out)
	}
}

// TestSignalEndsCommandAndReleasesLock runs `casefile ingest -` in a child
// process, reading from a pipe that never ends, and stops it with SIGINT
// and with SIGTERM: it exits (code 3) within the grace period, the case
// lock is free, and the case verifies.
func TestSignalEndsCommandAndReleasesLock(t *testing.T) {
	bin, err := exec.LookPath("casefile") // the test binary, as set up by testscript.Main
	if err != nil {
		t.Skipf("casefile command not on PATH: %v", err)
	}
	dir, env, cli := faultEnv(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		cmd := exec.Command(bin, "ingest", "-")
		cmd.Env = append(os.Environ(), env...)
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pw.Close()
		var stderr bytes.Buffer
		cmd.Stdin, cmd.Stderr = pr, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pr.Close()
		pw.Write([]byte("the first bytes of a stream that never ends\n"))
		// Wait until the child holds the case.
		lock := filepath.Join(dir, "case", "casefile.lock")
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			if b, _ := os.ReadFile(lock); bytes.Contains(b, []byte("ingest")) {
				break
			}
			if time.Since(start) > 20*time.Second {
				cmd.Process.Kill()
				t.Fatalf("the child never took the case: %s", stderr.String())
			}
		}
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		cmd.Process.Signal(sig)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case err = <-waited:
		case <-time.After(stopGrace + 10*time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: the command did not stop: %s", sig, stderr.String())
		}
		var ee *exec.ExitError
		if err == nil || !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
			t.Fatalf("%v: exit %v, want %d: %s", sig, err, exitFailure, stderr.String())
		}
		if !strings.Contains(stderr.String(), "stopping") {
			t.Errorf("%v: stderr does not say it stops: %s", sig, stderr.String())
		}
		t.Logf("%v: stopped after %v: %s", sig, time.Since(start).Round(time.Millisecond), stderr.String())
		if code, out := cli("verify"); code != 0 {
			t.Fatalf("%v: verify after the signal (is the lock still held?): %d\n%s", sig, code, out)
		}
	}
}

// TestClosedOutputLeavesTheCaseClean runs commands that write to the case
// with their standard output already closed (`casefile assess | head`
// when head has exited): each finishes, or stops with an error saying so,
// rather than being killed by SIGPIPE with the store open, which left
// every later command asking for `verify --recover`.
func TestClosedOutputLeavesTheCaseClean(t *testing.T) {
	bin, err := exec.LookPath("casefile") // the test binary, as set up by testscript.Main
	if err != nil {
		t.Skipf("casefile command not on PATH: %v", err)
	}
	dir, env, cli := faultEnv(t)
	logf := filepath.Join(dir, "auth.log")
	os.WriteFile(logf, []byte(authLines), 0o644)
	for _, args := range [][]string{{"ingest", "--year", "2026", logf}, {"assess"}, {"enrich", "--tor-exits", torList(t, dir)}} {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		pr.Close() // the reader has gone before the first byte
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = pw, &stderr
		err = cmd.Run()
		pw.Close()
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != exitFailure || !strings.Contains(stderr.String(), "the output was closed")) {
			t.Fatalf("%s with its output closed: %v, want success or exit %d saying so: %s", args[0], err, exitFailure, stderr.String())
		}
		t.Logf("%s with its output closed: %v %s", args[0], err, stderr.String())
		if code, out := cli("log"); code != 0 {
			t.Fatalf("log after %s with its output closed: %d\n%s", args[0], code, out)
		}
	}
	if code, out := cli("verify"); code != 0 {
		t.Fatalf("verify: %d\n%s", code, out)
	}
}

const authLines = `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2
Nov 20 09:02:22 web01 sshd[31003]: Failed password for admin from 203.0.113.9 port 57812 ssh2
Nov 20 09:20:00 web01 sshd[31099]: Accepted password for deploy from 89.160.20.130 port 51514 ssh2
`

// torList writes a Tor exit list naming one address of authLines.
func torList(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "exits.txt")
	os.WriteFile(p, []byte("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2026-11-20 08:00:00\nLastStatus 2026-11-20 09:00:00\nExitAddress 185.220.101.4 2026-11-20 09:00:00\n"), 0o644)
	return p
}
