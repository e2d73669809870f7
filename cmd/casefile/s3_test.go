package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/s3blobs/s3test"
)

// TestS3Case runs the CLI as an examiner would against a real S3 server:
// a case whose artefacts live in an Object Lock bucket, a legal hold set
// and released, and the case verified from the bucket alone in a
// directory that holds nothing of it; then an object is overwritten.
func TestS3Case(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "evidence", true)
	dir := filepath.Join(t.TempDir(), "case")
	env := map[string]string{"CASEFILE_PASSPHRASE": "s3 cli passphrase", "CASEFILE_EXAMINER": "Tess <t@example.org>"}
	cli := func(want int, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out}, func(k string) string { return env[k] })
		if code != want {
			t.Fatalf("casefile %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out.String())
		}
		return out.String()
	}
	mustContain := func(out string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(out, s) {
				t.Fatalf("output lacks %q:\n%s", s, out)
			}
		}
	}
	log := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(log, []byte("Dec 10 06:55:46 web01 sshd[24200]: Failed password for root from 203.0.113.9 port 22 ssh2\n"), 0o644)

	cli(0, "init", "--case", dir, "--title", "S3 CLI", "--blobs", "s3://evidence/acme", "--s3-endpoint", srv.Endpoint, "--retention", "governance:1")
	cli(0, "ingest", "--case", dir, log)
	cli(2, "hold", "set", "--case", dir) // no reason
	mustContain(cli(0, "hold", "set", "--case", dir, "--reason", "Hold notice LH-7"), "Legal hold set on")
	mustContain(cli(0, "verify", "--case", dir), "INTACT", "Object Lock on", "SET by entry 3 (Hold notice LH-7)")

	pkg := filepath.Join(t.TempDir(), "pkg")
	cli(0, "export", "--case", dir, "--out", pkg, "--recipient", "Counsel", "--purpose", "hold test")
	report, _ := os.ReadFile(filepath.Join(pkg, "report.html"))
	mustContain(string(report), "kept in s3://evidence/acme, under Object Lock; legal hold set by custody entry 3 (Hold notice LH-7)")

	t.Chdir(t.TempDir()) // another machine: nothing of the case here
	from := []string{"verify", "--from", "s3://evidence/acme", "--s3-endpoint", srv.Endpoint, "--key", filepath.Join(dir, "public-key.pem")}
	mustContain(cli(0, from...), "entries      6", "INTACT", "SET by entry 3", "1 proven chunk by chunk against the chunk list")
	if out := cli(0, append(from, "--full-hash")...); !strings.Contains(out, "INTACT") || strings.Contains(out, "proven chunk by chunk") {
		t.Fatalf("verify --from --full-hash recomputes the whole SHA-256:\n%s", out)
	}
	cli(2, "verify", "--from", "s3://evidence/acme", "--s3-endpoint", srv.Endpoint) // no key given
	cli(1, "verify", "--from", "s3://evidence/acme", "--s3-endpoint", srv.Endpoint, "--fingerprint", "sha256:00")

	mustContain(cli(0, "hold", "release", "--case", dir, "--reason", "Matter closed"), "Legal hold released from")
	mustContain(cli(0, from...), "entries      7", "released by entry 6 (Matter closed); 0 of")

	// A second client with the bucket's keys writes a new version of a chunk.
	keys := srv.Keys(t, "evidence", "acme/chunks/")
	chunk := keys[len(keys)-1]
	srv.Overwrite(t, "evidence", chunk, []byte("Dec 10 06:55:46 web01 sshd[24200]: Accepted password for root from 203.0.113.9\n"))
	name := "chunk sha256:" + strings.TrimPrefix(chunk, "acme/chunks/")
	mustContain(cli(1, from...), "DAMAGED", name)
	mustContain(cli(1, "verify", "--case", dir), "DAMAGED", name)

	// A hold asked for at init is a custody entry too.
	held := filepath.Join(t.TempDir(), "held")
	cli(0, "init", "--case", held, "--title", "held", "--blobs", "s3://evidence/held", "--s3-endpoint", srv.Endpoint, "--legal-hold")
	mustContain(cli(0, "verify", "--case", held), "INTACT", "SET by entry 1 (asked for at case creation, init --legal-hold); 7 of 7 object versions held")
}

// While a case kept in object storage is served, what is committed reaches
// the bucket without stopping the server: an ingest made through the
// server by a workbench user is seen by verify --from on another machine.
func TestS3ServePublishesWhileServing(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "evidence", true)
	dir := filepath.Join(t.TempDir(), "case")
	cli := &relayCLI{t: t, env: map[string]string{"CASEFILE_PASSPHRASE": "s3 serve passphrase", "CASEFILE_EXAMINER": "Tess <t@example.org>",
		"CASEFILE_CASE": dir, "CASEFILE_USER_PASSWORD": "a long enough password"}}
	cli.run(0, "init", "--blobs", "s3://evidence/served", "--s3-endpoint", srv.Endpoint)
	cli.run(0, "user", "add", "ann", "--role", "analyst")
	tok, _ := cli.run(0, "user", "token", "ann")
	before, _ := cli.run(0, "log", "--json")

	sctx, stop := context.WithCancel(context.Background())
	served := make(chan int)
	go func() {
		var out bytes.Buffer
		served <- run(sctx, []string{"serve", "--addr", "127.0.0.1:0"}, stdio{in: strings.NewReader(""), out: &out, err: &out}, func(k string) string { return cli.env[k] })
	}()
	defer func() {
		stop()
		<-served
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(socketPath(dir)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not open its socket")
		}
	}

	log := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(log, []byte("Dec 10 06:55:46 web01 sshd[24200]: Failed password for root from 203.0.113.9 port 22 ssh2\n"), 0o644)
	client := cli.with("CASEFILE_PASSPHRASE", "").with("CASEFILE_TOKEN", strings.TrimSpace(tok))
	client.run(0, "ingest", log)
	want, _ := client.run(0, "log", "--json")
	entries := strings.Count(want, "\n")
	if entries <= strings.Count(before, "\n") {
		t.Fatalf("the ingest through the server added no entry:\n%s", want)
	}

	t.Chdir(t.TempDir()) // another machine
	away := &relayCLI{t: t, env: map[string]string{}}
	from := []string{"verify", "--from", "s3://evidence/served", "--s3-endpoint", srv.Endpoint, "--key", filepath.Join(dir, "public-key.pem")}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		out, _ := away.run(0, from...)
		if strings.Contains(out, fmt.Sprintf("entries      %d (", entries)) && strings.Contains(out, "INTACT") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bucket does not hold the %d entries of the served case:\n%s", entries, out)
		}
	}
}
