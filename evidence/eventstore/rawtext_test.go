package eventstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestPostingsInParts parses a run of three parts of postings (the writer
// holds one part's postings at a time): the index answers as one, the run
// verifies, and a part deleted is found.
func TestPostingsInParts(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 140,000 lines")
	}
	const n, addrs = 140_000, 500
	var log strings.Builder
	for i := range n {
		fmt.Fprintf(&log, "Nov 20 09:%02d:%02d web01 sshd[1]: Failed password for root from 10.1.%d.%d port 22 ssh2\n", i/60%60, i%60, i%addrs/250, 1+i%250)
	}
	c, b := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, log.String(), "auth.log")
	ctx := context.Background()
	run, _, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2026, Name: "auth.log", Actor: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Events != n || run.Indicators != addrs+1 || run.IndexVersion != eventstore.IndexVersion {
		t.Fatalf("run %+v", run)
	}
	parts := keysOf(t, c, "jp/")
	if len(parts) != 3*(addrs+1) {
		t.Fatalf("%d posting parts, want %d", len(parts), 3*(addrs+1))
	}
	var lines []int64
	if err := s.Events(eventstore.Query{Indicator: "10.1.0.1"}, func(e *parse.Event) error {
		lines = append(lines, e.Citation.Line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(lines) != n/addrs || lines[0] != 1 || lines[len(lines)-1] != n-addrs+1 {
		t.Fatalf("events of 10.1.0.1: %d, lines %d … %d", len(lines), lines[0], lines[len(lines)-1])
	}
	inds, err := s.Indicators()
	if err != nil || len(inds) != addrs+1 || inds[0].Value != "root" || inds[0].Count != n || inds[1].Count != n/addrs {
		t.Fatalf("indicators: %v %d %+v", err, len(inds), inds[:2])
	}
	verify := func() []string {
		var ps []string
		rep, err := s.Verify(ctx, func(where, detail string) { ps = append(ps, where+": "+detail) })
		if err != nil || rep.Events != n {
			t.Fatalf("verify: %v %+v", err, rep)
		}
		return ps
	}
	if ps := verify(); len(ps) != 0 {
		t.Fatalf("intact: %q", ps)
	}
	b.Delete(parts[len(parts)/2])
	if ps := verify(); len(ps) == 0 || !strings.Contains(strings.Join(ps, "\n"), "is missing") {
		t.Fatalf("a deleted part is not found: %q", ps)
	}
	b.Delete(keysOf(t, c, "xt/")[1])
	if ps := verify(); !strings.Contains(strings.Join(ps, "\n"), "the search index of part 1 of run "+run.ID) {
		t.Fatalf("a deleted time column of part 1 is not named: %q", ps)
	}
}
