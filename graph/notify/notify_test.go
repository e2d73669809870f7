package notify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
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
	"github.com/casefile/casefile/graph/notify/xarftest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The log: three relays of one operator guess passwords, a university host
// logs in, an attacker's own host and a cloud address (the examiner's
// verdict) act, and a scanner nobody judged.
const authLog = `Nov 20 09:00:01 web01 sshd[101]: Failed password for root from 185.220.101.4 port 40001 ssh2
Nov 20 09:00:02 web01 sshd[102]: Failed password for root from 185.220.101.5 port 40002 ssh2
Nov 20 09:00:03 web01 sshd[103]: Failed password for admin from 185.220.101.6 port 40003 ssh2
Nov 20 09:00:04 web01 sshd[104]: Failed password for alice from 185.220.101.4 port 40004 ssh2
Nov 21 10:00:00 web01 sshd[105]: Accepted password for deploy from 151.89.24.171 port 46407 ssh2
Nov 21 10:05:00 web01 sshd[106]: Failed password for root from 45.9.20.1 port 50000 ssh2
Nov 21 10:06:00 web01 sshd[107]: Failed password for root from 52.1.2.3 port 50001 ssh2
Nov 21 10:07:00 web01 sshd[108]: Failed password for root from 80.82.77.33 port 50002 ssh2
`

type fixture struct {
	c       *evidence.Case
	art     string // the log's digest
	finding []export.Finding
}

func newFixture(t *testing.T) *fixture {
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
	if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026, Name: "auth.log"}); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{c: c, art: res.Digest.String()}
	date := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	obs := func(ind, typ, email, net, name string) []enrich.Observation {
		o := enrich.Observation{Indicator: ind, Source: typ + ":registry.test", SourceType: typ, Dataset: "sha256:" + strings.Repeat("ab", 32),
			DatasetDate: date, Network: net, Fields: map[string]any{"net_name": name, "registry": "RIPE"}}
		if email != "" {
			o.Fields["abuse_email"] = email
		}
		return []enrich.Observation{o}
	}
	rec := observe.NewRecorder(c, "T", nil)
	if _, err := rec.Record(ctx, observe.Source{Dataset: "sha256:" + strings.Repeat("ab", 32), KeepMisses: true, Name: "rdap:registry.test", Type: enrich.TypeRDAP, Date: date},
		map[string][]enrich.Observation{
			"185.220.101.4": obs("185.220.101.4", enrich.TypeRDAP, "Abuse@Relays.example", "185.220.101.0/24", "RELAYS-NET"),
			"185.220.101.5": obs("185.220.101.5", enrich.TypeRDAP, "abuse@relays.example", "185.220.101.0/24", "RELAYS-NET"),
			"185.220.101.6": obs("185.220.101.6", enrich.TypeRDAP, "abuse@relays.example", "185.220.101.0/24", "RELAYS-NET"),
			"52.1.2.3":      obs("52.1.2.3", enrich.TypeRDAP, "abuse@cloud.example", "52.0.0.0/11", "CLOUD-1"),
			"151.89.24.171": obs("151.89.24.171", enrich.TypeRDAP, "", "151.89.24.0/21", "UNI-NET"), // RDAP names no abuse e-mail
		}); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Record(ctx, observe.Source{Dataset: "sha256:" + strings.Repeat("cd", 32), KeepMisses: true, Name: "whois:registry.test", Type: enrich.TypeWHOIS, Date: date},
		map[string][]enrich.Observation{
			"151.89.24.171": obs("151.89.24.171", enrich.TypeWHOIS, "abuse@uni.example", "151.89.24.0/21", "UNI-NET"),
		}); err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	line := func(n int) string { return fx.art + "#L" + string(rune('0'+n)) }
	guess := func(ind string, lines ...int) []export.FindingFactor {
		var ev []string
		for _, n := range lines {
			ev = append(ev, line(n))
		}
		return []export.FindingFactor{
			{ID: "tor-exit", Text: "Tor exit at the time of the events", Evidence: []string{"entry:3"}},
			{ID: "password-guessing", Text: "failed logins for several accounts", Did: "password guessing", Evidence: append([]string{"entry:1"}, ev...)},
		}
	}
	relay := func(ind string, first, last string, lines ...int) export.Finding {
		return export.Finding{Indicator: ind, Type: "ip", Role: attrib.Relay, Probability: 0.96, Words: "almost certain", Confidence: "moderate",
			Events: int64(len(lines)), FirstSeen: at(first), LastSeen: at(last), Factors: guess(ind, lines...)}
	}
	fx.finding = []export.Finding{
		// 185.220.101.4 has two lines; only line 1 is cited.
		relay("185.220.101.4", "2026-11-20T09:00:01Z", "2026-11-20T09:00:04Z", 1),
		relay("185.220.101.5", "2026-11-20T09:00:02Z", "2026-11-20T09:00:02Z", 2),
		relay("185.220.101.6", "2026-11-20T09:00:03Z", "2026-11-20T09:00:03Z", 3),
		{Indicator: "151.89.24.171", Type: "ip", Role: attrib.Compromised, Probability: 0.64, Words: "likely", Confidence: "low", Events: 1,
			FirstSeen: at("2026-11-21T10:00:00Z"), LastSeen: at("2026-11-21T10:00:00Z"),
			Factors: []export.FindingFactor{{ID: "exclusive-interactive", Text: "exclusive, interactive use", Evidence: []string{line(5)}}}},
		{Indicator: "45.9.20.1", Type: "ip", Role: attrib.Perpetrator, Probability: 0.7, Words: "likely", Events: 1,
			FirstSeen: at("2026-11-21T10:05:00Z"), LastSeen: at("2026-11-21T10:05:00Z"), Factors: guess("45.9.20.1", 6)},
		{Indicator: "52.1.2.3", Type: "ip", Role: attrib.Undetermined, Probability: 0.5, Words: "roughly even chance", Events: 1,
			Hypotheses: map[string]float64{attrib.Platform: 0.3}, FirstSeen: at("2026-11-21T10:06:00Z"), LastSeen: at("2026-11-21T10:06:00Z"),
			Factors:  guess("52.1.2.3", 7),
			Examiner: &export.FindingExaminer{Role: attrib.Platform, Rationale: "a cloud function of a customer", Actor: "Ann", Entry: 9}},
		{Indicator: "80.82.77.33", Type: "ip", Role: attrib.Undetermined, Probability: 0.4, Words: "roughly even chance", Events: 1},
	}
	return fx
}

var opts = notify.Options{
	From:        notify.Party{Org: "Victim Ltd", Contact: "soc@victim.example", Domain: "victim.example"},
	Examiner:    "Ann Analyst <ann@victim.example>",
	Fingerprint: "sha256:" + strings.Repeat("5f", 32),
	CaseID:      "0123456789abcdef",
	Actor:       "Ann Analyst <ann@victim.example>",
}

// TestPrepare: relays of one operator share one report; the compromised
// host's contact comes from WHOIS when RDAP names none; the examiner's
// verdict counts; a source without a contact is listed with what to do;
// every X-ARF report validates against the v4 schemas; each report is a
// custody entry whose digests match the files written.
func TestPrepare(t *testing.T) {
	validate := xarftest.Validator(t)
	fx := newFixture(t)
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(context.Background(), fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range res.Reports {
		got[r.To] = r.Sources
	}
	want := map[string]string{
		"abuse@relays.example": "185.220.101.4 185.220.101.5 185.220.101.6",
		"abuse@uni.example":    "151.89.24.171",
		"abuse@cloud.example":  "52.1.2.3",
	}
	if len(got) != len(want) {
		t.Fatalf("reports to %v, want %v", got, want)
	}
	for to, srcs := range want {
		if strings.Join(got[to], " ") != srcs {
			t.Errorf("report to %s about %v, want %s", to, got[to], srcs)
		}
	}
	if len(res.Unreached) != 1 || res.Unreached[0].Indicator != "45.9.20.1" || !strings.Contains(res.Unreached[0].Why, "enrich --rdap") {
		t.Errorf("unreached %+v", res.Unreached)
	}
	if res.NotExternal != 1 {
		t.Errorf("%d sources not external, want 1 (80.82.77.33)", res.NotExternal)
	}
	types := map[string]string{}
	for _, r := range res.Reports {
		e, err := fx.c.Entry(r.Entry)
		if err != nil || e.Kind != notify.KindPrepared {
			t.Fatalf("entry %d: %v %v", r.Entry, err, e)
		}
		var p notify.Prepared
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		files := 1 + len(r.Sources) // email.txt and one X-ARF report per source
		if !slices.Equal(r.Roles, []string{attrib.Compromised}) {
			files++ // and a preservation request to the provider of a relay, platform or attacker's server
		}
		if p.To != r.To || strings.Join(p.Sources, " ") != strings.Join(r.Sources, " ") || len(p.Contacts) != len(r.Sources) || len(p.Files) != files {
			t.Errorf("entry %d payload %+v", r.Entry, p)
		}
		for _, f := range p.Files {
			b, err := os.ReadFile(filepath.Join(o.Out, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if f.SHA256 != "sha256:"+hex.EncodeToString(sum[:]) {
				t.Errorf("%s: the entry's digest is not the file's", f.Name)
			}
			if strings.HasSuffix(f.Name, ".json") && strings.Contains(f.Name, "xarf-") {
				if err := validate(b); err != nil {
					t.Errorf("%s does not validate against X-ARF v4: %v", f.Name, err)
				}
				var x map[string]any
				json.Unmarshal(b, &x)
				types[x["source_identifier"].(string)] = x["category"].(string) + "/" + x["type"].(string)
				if _, ok := x["confidence"]; ok == (x["source_identifier"] == "52.1.2.3") {
					t.Errorf("%s: confidence %v (the model's for the model's verdicts, none for the examiner's)", f.Name, x["confidence"])
				}
				// The validator does reject: without the source port a
				// login attack from an address is not a valid report.
				if x["type"] == "login_attack" {
					delete(x, "source_port")
					bad, _ := json.Marshal(x)
					if validate(bad) == nil {
						t.Errorf("%s without source_port validates", f.Name)
					}
				}
			}
		}
	}
	for ind, typ := range map[string]string{"185.220.101.4": "connection/login_attack", "151.89.24.171": "infrastructure/compromised_server", "52.1.2.3": "connection/login_attack"} {
		if types[ind] != typ {
			t.Errorf("%s: X-ARF %s, want %s", ind, types[ind], typ)
		}
	}
	body, err := os.ReadFile(filepath.Join(o.Out, "abuse@relays.example", "email.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Only cited lines: line 4 (185.220.101.4 again) is not cited.
	if !strings.Contains(string(body), "port 40001") || strings.Contains(string(body), "port 40004") {
		t.Errorf("the e-mail quotes other than the cited lines:\n%s", body)
	}
	golden(t, "relays-email.golden", body)
	uni, _ := os.ReadFile(filepath.Join(o.Out, "abuse@uni.example", "email.txt"))
	if !strings.Contains(string(uni), "appears") && !strings.Contains(string(uni), "we do not suspect the owner") {
		t.Errorf("the compromised host's e-mail does not reassure its owner:\n%s", uni)
	}
	cloud, _ := os.ReadFile(filepath.Join(o.Out, "abuse@cloud.example", "email.txt"))
	if !strings.Contains(string(cloud), "the examiner's verdict") || !strings.Contains(string(cloud), "52.1.2.3") || strings.Contains(string(cloud), "cloud function of a customer") {
		t.Errorf("the platform e-mail does not give the examiner's verdict (without the internal rationale):\n%s", cloud)
	}
	if sum, err := os.ReadFile(filepath.Join(o.Out, "summary.txt")); err != nil || !strings.Contains(string(sum), "45.9.20.1") {
		t.Errorf("summary: %v\n%s", err, sum)
	}
	// Never over earlier reports.
	if _, err := notify.Prepare(context.Background(), fx.c, fx.finding, o); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second prepare into the same directory: %v", err)
	}
}

// TestPrepareSelection: --indicator limits the reports to the sources
// named; an unknown one is an error.
func TestPrepareSelection(t *testing.T) {
	fx := newFixture(t)
	o := opts
	o.Out = filepath.Join(t.TempDir(), "sel")
	o.Indicators = []string{"185.220.101.5"}
	res, err := notify.Prepare(context.Background(), fx.c, fx.finding, o)
	if err != nil || len(res.Reports) != 1 || strings.Join(res.Reports[0].Sources, " ") != "185.220.101.5" || len(res.Unreached) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	o.Out = filepath.Join(t.TempDir(), "bad")
	o.Indicators = []string{"198.51.100.1"}
	if _, err := notify.Prepare(context.Background(), fx.c, fx.finding, o); err == nil || !strings.Contains(err.Error(), "198.51.100.1") {
		t.Errorf("unknown indicator: %v", err)
	}
	if _, err := os.Stat(o.Out); err == nil {
		t.Errorf("an unknown indicator left %s behind", o.Out)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
