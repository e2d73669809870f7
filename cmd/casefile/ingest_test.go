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
