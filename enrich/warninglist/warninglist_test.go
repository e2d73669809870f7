package warninglist

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/sampledata"
)

const digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"

func open(t testing.TB, path string) *List {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := Open(f, digest, path)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func matched(t *testing.T, obs []enrich.Observation) string {
	t.Helper()
	if len(obs) == 0 {
		return ""
	}
	if len(obs) != 1 || obs[0].SourceType != enrich.TypeWarninglist || obs[0].Dataset != digest || obs[0].Reliability != "B" {
		t.Fatalf("bad observations %+v", obs)
	}
	return obs[0].Fields["matched"].(string)
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestCIDR(t *testing.T) {
	l := open(t, "testdata/cidr.json")
	if l.Name() != "misp:cidr" || l.Type() != "warninglist" || l.ListType() != "cidr" || l.Version() != 20260811 ||
		!l.Date().Equal(time.Date(2026, 8, 11, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%s %s %d %v", l.Name(), l.ListType(), l.Version(), l.Date())
	}
	if l.Stats() != (Stats{Entries: 6, Malformed: 2}) {
		t.Fatalf("stats %+v", l.Stats())
	}
	for addr, want := range map[string]string{
		"1.2.3.4":        "1.2.3.0/24",
		"1.2.4.4":        "1.2.0.0/16",
		"11.2.3.4":       "11.2.3.4",
		"1.1.2.3":        "",           // never a substring match of "11.2.3.4" or "1.2.3.0/24"
		"11.2.3.40":      "",           // nor a prefix of the text
		"10.200.1.1":     "10.1.2.3/8", // host bits masked
		"fe80::1%eth0":   "FE80::/10",
		"192.0.2.1":      "::ffff:192.0.2.1",
		"::ffff:1.2.3.9": "1.2.3.0/24",
		"2001:db8::1":    "",
	} {
		if got := matched(t, l.Lookup(ip(addr), time.Time{})); got != want {
			t.Errorf("%s: matched %q, want %q", addr, got, want)
		}
	}
	o := l.Lookup(ip("1.2.3.4"), time.Time{})[0]
	want := map[string]any{"list": "Test CIDR list", "description": "Test CIDR", "type": "cidr", "version": int64(20260811),
		"matched": "1.2.3.0/24", "matching_attributes": []string{"ip-src", "ip-dst"}}
	if !reflect.DeepEqual(o.Fields, want) || o.Network != "1.2.3.0/24" || o.Indicator != "1.2.3.4" {
		t.Errorf("%+v", o)
	}
	if matched(t, l.LookupValue("001.002.003.004", "ip")) != "1.2.3.0/24" {
		t.Error("LookupValue ip")
	}
	if l.LookupValue("1.2.3.4", "domain") != nil {
		t.Error("cidr list matched a domain")
	}
}

func TestHostname(t *testing.T) {
	l := open(t, "testdata/hostnames.json")
	if l.Stats() != (Stats{Entries: 4, Malformed: 2}) || l.Version() != 20240102 {
		t.Fatalf("stats %+v", l.Stats())
	}
	for _, c := range []struct{ v, typ, want string }{
		{"example.com", "domain", "example.com"},
		{"WWW.Example.COM.", "domain", "example.com"},
		{"a.b.example.com", "domain", "example.com"},
		{"notexample.com", "domain", ""},
		{"example.com.evil.net", "domain", ""},
		{"x.wildcard.test", "domain", "wildcard.test"},
		{"dotted.test", "domain", "dotted.test"},
		{"upper.test", "domain", "upper.test"},
		{"https://cdn.example.com:8443/path?q=1", "url", "example.com"},
		{"admin@mail.example.com", "email", ""}, // email is not in matching_attributes
		{"example.com", "user-agent", ""},
		{"com", "domain", ""},
	} {
		if got := matched(t, l.LookupValue(c.v, c.typ)); got != c.want {
			t.Errorf("%s (%s): matched %q, want %q", c.v, c.typ, got, c.want)
		}
	}
	if l.Lookup(ip("1.2.3.4"), time.Time{}) != nil {
		t.Error("hostname list matched an address")
	}
}

func TestStringAndSubstring(t *testing.T) {
	s := open(t, "testdata/strings.json")
	if s.Name() != "misp:strings" || !s.Date().IsZero() {
		t.Fatalf("%s %v", s.Name(), s.Date())
	}
	if matched(t, s.LookupValue("Mozilla/5.0 (compatible; Googlebot/2.1)", "user-agent")) == "" ||
		matched(t, s.LookupValue("mozilla/5.0 (compatible; googlebot/2.1)", "user-agent")) != "" ||
		matched(t, s.LookupValue("Mozilla/5.0", "user-agent")) != "" {
		t.Error("string list is not exact")
	}
	if matched(t, s.Lookup(ip("8.8.8.8"), time.Time{})) != "8.8.8.8" || matched(t, s.LookupValue("2001:0db8::0001", "ip")) != "2001:db8::1" ||
		s.Lookup(ip("8.8.8.80"), time.Time{}) != nil {
		t.Error("string list addresses")
	}
	sub := open(t, "testdata/substrings.json")
	if matched(t, sub.LookupValue("Mozilla/5.0 zgrab/0.x", "user-agent")) != "zgrab" {
		t.Error("substring")
	}
	// Never substring-match an address, whatever type the caller says.
	if sub.Lookup(ip("1.2.3.4"), time.Time{}) != nil || sub.LookupValue("1.2.3.4", "ip") != nil ||
		sub.LookupValue("11.2.3.4", "user-agent") != nil {
		t.Error("substring list matched an address")
	}
	if sub.LookupValue("zgrab", "domain") != nil {
		t.Error("matching_attributes ignored")
	}
}

func TestRejects(t *testing.T) {
	_, err := Open(strings.NewReader(mustRead(t, "testdata/regex.json")), digest, "regex.json")
	if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), "regex") {
		t.Errorf("regex: %v", err)
	}
	good := mustRead(t, "testdata/cidr.json")
	for i := range len(good) - 1 {
		if _, err := Open(strings.NewReader(good[:i]), digest, "cut"); err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
	for name, in := range map[string]string{
		"empty":        "",
		"unknown key":  `{"description": "d", "list": [], "name": "n", "type": "cidr", "version": 1, "extra": 1}`,
		"missing":      `{"description": "d", "list": [], "name": "n", "type": "cidr"}`,
		"huge version": `{"description": "d", "list": [], "name": "n", "type": "cidr", "version": 1e400}`,
		"float":        `{"description": "d", "list": [], "name": "n", "type": "cidr", "version": 1.5}`,
		"bad type":     `{"description": "d", "list": [], "name": "n", "type": "glob", "version": 1}`,
		"trailing":     `{"description": "d", "list": [], "name": "n", "type": "cidr", "version": 1} x`,
		"list of ints": `{"description": "d", "list": [1], "name": "n", "type": "cidr", "version": 1}`,
	} {
		_, err := Open(strings.NewReader(in), digest, name)
		if err == nil || !strings.HasPrefix(err.Error(), "warninglist: \""+name+"\"") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestListID(t *testing.T) {
	for in, want := range map[string]string{
		"lists/amazon-aws/list.json": "amazon-aws",
		`C:\x\google-gcp\list.json`:  "google-gcp",
		"tor.json":                   "tor",
		"list.json":                  "list-of-things",
		"":                           "list-of-things",
	} {
		if got := listID(in, "List of things!"); got != want {
			t.Errorf("listID(%q) = %q, want %q", in, got, want)
		}
	}
}

// The MISP snapshot in ../shared/data/misp-warninglists, figures from INDEX.md.
func TestSnapshot(t *testing.T) {
	dir := sampledata.Path(t, "misp-warninglists", "lists")
	for id, want := range map[string]struct {
		n       int
		version int64
	}{
		"amazon-aws": {3847, 20260811}, "google-gcp": {471, 20260811}, "public-dns-v4": {62745, 20240615},
		"sinkholes": {107, 2}, "shodan-scanning": {42, 1}, "censys-scanning": {13, 3}, "rfc5735": {15, 5},
		"multicast": {16, 4}, "rfc1918": {3, 5}, "rfc6598": {1, 5}, "ipv6-linklocal": {1, 3},
	} {
		l := open(t, filepath.Join(dir, id, "list.json"))
		if l.Name() != "misp:"+id || l.Stats().Entries != want.n || l.Stats().Malformed != 0 || l.Version() != want.version {
			t.Errorf("%s: %s %+v v%d", id, l.Name(), l.Stats(), l.Version())
		}
	}
	aws := open(t, filepath.Join(dir, "amazon-aws", "list.json"))
	if !aws.Date().Equal(time.Date(2026, 8, 11, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("amazon-aws date %v", aws.Date())
	}
	if aws.Lookup(ip("50.16.19.13"), time.Time{}) == nil || aws.Lookup(ip("66.249.73.135"), time.Time{}) != nil {
		t.Error("amazon-aws: 50.16.19.13 must match, 66.249.73.135 must not")
	}
	dns := open(t, filepath.Join(dir, "public-dns-v4", "list.json"))
	if matched(t, dns.Lookup(ip("8.8.8.8"), time.Time{})) != "8.8.8.8" {
		t.Error("public-dns-v4 lacks 8.8.8.8")
	}
	if open(t, filepath.Join(dir, "rfc1918", "list.json")).Lookup(ip("192.168.1.1"), time.Time{}) == nil {
		t.Error("rfc1918")
	}
}

func FuzzOpen(f *testing.F) {
	for _, p := range []string{"cidr", "hostnames", "strings", "substrings", "regex"} {
		b, err := os.ReadFile("testdata/" + p + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "www.example.com")
	}
	f.Fuzz(func(t *testing.T, b []byte, v string) {
		l, err := Open(strings.NewReader(string(b)), digest, "fuzz")
		if err != nil {
			return
		}
		for _, typ := range []string{"ip", "domain", "url", "email", "user-agent", "user"} {
			l.LookupValue(v, typ)
		}
		if a, err := netip.ParseAddr(v); err == nil {
			l.Lookup(a, time.Time{})
		}
	})
}
