package notify_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/notify"
)

// TestTenExitsOneReport: ten Tor exits whose registry names one abuse
// desk (spelt in two cases) make one report: one e-mail naming each exit
// once, one X-ARF file per exit, one custody entry.
func TestTenExitsOneReport(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	var ips []string
	for i := range 10 {
		ip := fmt.Sprintf("185.220.101.%d", 10+i)
		ips = append(ips, ip)
		fmt.Fprintf(&log, "Nov 20 09:00:%02d web01 sshd[%d]: Failed password for root from %s port %d ssh2\n", i, 100+i, ip, 40000+i)
	}
	res, err := c.Ingest(ctx, strings.NewReader(log.String()), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026, Name: "auth.log"}); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	obs := map[string][]enrich.Observation{}
	var findings []export.Finding
	for i, ip := range ips {
		email := "abuse@exits.example"
		if i%2 == 1 {
			email = "Abuse@Exits.example"
		}
		obs[ip] = []enrich.Observation{{Indicator: ip, Source: "rdap:registry.test", SourceType: enrich.TypeRDAP, Dataset: "sha256:" + strings.Repeat("ab", 32),
			DatasetDate: date, Network: "185.220.101.0/24", Fields: map[string]any{enrich.FieldNetName: "EXITS-NET", enrich.FieldAbuseEmail: email}}}
		at := time.Date(2026, 11, 20, 9, 0, i, 0, time.UTC)
		findings = append(findings, export.Finding{Indicator: ip, Type: "ip", Role: attrib.Relay, Probability: 0.96, Words: "almost certain", Confidence: "moderate",
			Events: 1, FirstSeen: &at, LastSeen: &at, Factors: []export.FindingFactor{{ID: "tor-exit", Text: "Tor exit at the time of the events",
				Evidence: []string{fmt.Sprintf("%s#L%d", res.Digest, i+1)}}}})
	}
	rec := observe.NewRecorder(c, "T", nil)
	if _, err := rec.Record(ctx, observe.Source{Dataset: "sha256:" + strings.Repeat("ab", 32), KeepMisses: true, Name: "rdap:registry.test", Type: enrich.TypeRDAP, Date: date}, obs); err != nil {
		t.Fatal(err)
	}
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	r, err := notify.Prepare(ctx, c, findings, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Reports) != 1 || r.Reports[0].To != "abuse@exits.example" || len(r.Reports[0].Sources) != 10 {
		t.Fatalf("reports: %+v", r.Reports)
	}
	dir := filepath.Join(o.Out, r.Reports[0].To)
	mail, err := os.ReadFile(filepath.Join(dir, "email.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range ips {
		if n := strings.Count(string(mail), ip+" (network"); n != 1 {
			t.Errorf("the e-mail lists %s %d times", ip, n)
		}
		if _, err := os.Stat(filepath.Join(dir, "xarf-"+ip+".json")); err != nil {
			t.Errorf("no X-ARF report for %s: %v", ip, err)
		}
	}
}
