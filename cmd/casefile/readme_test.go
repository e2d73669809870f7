package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeCommands checks that the README starts with the two commands
// the project promises, and runs the first one (the demo) as a new user
// would, asserting that everything it builds verifies.
func TestReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := strings.SplitN(string(readme), "```", 3)
	if len(block) < 3 || !strings.Contains(block[1], "go run ./cmd/casefile demo") || !strings.Contains(block[1], "go test ./...") {
		t.Fatalf("the README's first code block must hold the demo and test commands:\n%s", block[1])
	}
	var out, errb bytes.Buffer
	dir := filepath.Join(t.TempDir(), "demo")
	code := run(context.Background(), []string{"demo", "--dir", dir}, stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("demo exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"anonymization-relay", "compromised-third-party", "verify-export: INTACT", "INTACT: every entry"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"case/public-key.pem", "export.tar.gz", "incident/truth.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("demo did not write %s", f)
		}
	}
}
