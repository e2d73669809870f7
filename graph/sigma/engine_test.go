package sigma

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

func compile(t *testing.T, rule string) *Engine {
	t.Helper()
	e, err := New("test", []Source{{Name: "t.yml", Data: []byte(rule)}})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return e
}

func finish(t testing.TB, r *Run) []Detection {
	t.Helper()
	ds, err := r.Finish()
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	return ds
}

func matches(e *Engine, ev parse.Event) []string {
	var ids []string
	r := e.Start()
	r.Match(&ev, func(r *Rule) { ids = append(ids, r.ID) })
	return ids
}

func httpEv(path, status, ua string) parse.Event {
	return parse.Event{Kind: parse.KindHTTP, Action: "GET", Outcome: parse.OutcomeSuccess, Src: "198.51.100.7",
		Fields:   map[string]string{"path": path, "status": status, "user_agent": ua},
		Citation: parse.Citation{Artefact: "sha256:aa", Line: 3, Parser: "apache-access/1"}}
}

const head = "title: t\nid: r1\nlogsource:\n  category: webserver\ndetection:\n"

func TestModifiersAndValues(t *testing.T) {
	cases := []struct {
		name, det string
		ev        parse.Event
		want      bool
	}{
		{"equal ignores case", "  s:\n    status: '200'\n    action: get\n  condition: s", httpEv("/", "200", ""), true},
		{"list is any", "  s:\n    status: [404, 200]\n  condition: s", httpEv("/", "200", ""), true},
		{"list misses", "  s:\n    status: [404, 500]\n  condition: s", httpEv("/", "200", ""), false},
		{"contains", "  s:\n    user_agent|contains: SQLMAP\n  condition: s", httpEv("/", "200", "sqlmap/1.4"), true},
		{"startswith", "  s:\n    path|startswith: /admin\n  condition: s", httpEv("/Admin/x", "200", ""), true},
		{"endswith", "  s:\n    path|endswith: .php\n  condition: s", httpEv("/x.PHP", "200", ""), true},
		{"endswith misses", "  s:\n    path|endswith: .php\n  condition: s", httpEv("/x.php.txt", "200", ""), false},
		{"wildcard", "  s:\n    path: /a*/b?c\n  condition: s", httpEv("/ax/yz/bxc", "200", ""), true},
		{"escaped wildcard", "  s:\n    path: '/a\\*'\n  condition: s", httpEv("/ab", "200", ""), false},
		{"escaped wildcard literal", "  s:\n    path: '/a\\*'\n  condition: s", httpEv("/a*", "200", ""), true},
		{"all", "  s:\n    user_agent|contains|all: [curl, linux]\n  condition: s", httpEv("/", "200", "curl (Linux)"), true},
		{"all misses", "  s:\n    user_agent|contains|all: [curl, windows]\n  condition: s", httpEv("/", "200", "curl (Linux)"), false},
		{"re is cased", "  s:\n    path|re: '^/A'\n  condition: s", httpEv("/a", "200", ""), false},
		{"re i", "  s:\n    path|re|i: '^/A'\n  condition: s", httpEv("/a", "200", ""), true},
		{"cased", "  s:\n    path|contains|cased: Admin\n  condition: s", httpEv("/admin", "200", ""), false},
		{"cidr", "  s:\n    src|cidr: 198.51.100.0/24\n  condition: s", httpEv("/", "200", ""), true},
		{"cidr misses", "  s:\n    src|cidr: [10.0.0.0/8, 2001:db8::/32]\n  condition: s", httpEv("/", "200", ""), false},
		{"gte", "  s:\n    status|gte: 200\n  condition: s", httpEv("/", "200", ""), true},
		{"lt", "  s:\n    status|lt: 200\n  condition: s", httpEv("/", "200", ""), false},
		{"empty string is empty", "  s:\n    referer: ''\n  condition: s", httpEv("/", "200", ""), true},
		{"empty string misses", "  s:\n    status: ''\n  condition: s", httpEv("/", "200", ""), false},
		{"many contains (one pass)", "  s:\n    user_agent|contains: [zgrab, NIKTO, masscan, sqlmap, nmap]\n  condition: s", httpEv("/", "200", "Mozilla (Nikto/2.1)"), true},
		{"many contains miss", "  s:\n    user_agent|contains: [zgrab, nikto, masscan, sqlmap, nmap]\n  condition: s", httpEv("/", "200", "Mozilla/5.0 (nmA"), false},
		{"many contains at the end", "  s:\n    path|contains: [/.env, /.git/, eval-stdin.php, x]\n  condition: s", httpEv("/a/b/X", "200", ""), true},
		{"many contains non-ASCII", "  s:\n    path|contains: [ÄRGER, über, straße, /.git/]\n  condition: s", httpEv("/ÜBER/", "200", ""), true},
		{"many contains with a plain value", "  s:\n    path|contains: [aa, bb, cc, dd]\n    status: [404, 200]\n  condition: s", httpEv("/xbb", "200", ""), true},
		{"null is absent", "  s:\n    referer: null\n  condition: s", httpEv("/", "200", ""), true},
		{"exists", "  s:\n    referer|exists: true\n  condition: s", httpEv("/", "200", ""), false},
		{"alias", "  s:\n    cs-uri-query|contains: cmd=\n    sc-status: 200\n    c-ip: 198.51.100.7\n  condition: s", httpEv("/t.php?cmd=id", "200", ""), true},
		{"decoded path", "  s:\n    path_decoded|contains: cat /etc/passwd\n  condition: s", httpEv("/t.php?cmd=cat+%2Fetc%2Fpasswd", "200", ""), true},
		{"keywords", "  k:\n    - nikto\n  condition: k", httpEv("/", "200", "Mozilla (Nikto/2.1)"), true},
		{"list of maps", "  s:\n    - status: 404\n    - path: /x\n  condition: s", httpEv("/x", "200", ""), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := len(matches(compile(t, head+c.det), c.ev)) == 1
			if got != c.want {
				t.Errorf("match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	sels := "  sel_a:\n    status: 200\n  sel_b:\n    path|contains: admin\n  _f:\n    user_agent|contains: bot\n"
	ev := httpEv("/admin", "200", "googlebot")
	cases := map[string]bool{
		"sel_a and sel_b":              true,
		"sel_a and not sel_b":          false,
		"not sel_a or sel_b":           true,
		"sel_a and not (sel_b or _f)":  false,
		"(sel_a and sel_b) and not _f": false,
		"1 of sel_*":                   true,
		"all of sel_*":                 true,
		"all of them":                  true,
		"1 of them and not _f":         false,
		"NOT _f":                       false,
		"sel_a or sel_b and not sel_a": true, // and binds tighter than or
		"not not sel_a":                true,
	}
	for cond, want := range cases {
		got := len(matches(compile(t, head+sels+"  condition: "+cond), ev)) == 1
		if got != want {
			t.Errorf("%q = %v, want %v", cond, got, want)
		}
	}
}

func TestLogsource(t *testing.T) {
	e := compile(t, "title: t\nlogsource:\n  product: zeek\n  service: rdp\ndetection:\n  s:\n    cookie: nmap\n  condition: s\n")
	rdp := parse.Event{Kind: parse.KindAuth, Action: "rdp", Fields: map[string]string{"cookie": "nmap"}, Citation: parse.Citation{Parser: "zeek/1"}}
	if len(matches(e, rdp)) != 1 {
		t.Error("zeek rdp event not matched")
	}
	rdp.Citation.Parser = "suricata-eve/1"
	if len(matches(e, rdp)) != 0 {
		t.Error("a suricata event matched a zeek rule")
	}
	w := compile(t, head+"  s:\n    status: 200\n  condition: s")
	flow := httpEv("/", "200", "")
	flow.Kind = parse.KindFlow
	if len(matches(w, flow)) != 0 {
		t.Error("a flow matched a webserver rule")
	}
}

func at(sec int) time.Time {
	return time.Date(2024, 12, 10, 6, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second)
}

func authFail(src, user string, sec int, line int64) parse.Event {
	return parse.Event{Time: at(sec), Kind: parse.KindAuth, Action: "password", Outcome: parse.OutcomeFailure, Src: src, User: user,
		Citation: parse.Citation{Artefact: "sha256:bb", Line: line, Parser: "openssh/1"}}
}

// eachBudget runs f with a run that never spills and one that spills
// every record (spill_test.go compares them at scale).
func eachBudget(t *testing.T, e *Engine, f func(t *testing.T, r *Run)) {
	for _, b := range []int64{0, 1} {
		t.Run(fmt.Sprintf("budget=%d", b), func(t *testing.T) {
			r := e.Start()
			r.Budget = b
			f(t, r)
		})
	}
}

func TestCountAggregation(t *testing.T) {
	e := compile(t, "title: guess\nlogsource:\n  category: authentication\ndetection:\n  f:\n    outcome: failure\n  condition: f | count() by src >= 10\n  timeframe: 10m\n")
	eachBudget(t, e, func(t *testing.T, r *Run) {
		line := int64(0)
		add := func(ev parse.Event) {
			line++
			ev.Citation.Line = line
			r.Match(&ev, func(*Rule) { t.Fatal("aggregate rule reported per event") })
		}
		for i := range 9 { // 9 in 10 minutes: not enough
			add(authFail("192.0.2.1", "root", i*60, 0))
		}
		for i := range 12 { // 12 spread over 2 hours: never 10 in 10 minutes
			add(authFail("192.0.2.2", "root", i*600, 0))
		}
		for i := range 10 { // out of order, but 10 within 10 minutes
			add(authFail("192.0.2.3", "root", (9-i)*50, 0))
		}
		ds := finish(t, r)
		if len(ds) != 1 || ds[0].Group["src"] != "192.0.2.3" || ds[0].Count != 10 || len(ds[0].Cites) != MaxCites {
			t.Fatalf("detections = %+v", ds)
		}
		if !ds[0].First.Equal(at(0)) || !ds[0].Last.Equal(at(450)) {
			t.Errorf("window %v – %v", ds[0].First, ds[0].Last)
		}
		if c := ds[0].Cites; c[0].Line != 31 || c[4].Line != 27 { // in time order: the last added first
			t.Errorf("cites %v", c)
		}
	})
}

func TestDistinctCount(t *testing.T) {
	e := compile(t, "title: stuffing\nlogsource:\n  category: authentication\ndetection:\n  f:\n    outcome: failure\n  condition: f | count(user) by src > 3\n  timeframe: 1h\n")
	eachBudget(t, e, func(t *testing.T, r *Run) {
		for i, u := range []string{"a", "b", "a", "c", "a", "d"} {
			ev := authFail("192.0.2.9", u, i, int64(i+1))
			r.Match(&ev, func(*Rule) {})
		}
		ds := finish(t, r)
		if len(ds) != 1 || ds[0].Count != 4 || ds[0].Events != 6 {
			t.Fatalf("detections = %+v", ds)
		}
	})
}

func TestBeacon(t *testing.T) {
	rule := "title: beacon\nlogsource:\n  category: network_connection\ndetection:\n  s:\n    src|cidr: 10.0.0.0/8\n  condition: s | beacon() by src, dst >= 8\n"
	eachBudget(t, compile(t, rule), func(t *testing.T, r *Run) {
		flow := func(dst string, sec int) {
			ev := parse.Event{Time: at(sec), Kind: parse.KindFlow, Src: "10.1.1.1", Dst: dst, Citation: parse.Citation{Artefact: "sha256:cc", Line: int64(sec + 1), Parser: "zeek/1"}}
			r.Match(&ev, func(*Rule) {})
		}
		for i := range 10 { // every 60 s, ±3 s, plus a burst copy each time
			flow("203.0.113.5", i*60+(i%3)-1)
			flow("203.0.113.5", i*60+(i%3))
		}
		for _, s := range []int{0, 5, 90, 400, 410, 1000, 1500, 3000, 3010, 5000} { // irregular
			flow("203.0.113.6", s)
		}
		ds := finish(t, r)
		if len(ds) != 1 || ds[0].Group["dst"] != "203.0.113.5" || ds[0].Count != 10 || ds[0].Interval < 55*time.Second || ds[0].Interval > 65*time.Second {
			t.Fatalf("detections = %+v", ds)
		}
	})
}

func TestBadRulesNameFileAndLine(t *testing.T) {
	cases := []struct {
		rule string
		line int
		msg  string
	}{
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path|base64offset: x\n  condition: s\n", 6, "modifier \"base64offset\""},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: s and t\n", 7, "no selection named \"t\""},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: (s\n", 7, "missing )"},
		{"title: t\nlogsource:\n  product: macos\ndetection:\n  s:\n    path: x\n  condition: s\n", 3, "product \"macos\""},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path|re: '(('\n  condition: s\n", 6, "re \"((\""},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: s | count() by src >= \n  timeframe: 10m\n", 7, "want a number"},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: s\n  timeframe: 10x\n", 8, "timeframe"},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: [x\n  condition: s\n", 5, "not valid YAML"},
		{"title: t\nlevel: severe\nlogsource:\n  category: webserver\n", 2, "level \"severe\""},
		{"logsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: s\n", 1, "no title"},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n", 5, "no condition"},
		{"title: t\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path|cidr: 10.0.0.0/33\n  condition: s\n", 6, "cidr"},
	}
	for _, c := range cases {
		_, err := New("test", []Source{{Name: "rules/bad.yml", Data: []byte(c.rule)}})
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want *Error", c.rule, err)
			continue
		}
		if se.File != "rules/bad.yml" || se.Line != c.line || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("err = %q, want rules/bad.yml:%d: …%s…", err, c.line, c.msg)
		}
		if !strings.HasPrefix(err.Error(), "rules/bad.yml:") {
			t.Errorf("error %q does not start with the file", err)
		}
	}
}

func TestDuplicateIDs(t *testing.T) {
	r := "title: t\nid: same\nlogsource:\n  category: webserver\ndetection:\n  s:\n    path: x\n  condition: s\n"
	_, err := New("test", []Source{{Name: "a.yml", Data: []byte(r)}, {Name: "b.yml", Data: []byte(r)}})
	if err == nil || !strings.Contains(err.Error(), "b.yml:1") || !strings.Contains(err.Error(), "a.yml:1") {
		t.Fatalf("err = %v", err)
	}
	b := Builtin()
	if _, err := b.Join(b); err == nil {
		t.Fatal("joining a rule set with itself gave no error")
	}
}

func TestBuiltinCompilesAndDigest(t *testing.T) {
	a, b := Builtin(), Builtin()
	if a.Digest() != b.Digest() || !strings.HasPrefix(a.Digest(), "sha256:") || len(a.Rules()) < 20 {
		t.Fatalf("digest %s / %s, %d rules", a.Digest(), b.Digest(), len(a.Rules()))
	}
	for _, r := range a.Rules() {
		if r.ID == r.Title || len(r.Tags) == 0 {
			t.Errorf("%s:%d: built-in rule %q needs an id and tags", r.File, r.Line, r.Title)
		}
	}
	u := compile(t, head+"  s:\n    status: 200\n  condition: s")
	j, err := a.Join(u)
	if err != nil || j.Digest() == a.Digest() || len(j.Rules()) != len(a.Rules())+1 {
		t.Fatalf("join: %v", err)
	}
}

// TestDropped: events of groups beyond the bound are counted per rule, and
// the groups kept are still evaluated.
func TestDropped(t *testing.T) {
	e := compile(t, "title: guess\nid: g\nlogsource:\n  category: authentication\ndetection:\n  f:\n    outcome: failure\n  condition: f | count() by src >= 2\n  timeframe: 10m\n---\ntitle: users\nid: u\nlogsource:\n  category: authentication\ndetection:\n  f:\n    outcome: failure\n  condition: f | count(user) by user >= 1\n")
	r := e.Start()
	r.maxGroups = 2
	for i, src := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.1", "192.0.2.4", "192.0.2.3"} {
		ev := authFail(src, "root", i, int64(i+1))
		r.Match(&ev, func(*Rule) {})
	}
	got := r.Dropped()
	if len(got) != 1 || got[0].Rule.ID != "g" || got[0].Events != 3 {
		t.Fatalf("dropped = %+v, want 3 events of rule g", got)
	}
	ds := finish(t, r)
	if len(ds) != 2 || ds[0].Group["src"] != "192.0.2.1" || ds[0].Count != 2 || ds[1].Rule.ID != "u" {
		t.Fatalf("detections = %+v", ds)
	}
}
