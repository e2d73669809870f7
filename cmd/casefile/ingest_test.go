package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestPathVanishesMidWalk removes a file after the directory walk has
// listed it and before it is opened: that file is reported and recorded,
// the others are preserved, and the case verifies.
func TestIngestPathVanishesMidWalk(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	for _, n := range []string{"a.log", "b.log", "c.log"} {
		os.WriteFile(filepath.Join(logs, n), []byte("content of "+n+"\n"), 0o644)
	}
	env := map[string]string{"CASEFILE_PASSPHRASE": "ingest test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	io := stdio{in: strings.NewReader(""), out: &out, err: &errb}
	if code := run(context.Background(), []string{"init"}, io, getenv); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	a := &app{stdio: io, getenv: getenv}
	a.beforeOpen = func(p string) {
		if filepath.Base(p) == "a.log" {
			os.Remove(filepath.Join(logs, "c.log"))
		}
	}
	root := a.rootCmd()
	root.SetArgs([]string{"ingest", "--format", "none", logs})
	out.Reset()
	errb.Reset()
	if err := root.ExecuteContext(context.Background()); err == nil {
		t.Fatal("ingest with a vanished file reported success")
	}
	if !strings.Contains(errb.String(), "c.log: open") || !strings.Contains(out.String(), "a.log") || !strings.Contains(out.String(), "b.log") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"verify"}, io, getenv); code != 0 || !strings.Contains(out.String(), "artefacts    2") {
		t.Fatalf("verify after a vanished file: %d\n%s", code, out.String())
	}
	out.Reset()
	run(context.Background(), []string{"log"}, io, getenv)
	if !strings.Contains(out.String(), "could not preserve") {
		t.Fatalf("the failure is not in the custody log:\n%s", out.String())
	}
}

// TestIngestFileRewrittenWhileRead: a file appended to while it is read
// is preserved with a warning in its ingest entry, printed and shown in
// the log; a file left alone gets none.
func TestIngestFileRewrittenWhileRead(t *testing.T) {
	dir := t.TempDir()
	calm, busy := filepath.Join(dir, "calm.log"), filepath.Join(dir, "busy.log")
	os.WriteFile(calm, []byte("nothing happens here\n"), 0o644)
	os.WriteFile(busy, []byte("the first version\n"), 0o644)
	env := map[string]string{"CASEFILE_PASSPHRASE": "ingest test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	io := stdio{in: strings.NewReader(""), out: &out, err: &errb}
	if code := run(context.Background(), []string{"init"}, io, getenv); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	a := &app{stdio: io, getenv: getenv}
	a.afterRead = func(p string) {
		if p == busy { // a writer appends while the ingest reads
			f, _ := os.OpenFile(busy, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("a line written during the read\n"))
			f.Close()
		}
	}
	root := a.rootCmd()
	root.SetArgs([]string{"ingest", "--format", "none", calm, busy})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errb.String())
	}
	warn := "busy.log: the file changed while it was read (size 18 → 49 bytes; mtime "
	if !strings.Contains(errb.String(), warn) || strings.Contains(errb.String(), "calm.log: the file changed") {
		t.Fatalf("stderr:\n%s", errb.String())
	}
	out.Reset()
	run(context.Background(), []string{"log"}, io, getenv)
	if !strings.Contains(out.String(), `preserved "busy.log", 18 bytes`) || !strings.Contains(out.String(), "WARNING: the file changed while it was read (size 18 → 49 bytes") {
		t.Fatalf("the warning is not in the custody log:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "WARNING"); n != 1 {
		t.Fatalf("%d warnings in the log:\n%s", n, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"verify"}, io, getenv); code != 0 {
		t.Fatalf("verify: %d\n%s", code, out.String())
	}
}
