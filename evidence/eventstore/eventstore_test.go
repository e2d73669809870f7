package eventstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
)

func newCase(t testing.TB) (*evidence.Case, *memstore.Store) {
	t.Helper()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "casefile.invalid/case/t")
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	b := memstore.New()
	c, err := evidence.Open(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	return c, b
}

const authLog = `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2
Nov 20 09:02:22 web01 sshd[31003]: Failed password for admin from 185.220.101.33 port 57812 ssh2
Nov 20 09:02:27 web01 sshd[31005]: Invalid user git from 185.220.101.4 port 54078
Nov 20 09:02:27 web01 sshd[31005]: Failed password for invalid user git from 185.220.101.4 port 54078 ssh2
this line is not syslog at all
Nov 20 09:20:00 web01 sshd[31099]: Accepted password for deploy from 89.160.20.130 port 51514 ssh2
`

func ingest(t testing.TB, c *evidence.Case, data, name string) evidence.Digest {
	t.Helper()
	res, err := c.Ingest(context.Background(), strings.NewReader(data), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{Actor: "T"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Digest
}

func TestParseIndexQuery(t *testing.T) {
	c, _ := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, authLog, "auth.log")
	ctx := context.Background()
	run, entry, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2026, Name: "auth.log", Actor: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Parser != "openssh" || run.Events != 5 || run.Malformed != 1 || entry.Kind != eventstore.KindEventsParsed {
		t.Fatalf("run: %+v", run)
	}
	if len(run.FirstProblems) != 1 || run.FirstProblems[0].Line != 5 {
		t.Fatalf("malformed line not reported with its number: %+v", run.FirstProblems)
	}
	// The recorded digest is the SHA-256 of the events as JSON Lines.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var all []*parse.Event
	if err := s.Events(eventstore.Query{}, func(e *parse.Event) error { all = append(all, e); return enc.Encode(e) }); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if run.Digest != "sha256:"+hex.EncodeToString(sum[:]) || len(all) != 5 {
		t.Fatalf("digest %s does not match the %d stored events", run.Digest, len(all))
	}
	if all[0].Citation.Artefact != d.String() || all[0].Citation.Line != 1 || all[4].Citation.Line != 6 || all[4].Time.Year() != 2026 {
		t.Fatalf("citations: %+v / %+v", all[0].Citation, all[4])
	}
	// By indicator, written in another form.
	var tor []*parse.Event
	s.Events(eventstore.Query{Indicator: "::ffff:185.220.101.4"}, func(e *parse.Event) error { tor = append(tor, e); return nil })
	if len(tor) != 3 {
		t.Fatalf("%d events for 185.220.101.4, want 3", len(tor))
	}
	var deploy []*parse.Event
	s.Events(eventstore.Query{Indicator: "deploy", Outcome: "success"}, func(e *parse.Event) error { deploy = append(deploy, e); return nil })
	if len(deploy) != 1 || deploy[0].Src != "89.160.20.130" {
		t.Fatalf("user deploy: %+v", deploy)
	}
	var page []*parse.Event
	s.Events(eventstore.Query{Offset: 1, Limit: 2}, func(e *parse.Event) error { page = append(page, e); return nil })
	if len(page) != 2 || page[0].Citation.Line != 2 {
		t.Fatalf("paging: %+v", page)
	}
	inds, err := s.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, i := range inds {
		got[string(i.Type)+" "+i.Value] = i.Count
	}
	if got["ip 185.220.101.4"] != 3 || got["ip 185.220.101.33"] != 1 || got["user deploy"] != 1 || got["user git"] != 2 {
		t.Fatalf("indicators: %v", got)
	}
	if inds[0].Value != "185.220.101.4" || inds[0].FirstSeen.Format(time.RFC3339) != "2026-11-20T09:02:19Z" {
		t.Fatalf("most frequent first, with first seen: %+v", inds[0])
	}
	// Parsing again changes nothing.
	if _, _, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2026, Name: "auth.log"}); !errors.Is(err, eventstore.ErrAlreadyParsed) {
		t.Fatalf("second parse: %v", err)
	}
	if r, _ := c.Verify(ctx, evidence.VerifyOptions{}); !r.OK {
		t.Fatalf("verify: %+v", r.Problems)
	}
}

func TestUnknownFormatKeepsArtefact(t *testing.T) {
	c, _ := newCase(t)
	d := ingest(t, c, "\x00\x01\x02 binary blob", "blob.bin")
	_, _, err := eventstore.New(c).Parse(context.Background(), d, eventstore.ParseOptions{Name: "blob.bin"})
	if !errors.Is(err, parse.ErrUnknownFormat) {
		t.Fatalf("unknown format: %v", err)
	}
	if ok, _ := c.HasArtefact(d); !ok {
		t.Fatal("artefact lost")
	}
}

func TestYearUnknownIsReportedNotGuessed(t *testing.T) {
	c, _ := newCase(t)
	d := ingest(t, c, authLog, "auth.log")
	run, _, err := eventstore.New(c).Parse(context.Background(), d, eventstore.ParseOptions{Name: "auth.log"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Events != 0 || run.Malformed != 6 || !strings.Contains(run.FirstProblems[0].Reason, "--year") {
		t.Fatalf("year-less lines without a year source: %+v", run)
	}
}

func TestUncommittedRunIgnored(t *testing.T) {
	c, b := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, authLog, "auth.log")
	if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Year: 2026}); err != nil {
		t.Fatal(err)
	}
	// Postings of a run whose entry was never committed (a crash).
	b.Corrupt([]byte("j/ip\x00185.220.101.4\x00\x01\x02\x03\x04\x05\x06\x07\x08"), []byte{9, 0, 0, 0})
	b.Corrupt([]byte("jp/ip\x00185.220.101.4\x00\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00"), []byte{9, 0, 0, 0})
	inds, _ := s.Indicators()
	for _, i := range inds {
		if i.Value == "185.220.101.4" && i.Count != 3 {
			t.Fatalf("an uncommitted run was counted: %d", i.Count)
		}
	}
}

func TestOpenSSHSampleIndex(t *testing.T) {
	p := sampledata.Path(t, "loghub", "OpenSSH", "OpenSSH_2k.log")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, string(data), "OpenSSH_2k.log")
	if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Year: 2026, Name: "OpenSSH_2k.log"}); err != nil {
		t.Fatal(err)
	}
	inds, _ := s.Indicators()
	ips := 0
	for _, i := range inds {
		if i.Type == "ip" {
			ips++
		}
	}
	t.Logf("top indicator %s: %d events", inds[0].Value, inds[0].Count)
	if ips != 30 || inds[0].Value != "183.62.140.253" || inds[0].Count != 867 { // INDEX.md: 867 lines name it
		t.Fatalf("%d IP indicators, top %+v", ips, inds[0])
	}
	var failed int
	s.Events(eventstore.Query{Indicator: "183.62.140.253", Outcome: "failure"}, func(e *parse.Event) error {
		if e.Action == "password" {
			failed++
		}
		return nil
	})
	if failed != 286 {
		t.Fatalf("%d failed passwords from 183.62.140.253, want 286", failed)
	}
}

func TestReparseSupersedes(t *testing.T) {
	c, _ := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, authLog, "auth.log")
	ctx := context.Background()
	first, _, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := s.Parse(ctx, d, eventstore.ParseOptions{Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Supersedes) != 1 || second.Supersedes[0] != first.ID {
		t.Fatalf("supersedes: %v", second.Supersedes)
	}
	n := 0
	s.Events(eventstore.Query{}, func(e *parse.Event) error {
		n++
		if e.Time.Year() != 2026 {
			t.Errorf("event from the superseded run: %v", e.Time)
		}
		return nil
	})
	inds, _ := s.Indicators()
	if n != 5 || inds[0].Count != 3 {
		t.Fatalf("%d events, top indicator %d: superseded run counted", n, inds[0].Count)
	}
}

func TestOffsetsAcrossBlocks(t *testing.T) {
	log := failedLogins(3000)
	c, _ := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, log.String(), "auth.log")
	if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Year: 2026}); err != nil {
		t.Fatal(err)
	}
	var all []*parse.Event
	s.Events(eventstore.Query{}, func(e *parse.Event) error { all = append(all, e); return nil })
	for _, off := range []int{0, 1, 1023, 1024, 1025, 2999, 3000} {
		var got []*parse.Event
		s.Events(eventstore.Query{Offset: off, Limit: 3}, func(e *parse.Event) error { got = append(got, e); return nil })
		want := all[min(off, len(all)):min(off+3, len(all))]
		if len(got) != len(want) {
			t.Fatalf("offset %d: %d events, want %d", off, len(got), len(want))
		}
		for i := range got {
			if got[i].Citation.Line != want[i].Citation.Line {
				t.Fatalf("offset %d: line %d, want %d", off, got[i].Citation.Line, want[i].Citation.Line)
			}
		}
	}
	var failures int
	s.Events(eventstore.Query{Kind: "auth", Outcome: "failure", Offset: 1500}, func(*parse.Event) error { failures++; return nil })
	if failures != 1500 {
		t.Fatalf("filtered offset: %d", failures)
	}
}

// failedLogins is an OpenSSH log of n failed logins from distinct addresses
// (n/1024 blocks and more).
func failedLogins(n int) *strings.Builder {
	var log strings.Builder
	for i := range n {
		fmt.Fprintf(&log, "Nov 20 09:%02d:%02d web01 sshd[1]: Failed password for root from 10.0.%d.%d port 22 ssh2\n", i/60%60, i%60, i/250, 1+i%250)
	}
	return &log
}
