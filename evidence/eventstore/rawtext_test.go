package eventstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/rawtext"
)

// TestLatin1LogsVerify ingests a Latin-1 log of every text format
// (../parse/testdata/latin1): the case verifies without a problem (the
// posting writer and the verifier see the same text), and the user name is
// found by its original bytes and by the \xHH form events show, and
// decodes back to the bytes.
func TestLatin1LogsVerify(t *testing.T) {
	const latin1 = "j\xe9r\xf4me"
	dir := filepath.Join("..", "parse", "testdata", "latin1")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCase(t)
	s := eventstore.New(c)
	ctx := context.Background()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		d := ingest(t, c, string(data), f.Name())
		run, _, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2026, Name: f.Name(), Actor: "T"})
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		if run.Events != 1 || run.Malformed != 0 {
			t.Fatalf("%s: %+v", f.Name(), run)
		}
	}
	var problems []string
	rep, err := s.Verify(ctx, func(where, detail string) { problems = append(problems, where+": "+detail) })
	if err != nil || len(problems) > 0 || rep.Events != int64(len(files)) {
		t.Fatalf("an untouched case with Latin-1 logs does not verify: %v %q %+v", err, problems, rep)
	}
	for _, typed := range []string{latin1, `j\xe9r\xf4me`} {
		n := 0
		err := s.Events(eventstore.Query{Indicator: typed}, func(e *parse.Event) error {
			n++
			if rawtext.Decode(e.User) != latin1 && rawtext.Decode(e.Fields["user_agent"]) != latin1 {
				t.Errorf("event found for %q names neither user nor agent %q: %+v", typed, latin1, e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// openssh, syslog, apache-access, jsonl, cloudtrail: users; suricata: the agent.
		if n < 6 {
			t.Errorf("--indicator %q finds %d events", typed, n)
		}
	}
}
