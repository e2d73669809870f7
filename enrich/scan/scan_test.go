package scan

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
)

const digest = "sha256:5555555555555555555555555555555555555555555555555555555555555555"

func open(t testing.TB, path string) *Results {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(b), digest, path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// lookup1 checks the observation's header and returns its fields.
func lookup1(t *testing.T, r *Results, addr, lastSeen string) map[string]any {
	t.Helper()
	obs := r.Lookup(netip.MustParseAddr(addr), time.Time{})
	if len(obs) != 1 {
		t.Fatalf("%s: %d observations", addr, len(obs))
	}
	o := obs[0]
	if o.Indicator != netip.MustParseAddr(addr).Unmap().String() || o.Source != r.Name() || o.SourceType != enrich.TypeScan ||
		o.Dataset != digest || !o.DatasetDate.Equal(r.Date()) || o.Reliability != "B" || o.Network != "" ||
		!o.ValidAt.Equal(date(lastSeen)) || o.Fields["last_seen"] != lastSeen {
		t.Fatalf("%s: header %+v", addr, o)
	}
	return o.Fields
}

func TestShodan(t *testing.T) {
	r := open(t, "testdata/shodan.jsonl")
	if r.Name() != "shodan" || r.Type() != "scan" || r.Digest() != digest || !r.Date().Equal(date("2026-08-21T05:06:07.5Z")) {
		t.Fatalf("%s %s %s %v", r.Name(), r.Type(), r.Digest(), r.Date())
	}
	if st := r.Stats(); st != (Stats{Lines: 20, Records: 5, Addresses: 3, Malformed: 14, FirstMalformed: 7}) {
		t.Fatalf("stats %+v", st)
	}
	for _, c := range []struct {
		addr, last string
		want       map[string]any
	}{
		// Three banners: ports merged, tags merged, AS and org from the latest.
		{"192.0.2.7", "2026-08-19T01:02:03.000001Z", map[string]any{"ports": []any{23, 7547}, "tags": []any{"iot", "router"},
			"asn": "AS64501", "org": "Example Telecom 2", "last_seen": "2026-08-19T01:02:03.000001Z"}},
		{"::ffff:192.0.2.7", "2026-08-19T01:02:03.000001Z", nil},
		{"2001:db8::5", "2026-08-20T00:00:00Z", map[string]any{"ports": []any{443}, "org": "V6 Host", "last_seen": "2026-08-20T00:00:00Z"}},
		{"198.51.100.9", "2026-08-21T05:06:07.5Z", map[string]any{"ports": []any{161}, "asn": "AS64502", "last_seen": "2026-08-21T05:06:07.5Z"}},
	} {
		f := lookup1(t, r, c.addr, c.last)
		if c.want != nil && !reflect.DeepEqual(f, c.want) {
			t.Errorf("%s: fields %#v, want %#v", c.addr, f, c.want)
		}
	}
	for _, a := range []string{"198.51.100.10", "198.51.100.12", "198.51.100.17", "198.51.100.19", "203.0.113.1", "192.0.2.8", "fe80::1"} {
		if obs := r.Lookup(netip.MustParseAddr(a), time.Time{}); obs != nil {
			t.Errorf("%s: %v", a, obs)
		}
	}
	if obs := r.Lookup(netip.Addr{}, time.Time{}); obs != nil {
		t.Errorf("invalid address: %v", obs)
	}
	// Observations are the caller's to modify.
	f := lookup1(t, r, "192.0.2.7", "2026-08-19T01:02:03.000001Z")
	f["ports"].([]any)[0] = 99
	if f := lookup1(t, r, "192.0.2.7", "2026-08-19T01:02:03.000001Z"); f["ports"].([]any)[0] != 23 {
		t.Error("Lookup shares its fields")
	}
}

func TestExport(t *testing.T) {
	r := open(t, "testdata/export.jsonl")
	if r.Name() != "scan-export" || !r.Date().Equal(date("2026-08-12T06:00:00Z")) {
		t.Fatalf("%s %v", r.Name(), r.Date())
	}
	if st := r.Stats(); st != (Stats{Lines: 12, Records: 4, Addresses: 3, Malformed: 8, FirstMalformed: 5}) {
		t.Fatalf("stats %+v", st)
	}
	for _, c := range []struct {
		addr, last string
		want       map[string]any
	}{
		{"203.0.113.10", "2026-08-12T06:00:00Z", map[string]any{"ports": []any{23, 80, 443, 8080}, "tags": []any{"router", "telnet"},
			"asn": "AS64511", "org": "Home ISP", "last_seen": "2026-08-12T06:00:00Z"}},
		{"203.0.113.11", "2026-08-11T00:00:00Z", map[string]any{"ports": []any{}, "last_seen": "2026-08-11T00:00:00Z"}},
		{"2001:db8::7", "2026-08-09T12:00:00Z", map[string]any{"ports": []any{22}, "org": "Six", "last_seen": "2026-08-09T12:00:00Z"}},
	} {
		if f := lookup1(t, r, c.addr, c.last); !reflect.DeepEqual(f, c.want) {
			t.Errorf("%s: fields %#v, want %#v", c.addr, f, c.want)
		}
	}
	for _, a := range []string{"203.0.113.12", "203.0.113.13", "203.0.113.14", "203.0.113.15", "203.0.113.16", "203.0.113.17"} {
		if obs := r.Lookup(netip.MustParseAddr(a), time.Time{}); obs != nil {
			t.Errorf("%s: %v", a, obs)
		}
	}
}

func TestBounds(t *testing.T) {
	line := func(pad int) string {
		return fmt.Sprintf(`{"ip_str":"192.0.2.1","port":22,"timestamp":"2026-08-01T00:00:00","data":"%s"}`, strings.Repeat("x", pad))
	}
	n := len(line(0))
	in := line(MaxLine-n) + "\n" + line(MaxLine-n+1) + "\n" + `{"ip_str":"192.0.2.2","port":22,"timestamp":"2026-08-01T00:00:00"}`
	r, err := Open(strings.NewReader(in), digest, "long")
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st != (Stats{Lines: 3, Records: 2, Addresses: 2, Malformed: 1, FirstMalformed: 2}) {
		t.Errorf("stats %+v", st)
	}
	// Tags per address are capped.
	var b strings.Builder
	for i := range MaxTags + 10 {
		fmt.Fprintf(&b, `{"ip":"192.0.2.1","timestamp":"2026-08-01T00:00:00Z","ports":[%d],"tags":["t%03d"]}`+"\n", i+1, i)
	}
	r, err = Open(strings.NewReader(b.String()), digest, "tags")
	if err != nil {
		t.Fatal(err)
	}
	f := r.Lookup(netip.MustParseAddr("192.0.2.1"), time.Time{})[0].Fields
	if len(f["tags"].([]any)) != MaxTags || len(f["ports"].([]any)) != MaxTags+10 {
		t.Errorf("%d tags, %d ports", len(f["tags"].([]any)), len(f["ports"].([]any)))
	}
}

func TestRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"blank":         "\n\n  \n",
		"all malformed": `{"ip_str":"192.0.2.1","port":0,"timestamp":"2026-08-01T00:00:00"}` + "\n" + `{"ip":"x","ports":[]}`,
		"json object":   `{"prefixes": []}`,
		"text":          "192.0.2.1\n",
	} {
		_, err := Open(strings.NewReader(in), digest, name)
		if !errors.Is(err, ErrNoRecords) || !strings.HasPrefix(err.Error(), "scan: \""+name+"\"") {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := Open(&failReader{data: `{"ip":"192.0.2.1","timestamp":"2026-08-01T00:00:00Z","ports":[1]}` + "\n"}, digest, "r")
	if !errors.Is(err, errRead) || !strings.HasPrefix(err.Error(), `scan: read "r"`) {
		t.Errorf("read error: %v", err)
	}
}

var errRead = errors.New("disk on fire")

type failReader struct{ data string }

func (f *failReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, errRead
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestParseASN(t *testing.T) {
	for in, want := range map[string]string{
		``: "", `null`: "", `""`: "", `"AS64500"`: "AS64500", `"as64500"`: "AS64500", `"64500"`: "AS64500", `64500`: "AS64500",
		`4294967295`: "AS4294967295", `"AS0"`: "!", `0`: "!", `"AS"`: "!", `"AS-1"`: "!", `-1`: "!", `1.5`: "!", `1e3`: "!",
		`"AS 1"`: "!", `4294967296`: "!", `true`: "!", `[1]`: "!", `"0645"`: "!",
	} {
		got, ok := parseASN([]byte(in))
		if !ok {
			got = "!"
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, p := range []string{"testdata/shodan.jsonl", "testdata/export.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"ip_str":"1.2.3.4","port":23,"timestamp":"2026-01-02T03:04:05.5","asn":"AS1","tags":["a"]}`))
	f.Add([]byte(`{"ip":"::1","timestamp":"2026-01-02T03:04:05Z","ports":[2,1],"asn":7,"org":"o"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Open(bytes.NewReader(b), digest, "fuzz")
		if err != nil {
			return
		}
		st := r.Stats()
		if st.Addresses != len(r.hosts) || st.Records < st.Addresses || st.Records+st.Malformed > st.Lines {
			t.Fatalf("stats %+v, %d hosts", st, len(r.hosts))
		}
		for a, h := range r.hosts {
			obs := r.Lookup(a, time.Time{})
			if len(obs) != 1 || obs[0].ValidAt.After(r.Date()) || !obs[0].ValidAt.Equal(h.last) {
				t.Fatalf("%v: %+v", a, obs)
			}
			ports := obs[0].Fields["ports"].([]any)
			for i := 1; i < len(ports); i++ {
				if ports[i-1].(int) >= ports[i].(int) {
					t.Fatalf("%v: ports %v", a, ports)
				}
			}
		}
	})
}
