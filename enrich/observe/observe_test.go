package observe_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/enrich/whois/whoistest"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
)

const authLog = `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2
Nov 20 09:02:22 web01 sshd[31003]: Failed password for admin from 10.1.2.3 port 57812 ssh2
Nov 20 09:20:00 web01 sshd[31099]: Accepted password for deploy from 89.160.20.130 port 51514 ssh2
`

// parsedCase is a case holding one parsed auth.log.
func parsedCase(t *testing.T) *evidence.Case { t.Helper(); return parsedCaseOf(t, authLog) }

// parsedCaseOf is a case holding log, parsed as auth.log.
func parsedCaseOf(t *testing.T, authLog string) *evidence.Case {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Ingest(ctx, strings.NewReader(authLog), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026}); err != nil {
		t.Fatal(err)
	}
	return c
}

func writeAnon(t *testing.T, dir, name string, epoch int64, flags bool) string {
	t.Helper()
	var buf bytes.Buffer
	err := geoiptest.WriteAnonymousIP(&buf, []geoiptest.AnonymousIPRecord{
		{Network: "185.220.101.0/24", Anonymous: flags, TorExitNode: flags},
	}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func TestRunRecordsOnceAndKeepsOlder(t *testing.T) {
	c := parsedCase(t)
	ctx := context.Background()
	dir := t.TempDir()
	old := writeAnon(t, dir, "anon-old.mmdb", 1763000000, true)
	tor := filepath.Join(dir, "exit-addresses")
	os.WriteFile(tor, []byte("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2026-11-20 08:00:00\nLastStatus 2026-11-20 09:00:00\nExitAddress 185.220.101.4 2026-11-20 09:10:00\n"), 0o644)
	rep, err := observe.Run(ctx, c, observe.Options{Actor: "T", Datasets: []observe.DatasetFile{{Path: old, Want: enrich.TypeMMDB}, {Path: tor}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Special != 1 || len(rep.Datasets) != 2 || !rep.Datasets[0].Preserved || rep.Datasets[0].Matched != 1 || rep.Datasets[1].Matched != 1 {
		t.Fatalf("report: %+v %+v %+v", rep, rep.Datasets[0], rep.Datasets[1])
	}
	obs, _ := observe.Observations(c, "185.220.101.4")
	if len(obs) != 2 || obs[0].Dataset != rep.Datasets[0].Artefact && obs[1].Dataset != rep.Datasets[0].Artefact {
		t.Fatalf("observations: %+v", obs)
	}
	for _, o := range obs {
		if o.Reliability == "" || o.DatasetDate.IsZero() {
			t.Fatalf("observation without reliability or date: %+v", o)
		}
		if ok, _ := c.HasArtefact(mustDigest(t, o.Dataset)); !ok {
			t.Fatalf("observation cites a dataset that is not preserved: %s", o.Dataset)
		}
	}
	if sp, _ := observe.Observations(c, "10.1.2.3"); len(sp) != 1 || sp[0].Fields["special"] != "private" {
		t.Fatalf("special range: %+v", sp)
	}
	size := c.Log().Size()
	// The same datasets again: nothing new, not even a custody entry.
	rep, err = observe.Run(ctx, c, observe.Options{Actor: "T", Datasets: []observe.DatasetFile{{Path: old}, {Path: tor}}})
	if err != nil || rep.Datasets[0].Preserved || rep.Datasets[0].Recorded != 0 || c.Log().Size() != size {
		t.Fatalf("re-run recorded something: %+v, size %d → %d", rep.Datasets[0], size, c.Log().Size())
	}
	// A newer dataset that no longer flags the address adds its own
	// observation; the old one stays.
	newer := writeAnon(t, dir, "anon-new.mmdb", 1763500000, false)
	if _, err := observe.Run(ctx, c, observe.Options{Actor: "T", Datasets: []observe.DatasetFile{{Path: newer}}}); err != nil {
		t.Fatal(err)
	}
	obs, _ = observe.Observations(c, "185.220.101.4")
	if len(obs) != 3 {
		t.Fatalf("after a newer dataset: %d observations, want 3", len(obs))
	}
	if r, _ := c.Verify(ctx, evidence.VerifyOptions{}); !r.OK {
		t.Fatalf("verify: %+v", r.Problems)
	}
	if ps := indexProblems(t, c); len(ps) > 0 {
		t.Errorf("index does not match the entries: %v", ps)
	}
}

func mustDigest(t *testing.T, s string) evidence.Digest {
	d, err := evidence.ParseDigest(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestHostileDatasetsLoseNothing(t *testing.T) {
	c := parsedCase(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := writeAnon(t, dir, "anon.mmdb", 1763000000, true)
	if _, err := observe.Run(ctx, c, observe.Options{Datasets: []observe.DatasetFile{{Path: good}}}); err != nil {
		t.Fatal(err)
	}
	before, _ := observe.All(c)
	for name, data := range map[string]string{
		"truncated.json": `{"syncToken":"1","createDate":"2026-08-22-15-17-05","prefixes":[{"ip_prefix":"52.0.0.0/8"`,
		"garbage.mmdb":   "\xab\xcd\xefMaxMind.com but not really",
		"notes.txt":      "hello",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(data), 0o644)
		_, err := observe.Run(ctx, c, observe.Options{Datasets: []observe.DatasetFile{{Path: p}}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s: error %v should name the file", name, err)
		}
	}
	// A mmdb given as --ranges is refused, and says what it is.
	if _, err := observe.Run(ctx, c, observe.Options{Datasets: []observe.DatasetFile{{Path: good, Want: enrich.TypeCloudRanges}}}); err == nil || !strings.Contains(err.Error(), "not cloud-ranges") {
		t.Fatalf("wrong kind: %v", err)
	}
	after, _ := observe.All(c)
	if len(after) != len(before) {
		t.Fatalf("observations lost or added by failed runs: %d → %d", len(before), len(after))
	}
	if r, _ := c.Verify(ctx, evidence.VerifyOptions{}); !r.OK {
		t.Fatalf("verify: %+v", r.Problems)
	}
	if ps := indexProblems(t, c); len(ps) > 0 {
		t.Errorf("index does not match the entries: %v", ps)
	}
}

// TestWHOISOnLoopback runs WHOIS against a server on 127.0.0.1 that
// answers with a RIPE record, and checks the raw answer is preserved and
// cited.
func TestWHOISOnLoopback(t *testing.T) {
	c := parsedCase(t)
	answer := "% This is the RIPE Database query service.\n\ninetnum:        185.220.101.0 - 185.220.101.255\nnetname:        TOR-EXIT-EXAMPLE\ncountry:        DE\norg-name:       Example Privacy Association\nabuse-mailbox:  abuse@example.org\ncreated:        2019-01-01T00:00:00Z\nsource:         RIPE\n"
	srv, err := whoistest.Start(whoistest.Fixed([]byte(answer)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	rep, err := observe.Run(ctx, c, observe.Options{WHOIS: true, WHOISServer: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	if rep.WHOIS.Asked != 2 || rep.WHOIS.Answered != 2 {
		t.Fatalf("whois: %+v (private 10.1.2.3 must not be asked)", rep.WHOIS)
	}
	obs, _ := observe.Observations(c, "185.220.101.4")
	if len(obs) != 1 || obs[0].SourceType != enrich.TypeWHOIS || obs[0].Reliability != "C" {
		t.Fatalf("whois observations: %+v", obs)
	}
	ar, err := c.OpenArtefact(mustDigest(t, obs[0].Dataset))
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, ar.Size())
	ar.ReadAt(raw, 0)
	if string(raw) != answer {
		t.Fatalf("preserved answer differs from what the server sent")
	}
	n := len(srv.Queries())
	if _, err := observe.Run(ctx, c, observe.Options{WHOIS: true, WHOISServer: srv.Addr}); err != nil || len(srv.Queries()) != n {
		t.Fatalf("second run asked again: %v, %d → %d queries", err, n, len(srv.Queries()))
	}
	if ps := indexProblems(t, c); len(ps) > 0 {
		t.Errorf("index does not match the entries: %v", ps)
	}
}

// WHOIS lookups run side by side (as many as the client allows), and the
// answers are still recorded in the order of the indicators.
func TestWHOISConcurrentInOrder(t *testing.T) {
	ctx := context.Background()
	var log strings.Builder
	for i := range 6 {
		fmt.Fprintf(&log, "Nov 20 09:02:%02d web01 sshd[1]: Failed password for root from 81.2.%d.7 port 22 ssh2\n", i, 100+i)
	}
	c := parsedCaseOf(t, log.String())
	srv, err := whoistest.Start(func(conn net.Conn, q string) {
		q = strings.TrimSpace(q)
		time.Sleep(150 * time.Millisecond)
		fmt.Fprintf(conn, "inetnum:        %s - %s\nnetname:        NET-%s\ncountry:        NL\n", q, q, q)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rep, err := observe.Run(ctx, c, observe.Options{WHOIS: true, WHOISServer: srv.Addr, WHOISRate: -1})
	if err != nil || rep.WHOIS.Answered != 6 {
		t.Fatalf("%+v %v", rep.WHOIS, err)
	}
	if srv.MaxActive() < 2 {
		t.Errorf("at most %d lookups at once", srv.MaxActive())
	}
	var order []string
	leaves, err := observe.EntryLeaves(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Entries(0, func(e *evidence.Entry) error {
		for _, l := range leaves[e.Index] {
			order = append(order, l.Indicator)
		}
		return nil
	})
	inds, _ := eventstore.New(c).Indicators()
	var want []string
	for _, s := range inds {
		if s.Type == "ip" {
			want = append(want, s.Value)
		}
	}
	if !slices.Equal(order, want) {
		t.Errorf("recorded in the order %v, indicators are %v", order, want)
	}
}

// A dataset that cannot be used stays preserved, and a dataset.failed
// entry says which exhibit it is and why nothing cites it.
func TestRunRecordsAFailedDataset(t *testing.T) {
	c := parsedCase(t)
	ctx := context.Background()
	bad := filepath.Join(t.TempDir(), "bad.mmdb")
	os.WriteFile(bad, bytes.Repeat([]byte{0xa5}, 3000), 0o644)
	_, err := observe.Run(ctx, c, observe.Options{Actor: "T", Datasets: []observe.DatasetFile{{Path: bad}}})
	if err == nil || !strings.Contains(err.Error(), "unknown dataset format") {
		t.Fatalf("got %v", err)
	}
	last, err := c.Entry(c.Log().Size() - 1)
	if err != nil {
		t.Fatal(err)
	}
	prev, _ := c.Entry(c.Log().Size() - 2)
	if last.Kind != observe.KindDatasetFailed || prev.Kind != evidence.KindArtefactIngested ||
		!strings.Contains(string(last.Payload), `"name":"bad.mmdb"`) || !strings.Contains(string(last.Payload), "unknown dataset format") {
		t.Fatalf("entries: %s %s / %s %s", prev.Kind, prev.Payload, last.Kind, last.Payload)
	}
	if r, _ := c.Verify(ctx, evidence.VerifyOptions{}); !r.OK {
		t.Fatalf("the case does not verify: %+v", r.Problems)
	}
}
