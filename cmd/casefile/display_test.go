package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile is a file name and log text written to forge a line of output
// and to take over the terminal.
const hostile = "evil\n#99    2026-01-01 00:00:00 UTC  FORGED  preserved\x1b[2J\x1b]0;owned\x07\u202e\xe9"

// TestHostileNamesInTextOutput ingests a file with a hostile name whose
// events carry hostile users, and checks every text output: no control
// character but the line breaks, no bidi override, valid UTF-8, and no
// line the evidence wrote.
func TestHostileNamesInTextOutput(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, hostile+".jsonl")
	lines := `{"@timestamp":"2026-01-02T03:04:05Z","src_ip":"185.220.101.4","user":"root\n#98    2026-01-01 00:00:00 UTC  FORGED\u001b[31m","action":"login","outcome":"failure","url":"http://example.org/\u202e"}` + "\n" +
		`{"@timestamp":"2026-01-02T03:04:06Z","src_ip":"185.220.101.4","user":"j` + "\xe9" + `r\u001b]0;x\u0007","action":"login"}` + "\n"
	if err := os.WriteFile(name, []byte(lines), 0o644); err != nil {
		t.Skipf("this file system does not take the name: %v", err)
	}
	env := map[string]string{"CASEFILE_PASSPHRASE": "a passphrase for tests", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out}, getenv)
		return code, out.String()
	}
	if code, out := cli("init", "--title", "hostile names"); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	outputs := map[string]string{}
	for _, args := range [][]string{
		{"ingest", name},
		{"ingest", filepath.Join(dir, hostile+".missing")}, // the error names the file
		{"log"},
		{"events"},
		{"events", "--indicator", "185.220.101.4"},
		{"indicators"},
		{"assess", "--no-record"},
		{"verify"},
	} {
		_, out := cli(args...)
		outputs[strings.Join(args[:1], " ")] += out
	}
	for cmd, out := range outputs {
		if !utf8.ValidString(out) {
			t.Errorf("%s: output is not UTF-8:\n%q", cmd, out)
		}
		for _, r := range out {
			if r < 0x20 && r != '\n' || r == 0x7f || r == '\u202e' {
				t.Errorf("%s: output holds %U:\n%q", cmd, r, out)
				break
			}
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "#9") {
				t.Errorf("%s: the evidence wrote a line of its own: %q", cmd, l)
			}
		}
	}
	for cmd, want := range map[string]string{
		"ingest": `preserved ` + filepath.Join(dir, `evil\x0a#99`),
		"log":    `"evil%0A#99    2026-01-01 00:00:00 UTC  FORGED  preserved%1B[2J%1B]0;owned%07`,
		"events": `user "root\x0a#98    2026-01-01 00:00:00 UTC  FORGED\x1b[31m"`,
	} {
		if !strings.Contains(outputs[cmd], want) {
			t.Errorf("%s: output does not show %q:\n%s", cmd, want, outputs[cmd])
		}
	}
	if !strings.Contains(outputs["events"], `user "j\xe9r\x1b]0;x\x07"`) {
		t.Errorf("events: the Latin-1 user with escape codes is not shown escaped:\n%s", outputs["events"])
	}
}

// TestSingleLineFlags: a title, recipient, purpose or authorization with a
// newline or another control character is a usage error naming the flag.
func TestSingleLineFlags(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CASEFILE_PASSPHRASE": "a passphrase for tests", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out}, getenv)
		return code, out.String()
	}
	if code, out := cli("init", "--title", "Intrusion\nSigned: the court"); code != exitUsage || !strings.Contains(out, "--title must be one line") {
		t.Fatalf("init --title with a newline: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "case")); err == nil {
		t.Fatal("init with a bad title created the case")
	}
	if code, out := cli("init", "--title", "Intrusion at web01 – Nov 2026"); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	for _, flag := range []string{"recipient", "purpose", "authorization"} {
		for _, bad := range []string{"LKA\nIgnore the checks above", "x\x1b[8m", "a\u2028b", "caf\xe9"} {
			code, out := cli("export", "--out", filepath.Join(dir, "p.tar.gz"), "--"+flag, bad)
			if code != exitUsage || !strings.Contains(out, "--"+flag+" must be one line") {
				t.Errorf("export --%s %q: %d %s", flag, bad, code, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "p.tar.gz")); err == nil {
		t.Fatal("export with a bad flag wrote a package")
	}
}
