package sigma

import (
	"os"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
)

type sliceSink struct{ evs []parse.Event }

func (s *sliceSink) Event(e parse.Event) error { s.evs = append(s.evs, e); return nil }
func (s *sliceSink) Malformed(parse.Malformed) {}

// sample parses a real sample as ingest would (--year 2024 for syslog).
func sample(t testing.TB, elems ...string) []parse.Event {
	t.Helper()
	p := sampledata.Path(t, elems...)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s sliceSink
	if _, err := parse.Run(f, "", parse.Options{Artefact: "sha256:" + strings.Join(elems, "/"), Name: elems[len(elems)-1], Year: 2024}, &s); err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	return s.evs
}

// hits runs the built-in rules and returns, per rule id, the sources
// (src of single events, the group's src or dst of aggregates) it fired for.
func hits(t testing.TB, evs []parse.Event) map[string]map[string]int {
	out := map[string]map[string]int{}
	add := func(id, src string) {
		if out[id] == nil {
			out[id] = map[string]int{}
		}
		out[id][src]++
	}
	r := Builtin().Start()
	for i := range evs {
		r.Match(&evs[i], func(rule *Rule) { add(rule.ID, evs[i].Src) })
	}
	for _, d := range finish(t, r) {
		if len(d.Cites) == 0 || d.Cites[0].Artefact == "" {
			t.Errorf("%s: detection cites no event", d.Rule.ID)
		}
		k := d.Group["src"]
		if d.Rule.agg.fn == "beacon" {
			k = d.Group["dst"]
		}
		add(d.Rule.ID, k)
	}
	return out
}

func TestBuiltinOnOpenSSH(t *testing.T) {
	h := hits(t, sample(t, "loghub", "OpenSSH", "OpenSSH_2k.log"))
	for _, id := range []string{"casefile-auth-password-guessing", "casefile-auth-slow-guessing", "casefile-auth-many-users"} {
		if h[id]["183.62.140.253"] == 0 {
			t.Errorf("%s did not fire for 183.62.140.253 (286 failed root passwords): %v", id, h[id])
		}
	}
	if h["casefile-auth-password-guessing"]["119.137.62.142"] != 0 {
		t.Error("the one accepted login (fztu from 119.137.62.142) counted as guessing")
	}
	for _, src := range []string{"187.141.143.180", "103.99.0.122", "112.95.230.3", "5.188.10.180", "52.80.34.196"} {
		n := 0
		for _, id := range []string{"casefile-auth-repeated-failures", "casefile-auth-slow-guessing", "casefile-auth-many-users", "casefile-auth-invalid-users"} {
			n += h[id][src]
		}
		if n == 0 {
			t.Errorf("%s: no guessing rule fired", src)
		}
	}
}

func TestBuiltinOnApacheAccess(t *testing.T) {
	h := hits(t, sample(t, "elastic-examples-apache-access", "apache_logs"))
	// The sample (a blog's visitors, crawlers and feed readers) has no SQL
	// injection, traversal, web shell or attack tool: no false alarms.
	for _, id := range []string{"casefile-web-sqli", "casefile-web-traversal", "casefile-web-shell-command", "casefile-web-shell-script", "casefile-web-tool-agent"} {
		if len(h[id]) != 0 {
			t.Errorf("%s fired on the benign Apache sample: %v", id, h[id])
		}
	}
}

func TestBuiltinWebShell(t *testing.T) {
	// The pattern issue 12 quotes: a rented server driving a web shell.
	evs := []parse.Event{
		httpEv("/wp-content/uploads/thumb.php?cmd=cat+/etc/passwd", "200", "Mozilla/5.0"),
		httpEv("/wp-content/uploads/thumb.php?cmd=id", "200", "Mozilla/5.0"),
		httpEv("/wp-content/uploads/thumb.php?cmd=whoami", "404", "Mozilla/5.0"),
		httpEv("/index.php?id=1%27%20UNION%20SELECT%20user,pass%20FROM%20users--", "200", "sqlmap/1.7"),
		httpEv("/download?file=..%2f..%2f..%2fetc%2fpasswd", "200", "Mozilla/5.0"),
		httpEv("/search?q=command+line", "200", "Mozilla/5.0"),
	}
	h := hits(t, evs)
	if n := h["casefile-web-shell-command"]["198.51.100.7"]; n != 2 {
		t.Errorf("web-shell commands answered 200: %d, want 2", n)
	}
	// cat /etc/passwd through the shell is a file read too.
	for id, want := range map[string]int{"casefile-web-sqli": 1, "casefile-web-traversal": 2, "casefile-web-tool-agent": 1} {
		if h[id]["198.51.100.7"] != want {
			t.Errorf("%s: %v, want %d", id, h[id], want)
		}
	}
}

func TestBuiltinOnSuricata(t *testing.T) {
	h := hits(t, sample(t, "suricata-eve-surevego", "eve.json"))
	// All 68 alerts are ET POLICY "APT User-Agent Outbound" (Not Suspicious
	// Traffic): shown, but not an attack, C2 or scan.
	if h["casefile-ids-other"]["172.17.0.2"] != 68 {
		t.Errorf("policy alerts: %v, want 68 from 172.17.0.2", h["casefile-ids-other"])
	}
	for _, id := range []string{"casefile-ids-attack", "casefile-ids-c2", "casefile-ids-scan", "casefile-net-beaconing", "casefile-net-beaconing-http"} {
		if len(h[id]) != 0 {
			t.Errorf("%s fired on apt traffic: %v", id, h[id])
		}
	}
}

func TestBuiltinOnZeek(t *testing.T) {
	h := hits(t, sample(t, "zeek-wrccdc2018-brimdata", "conn-sample-from-brimdata-zed.log"))
	if h["casefile-net-host-sweep"]["10.128.0.207"] == 0 || h["casefile-net-host-sweep"]["10.174.251.215"] == 0 {
		t.Errorf("host sweep: %v", h["casefile-net-host-sweep"])
	}
	if h["casefile-net-port-scan"]["10.174.251.215"] == 0 {
		t.Errorf("port scan: %v", h["casefile-net-port-scan"])
	}
	r := hits(t, sample(t, "zeek-wrccdc2018-brimdata", "zeek-json", "rdp.json.gz"))
	if r["casefile-net-rdp-scanner-cookie"]["10.164.94.120"] == 0 {
		t.Errorf("RDP scanner cookies: %v", r["casefile-net-rdp-scanner-cookie"])
	}
	n := hits(t, sample(t, "zeek-wrccdc2018-brimdata", "zeek-json", "notice.json"))
	if len(n["casefile-zeek-notice"]) == 0 || len(n["casefile-zeek-scan-notice"]) != 0 {
		t.Errorf("notices: %v", n)
	}
}

func TestBuiltinOnLinuxSyslog(t *testing.T) {
	h := hits(t, sample(t, "loghub", "Linux", "Linux_2k.log"))
	if h["casefile-auth-password-guessing"]["150.183.249.110"] == 0 && h["casefile-auth-slow-guessing"]["150.183.249.110"] == 0 {
		t.Errorf("150.183.249.110 (80 failures): %v", h)
	}
}
