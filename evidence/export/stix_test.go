package export

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/sampledata"
)

// TestSCOIDSpecExample computes the deterministic id (STIX 2.1 §2.9) of
// the file object of the OASIS example "sighting of observed data" and
// compares it with the id the example gives.
func TestSCOIDSpecExample(t *testing.T) {
	p := sampledata.Path(t, "stix2-examples-cti-documentation", "sighting-of-observed-data.json")
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(mustRead(t, p), &b); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range b.Objects {
		if o["type"] != "file" {
			continue
		}
		h := o["hashes"].(map[string]any)
		a := &artefact{md5: h["MD5"].(string), sha1: h["SHA-1"].(string), names: []string{o["name"].(string)}}
		if got := fileSCO(a, nil)["id"]; got != o["id"] {
			t.Errorf("file id %s, the example says %s", got, o["id"])
		}
		n++
	}
	if n == 0 {
		t.Fatal("the example holds no file object")
	}
	if got, want := scoID("ipv4-addr", node{"value": "198.51.100.3"}), "ipv4-addr--"+uuid5(stixSCONamespace, `{"value":"198.51.100.3"}`); got != want {
		t.Fatalf("%s != %s", got, want)
	}
}

func stixObjects(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "stix-bundle.json")), &b); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, o := range b.Objects {
		out[o["id"].(string)] = o
	}
	return out
}

// TestSTIXMatchesReport: confidence is the analytic confidence on the
// STIX scale; created/modified come from the assessment entries, stay the
// same across exports and move when a new assessment is recorded; the
// analyst who assessed is the author; a private address gets observed
// data, no indicator; indicators expire when their data goes stale.
func TestSTIXMatchesReport(t *testing.T) {
	tc := newTestCase(t)
	ctx := t.Context()
	assess := func() *evidence.Entry {
		es, err := tc.c.Append(ctx, evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{"sources": 3}})
		if err != nil {
			t.Fatal(err)
		}
		return es[0]
	}
	first := assess()
	last := time.Date(2026, 11, 20, 9, 40, 11, 0, time.UTC)
	fs := append(testFindings(), Finding{Indicator: "10.0.0.227", Type: "ip", Role: "perpetrator-infrastructure", Probability: 0.6,
		Words: "likely", Confidence: "low", Statement: "10.0.0.227 is an internal host."})
	fs[0].FirstSeen, fs[0].LastSeen, fs[0].ValidFor = &last, &last, 24*time.Hour
	export := func(name string) map[string]map[string]any {
		out := filepath.Join(t.TempDir(), name)
		o := tc.options(out)
		o.Findings = fs
		build(t, tc, o)
		return stixObjects(t, out)
	}
	a, b := export("a"), export("b")
	second := assess()
	c := export("c")
	var indicators, observed int
	for id, o := range a {
		switch o["type"] {
		case "indicator":
			indicators++
			if o["name"] == "10.0.0.227" {
				t.Errorf("an indicator for a private address: %v", o)
			}
			if o["name"] == "185.220.101.4" {
				if o["confidence"] != float64(85) || o["valid_until"] != "2026-11-21T09:40:11.000Z" || o["valid_from"] != "2026-11-20T09:40:11.000Z" {
					t.Errorf("indicator %v", o)
				}
			}
			if o["name"] == "130.37.1.20" && o["confidence"] != float64(50) {
				t.Errorf("moderate confidence as %v", o["confidence"])
			}
		case "observed-data":
			observed++
		case "identity":
			if o["name"] != "Ann Analyst <ann@example.org>" {
				t.Errorf("author %v, want the analyst", o["name"])
			}
		case "note":
			if au := o["authors"].([]any); au[0] != "Ann Analyst <ann@example.org>" {
				t.Errorf("note authors %v", au)
			}
		}
		if _, ok := o["created"]; !ok || o["type"] == "marking-definition" {
			continue
		}
		if b[id]["created"] != o["created"] || b[id]["modified"] != o["modified"] {
			t.Errorf("%s: created/modified changed between two exports of the same assessment", id)
		}
		if o["type"] != "identity" && (o["created"] != stamp(first.Time) || o["modified"] != stamp(first.Time)) {
			t.Errorf("%s: created %v modified %v, want the assessment's time %s", id, o["created"], o["modified"], stamp(first.Time))
		}
		if o["type"] != "identity" && (c[id]["created"] != stamp(first.Time) || c[id]["modified"] != stamp(second.Time)) {
			t.Errorf("%s after a new assessment: created %v modified %v", id, c[id]["created"], c[id]["modified"])
		}
	}
	if indicators != 2 || observed != 1 {
		t.Fatalf("%d indicators, %d observed-data", indicators, observed)
	}
}

// TestSTIXDestinationOnly: an address the events show only as a
// destination (here a Suricata alert's dest_ip) is observed data, not an
// indicator.
func TestSTIXDestinationOnly(t *testing.T) {
	tc := newTestCase(t)
	ctx := t.Context()
	eve := `{"timestamp":"2026-11-20T09:00:00.000000+0000","event_type":"alert","src_ip":"185.220.101.4","src_port":4444,"dest_ip":"93.184.216.34","dest_port":443,"proto":"TCP","alert":{"signature_id":1,"signature":"test","severity":2}}` + "\n"
	res, err := tc.c.Ingest(ctx, strings.NewReader(eve), evidence.ArtefactMeta{Name: "eve.json"}, evidence.IngestOptions{Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(tc.c).Parse(ctx, res.Digest, eventstore.ParseOptions{Name: "eve.json", Actor: testExaminer}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pkg")
	o := tc.options(out)
	o.Findings = append(testFindings(), Finding{Indicator: "93.184.216.34", Type: "ip", Role: "perpetrator-infrastructure",
		Probability: 0.5, Words: "roughly even chance", Confidence: "low", Statement: "93.184.216.34 was contacted."})
	build(t, tc, o)
	kinds := map[string]bool{}
	for _, ob := range stixObjects(t, out) {
		if ob["type"] == "indicator" && ob["name"] == "93.184.216.34" {
			t.Fatalf("an indicator for a destination-only address: %v", ob)
		}
		if ob["type"] == "observed-data" {
			kinds["observed-data"] = true
		}
		if ob["type"] == "indicator" && ob["name"] == "185.220.101.4" {
			kinds["indicator"] = true
		}
	}
	if !kinds["observed-data"] || !kinds["indicator"] {
		t.Fatalf("objects %v", kinds)
	}
}
