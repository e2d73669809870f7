package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/evidence/export/stixtest"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/notify/xarftest"
)

// TestNotifyDemo runs the flow on the demo case (Tor exits guessing
// passwords, then a login from a compromised university host; the
// incident's RDAP and WHOIS answers served on 127.0.0.1): notify reaches
// the ten exits and the university, one report per abuse contact (two
// exits of one hosting network share theirs), every X-ARF report validates
// against the v4 schemas, each report is a custody entry, and the case
// still verifies.
func TestNotifyDemo(t *testing.T) {
	validate := xarftest.Validator(t)
	dir := t.TempDir()
	c := newCLI(t)
	out := c.must("demo", "--dir", filepath.Join(dir, "demo"))
	m := regexp.MustCompile(`CASEFILE_PASSPHRASE=(\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "14 naming an abuse contact") {
		t.Fatalf("the demo printed no passphrase or no RDAP line:\n%s", out)
	}
	c.env["CASEFILE_PASSPHRASE"] = m[1]
	c.env["CASEFILE_CASE"] = filepath.Join(dir, "demo", "case")
	c.env["CASEFILE_EXAMINER"] = "Ann Analyst <ann@victim.example>"

	var assessed struct {
		Sources []struct{ Indicator, Role string }
	}
	if err := json.Unmarshal([]byte(c.must("--json", "assess")), &assessed); err != nil {
		t.Fatal(err)
	}
	external := map[string]bool{}
	for _, s := range assessed.Sources {
		if s.Role == "anonymization-relay" || s.Role == "compromised-third-party" {
			external[s.Indicator] = true
		}
	}
	if len(external) != 11 {
		t.Fatalf("the demo has %d relays and compromised hosts, want 11", len(external))
	}

	notes := filepath.Join(dir, "notify")
	c.env["CASEFILE_EXAMINER"] = ""
	if code, _, e := c.run("notify", "--out", notes); code != 2 || !strings.Contains(e, "--contact") {
		t.Errorf("notify without a reply address: exit %d\n%s", code, e)
	}
	c.env["CASEFILE_EXAMINER"] = "Ann Analyst <ann@victim.example>"
	if code, _, e := c.run("notify", "--out", notes, "--domain", "Victim Ltd"); code != 2 || !strings.Contains(e, "--domain") {
		t.Errorf("notify with a domain that is no host name: exit %d\n%s", code, e)
	}
	var res struct {
		Reports []struct {
			To      string
			Sources []string
			Entry   uint64
		}
		Unreached []struct{ Indicator string }
		MISP      *struct{ Sources []string }
	}
	if err := json.Unmarshal([]byte(c.must("--json", "notify", "--out", notes, "--org", "Victim Ltd")), &res); err != nil {
		t.Fatal(err)
	}
	reached, shared := 0, 0
	for _, r := range res.Reports {
		for _, s := range r.Sources {
			if !external[s] {
				t.Errorf("report to %s about %s, which has no external verdict", r.To, s)
			}
			reached++
		}
		if len(r.Sources) > 1 {
			shared++
		}
	}
	if reached != 11 || len(res.Unreached) != 0 || shared == 0 {
		t.Fatalf("%d sources reached in %d reports (%d shared), unreached %v", reached, len(res.Reports), shared, res.Unreached)
	}
	reports, _ := filepath.Glob(filepath.Join(notes, "*", "xarf-*.json"))
	if len(reports) != 11 {
		t.Fatalf("%d X-ARF reports, want 11", len(reports))
	}
	for _, p := range reports {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(b); err != nil {
			t.Errorf("%s does not validate against X-ARF v4: %v", filepath.Base(p), err)
		}
	}
	mail, err := os.ReadFile(filepath.Join(notes, "abuse@glenrock-uni.example.org", "email.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"we do not suspect the owner", "Accepted password for [account] from", "key sha256:"} {
		if !strings.Contains(string(mail), want) {
			t.Errorf("the university's e-mail lacks %q:\n%s", want, mail)
		}
	}
	prepared := 0
	for _, line := range strings.Split(strings.TrimSpace(c.must("--json", "log")), "\n") {
		var e struct{ Kind string }
		json.Unmarshal([]byte(line), &e)
		if e.Kind == "notification.prepared" {
			prepared++
		}
	}
	if res.MISP == nil || len(res.MISP.Sources) != 11 {
		t.Errorf("MISP event %+v, want the 11 sources with an external verdict", res.MISP)
	}
	if prepared != len(res.Reports)+3 {
		t.Errorf("%d notification.prepared entries for %d reports, the MISP event, the STIX bundle and the NIS2 draft", prepared, len(res.Reports))
	}
	for _, f := range []string{"misp-event.json", "stix-bundle.json", "nis2-notification-draft.txt", "summary.txt"} {
		if _, err := os.Stat(filepath.Join(notes, f)); err != nil {
			t.Errorf("notify wrote no %s: %v", f, err)
		}
	}
	// The STIX bundle validates and names what the MISP event names.
	bundle, _ := os.ReadFile(filepath.Join(notes, "stix-bundle.json"))
	named := stixtest.Named(stixtest.Validate(t, bundle))
	var ev struct {
		Event struct{ Attribute []struct{ Value string } }
	}
	event, _ := os.ReadFile(filepath.Join(notes, "misp-event.json"))
	json.Unmarshal(event, &ev)
	var values []string
	for _, a := range ev.Event.Attribute {
		values = append(values, a.Value)
	}
	sort.Strings(values)
	if len(named) != 11 || !slices.Equal(named, values) {
		t.Errorf("the STIX bundle names %v, the MISP event %v", named, values)
	}
	if code, _, e := c.run("notify", "--out", filepath.Join(t.TempDir(), "n2"), "--detected", "yesterday"); code != 2 || !strings.Contains(e, "--detected") {
		t.Errorf("a bad --detected: exit %d\n%s", code, e)
	}
	c.must("verify")
	if code, _, e := c.run("notify", "--out", notes); code == 0 || !strings.Contains(e, "not empty") {
		t.Errorf("notify into a used directory: exit %d\n%s", code, e)
	}
}

// TestEnrichRDAP: enrich --rdap-server asks a server on 127.0.0.1 serving
// real ARIN and RIPE answers, and indicators shows the abuse contacts.
func TestEnrichRDAP(t *testing.T) {
	samples := sampledata.Path(t, "rdap")
	srv, err := rdaptest.NewReplay(filepath.Join(samples, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json"),
		filepath.Join(samples, "JakubOnderka-rdap_client/ip_network_ripe_193_0_0_0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newCLI(t)
	c.must("init", "--title", "rdap")
	log := writeFile(t, filepath.Join(t.TempDir(), "auth.log"), "Nov 20 09:02:19 web01 sshd[1]: Failed password for root from 3.3.3.3 port 55335 ssh2\n"+
		"Nov 20 09:02:21 web01 sshd[2]: Failed password for root from 193.0.6.139 port 55337 ssh2\n")
	c.must("ingest", "--year", "2026", log)
	if code, _, e := c.run("enrich", "--rdap-server", srv.URL, "--rdap-rate", "0"); code != 2 || !strings.Contains(e, "--rdap-rate") {
		t.Errorf("--rdap-rate 0: exit %d\n%s", code, e)
	}
	out := c.must("enrich", "--rdap-server", srv.URL, "--rdap-rate", "1000")
	if !strings.Contains(out, "rdap                     asked 2, answered 2 (2 with an abuse e-mail)") {
		t.Fatalf("enrich:\n%s", out)
	}
	out = c.must("indicators")
	if !strings.Contains(out, "abuse abuse@amazonaws.com") || !strings.Contains(out, "abuse abuse@ripe.net") {
		t.Errorf("indicators:\n%s", out)
	}
	c.must("verify")
}
