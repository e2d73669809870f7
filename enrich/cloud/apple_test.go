package cloud

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func openApple(t testing.TB, b []byte, date time.Time) *Ranges {
	t.Helper()
	r, err := OpenAppleRelay(bytes.NewReader(b), digest, "egress-ip-ranges.csv", date)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppleFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/egress-ip-ranges.csv")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 8, 20, 6, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	r := openApple(t, b, date)
	if r.Provider() != Apple || r.Name() != "apple-private-relay-egress" || r.Type() != "cloud-ranges" ||
		r.Digest() != digest || !r.Date().Equal(date) || r.Date().Location() != time.UTC {
		t.Fatalf("%s %s %s %v", r.Provider(), r.Name(), r.Type(), r.Date())
	}
	if st := r.Stats(); st.IPv4 != 6 || st.IPv6 != 1 || st.Malformed != 9 || st.FirstMalformed != 10 ||
		len(st.Services) != 1 || st.Services[ServiceICloudPrivateRelay] != 7 {
		t.Fatalf("stats %+v", st)
	}
	services := []string{"ICLOUD_PRIVATE_RELAY"}
	check(t, lookup1(t, r, "172.224.226.40"), "172.224.226.32/27", map[string]any{
		"provider": "apple", "service": "ICLOUD_PRIVATE_RELAY", "services": services,
		"country": "GB", "region": "GB-EN", "city": "London", "postal_code": nil,
		"matches": []any{map[string]any{"prefix": "172.224.226.32/27", "service": "ICLOUD_PRIVATE_RELAY",
			"country": "GB", "region": "GB-EN", "city": "London"}},
	})
	check(t, lookup1(t, r, "172.225.46.127"), "172.225.46.64/26", map[string]any{"city": "Los Angeles", "region": "US-CA"})
	check(t, lookup1(t, r, "104.28.0.5"), "104.28.0.0/24", map[string]any{"country": "DE", "city": "Berlin", "postal_code": "10115"})
	o := lookup1(t, r, "104.28.0.200") // nested in 104.28.0.0/24
	check(t, o, "104.28.0.128/25", map[string]any{"country": "DE", "region": nil, "city": nil, "services": services})
	if n := len(o.Fields["matches"].([]any)); n != 2 {
		t.Errorf("104.28.0.200: %d matches", n)
	}
	check(t, lookup1(t, r, "2a02:26f7:b3c0:4000::1"), "2a02:26f7:b3c0:4000::/64", map[string]any{"country": "FR", "city": "Paris"})
	check(t, lookup1(t, r, "::ffff:146.75.146.1"), "146.75.146.0/28", map[string]any{"country": "JP", "city": "Tokyo"})
	// Addresses only on malformed lines, or next to the ranges: no observation.
	for _, a := range []string{"172.224.227.1", "172.224.228.1", "172.224.229.1", "172.224.230.1", "172.224.233.1",
		"172.224.234.1", "172.224.225.255", "172.225.46.128", "104.28.1.0", "2a02:26f7:b3c0:4001::", "0.0.0.0"} {
		if obs := r.Lookup(netip.MustParseAddr(a), time.Time{}); obs != nil {
			t.Errorf("%s: %v", a, obs)
		}
	}
	// No date from the caller: unknown.
	if r := openApple(t, b, time.Time{}); !r.Date().IsZero() {
		t.Errorf("date %v", r.Date())
	}
}

func TestAppleRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"comments only": "# nothing\n\n",
		"all malformed": "172.224.227.1/27,GB,GB-EN,London,\n1.2.3.0/24\n",
		"json":          `{"prefixes": []}`,
		"bulk list":     "1.2.3.4\n5.6.7.8\n",
	} {
		_, err := OpenAppleRelay(strings.NewReader(in), digest, name, time.Time{})
		if !errors.Is(err, ErrNoPrefixes) || !strings.HasPrefix(err.Error(), "cloud: \""+name+"\"") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A read error is returned, not swallowed.
	_, err := OpenAppleRelay(&failReader{data: "1.2.3.0/24,GB,,,\n"}, digest, "r", time.Time{})
	if !errors.Is(err, errRead) {
		t.Errorf("read error: %v", err)
	}
	// A final line without a newline still counts; a BOM is skipped.
	r := openApple(t, []byte("\ufeff1.2.3.0/24,NL,NL-NH,Amsterdam,\n5.6.7.0/24,SE,SE-AB,Stockholm,"), time.Time{})
	if st := r.Stats(); st.IPv4 != 2 || st.Malformed != 0 {
		t.Errorf("stats %+v", st)
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

func FuzzOpenAppleRelay(f *testing.F) {
	b, err := os.ReadFile("testdata/egress-ip-ranges.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("2a02:26f7::/32,FR,,,\n::/0,US,,,\n0.0.0.0/0,US,,,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := OpenAppleRelay(bytes.NewReader(b), digest, "fuzz", time.Time{})
		if err != nil {
			return
		}
		st := r.Stats()
		if st.IPv4+st.IPv6 != len(r.recs) || st.Services[ServiceICloudPrivateRelay] != len(r.recs) {
			t.Fatalf("stats %+v for %d records", st, len(r.recs))
		}
		for _, rec := range r.recs {
			obs := r.Lookup(rec.prefix.Addr(), time.Time{})
			if len(obs) != 1 || obs[0].Fields["country"] == nil {
				t.Fatalf("%v: %v", rec.prefix, obs)
			}
		}
	})
}
