package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/graph/notify/xarftest"
)

// TestNotifyDemo runs the flow on the demo case (Tor exits guessing
// passwords, then a login from a compromised university host): RDAP,
// served on 127.0.0.1, names one operator's abuse desk for the ten exits;
// the university's contact comes from the recorded WHOIS answer. notify
// writes one report for the ten exits and one for the university, every
// X-ARF report validates against the v4 schemas, each report is a custody
// entry, and the case still verifies.
func TestNotifyDemo(t *testing.T) {
	validate := xarftest.Validator(t)
	dir := t.TempDir()
	c := newCLI(t)
	out := c.must("demo", "--dir", filepath.Join(dir, "demo"))
	m := regexp.MustCompile(`CASEFILE_PASSPHRASE=(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no passphrase:\n%s", out)
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
	var relays []string
	var compromised string
	for _, s := range assessed.Sources {
		switch s.Role {
		case "anonymization-relay":
			relays = append(relays, s.Indicator)
		case "compromised-third-party":
			compromised = s.Indicator
		}
	}
	if len(relays) != 10 || compromised == "" {
		t.Fatalf("the demo has %d relays and compromised host %q; want 10 and one", len(relays), compromised)
	}
	srv, err := rdaptest.NewReplay()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, ip := range relays {
		if err := srv.Add([]byte(relayAnswer(ip))); err != nil {
			t.Fatal(err)
		}
	}
	out = c.must("enrich", "--rdap-server", srv.URL, "--rdap-rate", "1000")
	if !strings.Contains(out, "rdap                     asked") || !strings.Contains(out, "(10 with an abuse e-mail)") {
		t.Fatalf("enrich --rdap:\n%s", out)
	}

	notes := filepath.Join(dir, "notify")
	out = c.must("notify", "--out", notes, "--org", "Victim Ltd")
	if !strings.Contains(out, "abuse@relay-operator.example") || !strings.Contains(out, "10 source(s), anonymization-relay") ||
		!strings.Contains(out, "2 report(s) prepared") {
		t.Fatalf("notify:\n%s", out)
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
	mail, err := os.ReadFile(filepath.Join(notes, "abuse@relay-operator.example", "email.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{"preserve any logs", "Dates to preserve: ", "10 addresses in TOR-RELAYS-EXAMPLE"}, relays...) {
		if !strings.Contains(string(mail), want) {
			t.Errorf("the relay e-mail lacks %q:\n%s", want, mail)
		}
	}
	var log []struct {
		Kind    string
		Payload struct{ To string }
	}
	for _, line := range strings.Split(strings.TrimSpace(c.must("--json", "log")), "\n") {
		var e struct {
			Kind    string
			Payload struct{ To string }
		}
		json.Unmarshal([]byte(line), &e)
		if e.Kind == "notification.prepared" {
			log = append(log, e)
		}
	}
	if len(log) != 2 {
		t.Errorf("%d notification.prepared entries, want 2: %+v", len(log), log)
	}
	c.must("verify")
	if code, _, e := c.run("notify", "--out", notes); code == 0 || !strings.Contains(e, "not empty") {
		t.Errorf("notify into a used directory: exit %d\n%s", code, e)
	}
}

// relayAnswer is an RDAP answer for one exit of a relay operator whose
// abuse desk is abuse@relay-operator.example.
func relayAnswer(ip string) string {
	return fmt.Sprintf(`{"objectClassName":"ip network","handle":"RELAY-%s","startAddress":%q,"endAddress":%q,"name":"TOR-RELAYS-EXAMPLE","country":"DE","port43":"whois.ripe.net",`+
		`"entities":[{"handle":"ABUSE-RELAYS","roles":["abuse"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Relay operator abuse desk"],["email",{"type":"abuse"},"text","abuse@relay-operator.example"]]]}]}`, ip, ip, ip)
}
