package cloud

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/sampledata"
)

const digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"

func open(t testing.TB, path string) *Ranges {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Open(f, digest, path, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func lookup1(t *testing.T, r *Ranges, addr string) enrich.Observation {
	t.Helper()
	obs := r.Lookup(netip.MustParseAddr(addr), time.Time{})
	if len(obs) != 1 {
		t.Fatalf("%s: %d observations", addr, len(obs))
	}
	o := obs[0]
	if o.Source != r.Name() || o.SourceType != enrich.TypeCloudRanges || o.Dataset != digest || o.Reliability != "A" ||
		!o.DatasetDate.Equal(r.Date()) || o.Indicator != netip.MustParseAddr(addr).Unmap().String() {
		t.Fatalf("%s: header %+v", addr, o)
	}
	return o
}

func check(t *testing.T, o enrich.Observation, network string, fields map[string]any) {
	t.Helper()
	if o.Network != network {
		t.Errorf("%s: network %s, want %s", o.Indicator, o.Network, network)
	}
	for k, v := range fields {
		if !reflect.DeepEqual(o.Fields[k], v) {
			t.Errorf("%s: %s = %#v, want %#v", o.Indicator, k, o.Fields[k], v)
		}
	}
}

func TestAWSFixture(t *testing.T) {
	r := open(t, "testdata/ip-ranges.json")
	if r.Provider() != AWS || r.Name() != "aws-ip-ranges" || r.Type() != "cloud-ranges" ||
		!r.Date().Equal(time.Date(2026, 8, 22, 15, 17, 5, 0, time.UTC)) {
		t.Fatalf("%s %s %v", r.Provider(), r.Name(), r.Date())
	}
	if st := r.Stats(); st.IPv4 != 7 || st.IPv6 != 1 || st.Malformed != 1 || st.Services["EC2"] != 2 {
		t.Fatalf("stats %+v", st)
	}
	o := lookup1(t, r, "52.80.34.196")
	check(t, o, "52.80.0.0/16", map[string]any{
		"provider": "aws", "service": "EC2", "region": "cn-north-1", "network_border_group": "cn-north-1",
		"services": []string{"AMAZON", "EC2"},
		"matches": []any{
			map[string]any{"prefix": "52.80.0.0/16", "service": "EC2", "region": "cn-north-1", "network_border_group": "cn-north-1"},
			map[string]any{"prefix": "52.80.0.0/16", "service": "AMAZON", "region": "cn-north-1", "network_border_group": "cn-north-1"},
		},
	})
	o = lookup1(t, r, "54.230.202.37")
	check(t, o, "54.230.200.0/21", map[string]any{"service": "CLOUDFRONT", "services": []string{"AMAZON", "CLOUDFRONT"}})
	if n := len(o.Fields["matches"].([]any)); n != 3 {
		t.Errorf("54.230.202.37: %d matches", n)
	}
	check(t, lookup1(t, r, "54.230.1.1"), "54.230.0.0/16", map[string]any{"service": "AMAZON"})
	check(t, lookup1(t, r, "2406:daba:f000::1"), "2406:daba:f000::/40", map[string]any{"region": "ap-southeast-4"})
	for _, a := range []string{"52.81.0.0", "8.8.8.8", "2406:dabb::", "1.1.1.1"} {
		if obs := r.Lookup(netip.MustParseAddr(a), time.Time{}); obs != nil {
			t.Errorf("%s: %v", a, obs)
		}
	}
}

func TestGCPFixture(t *testing.T) {
	r := open(t, "testdata/cloud.json")
	if r.Provider() != GCP || r.Name() != "gcp-cloud" || !r.Date().Equal(time.Date(2024, 3, 12, 20, 44, 28, 474569000, time.UTC)) {
		t.Fatalf("%s %v", r.Provider(), r.Date())
	}
	if st := r.Stats(); st.IPv4 != 2 || st.IPv6 != 1 || st.Malformed != 3 {
		t.Fatalf("stats %+v", st)
	}
	check(t, lookup1(t, r, "34.35.1.2"), "34.35.0.0/16", map[string]any{"provider": "gcp", "service": "Google Cloud",
		"scope": "africa-south1", "region": "africa-south1"})
	check(t, lookup1(t, r, "2600:1900:8000::5"), "2600:1900:8000::/44", map[string]any{"scope": "us-east7"})
}

func TestAzureFixture(t *testing.T) {
	r := open(t, "testdata/ServiceTags_Public_20240311.json")
	if r.Provider() != Azure || r.Name() != "azure-service-tags" || !r.Date().Equal(time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%s %v", r.Provider(), r.Date())
	}
	if st := r.Stats(); st.IPv4 != 5 || st.IPv6 != 2 || st.Malformed != 1 {
		t.Fatalf("stats %+v", st)
	}
	o := lookup1(t, r, "20.50.1.1")
	check(t, o, "20.50.0.0/18", map[string]any{"provider": "azure", "service": "Storage.WestEurope", "region": "westeurope",
		"system_service": "AzureStorage", "services": []string{"AzureCloud", "AzureCloud.westeurope", "Storage.WestEurope"}})
	check(t, lookup1(t, r, "20.1.1.1"), "20.0.0.0/8", map[string]any{"service": "AzureCloud", "services": []string{"AzureCloud"}})
	check(t, lookup1(t, r, "2603:1020:200::1"), "2603:1020:200::/46", map[string]any{"service": "AzureCloud.westeurope"})

	// Without a date in the name, the caller's date.
	b, _ := os.ReadFile("testdata/ServiceTags_Public_20240311.json")
	d := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	r, err := Open(bytes.NewReader(b), digest, "tags.json", d)
	if err != nil || !r.Date().Equal(d) {
		t.Fatalf("%v %v", err, r)
	}
}

func TestRejects(t *testing.T) {
	good, err := os.ReadFile("testdata/ip-ranges.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(good) - 1 {
		if _, err := Open(bytes.NewReader(good[:i]), digest, "cut", time.Time{}); err == nil {
			t.Fatalf("truncated at %d: accepted", i)
		}
	}
	for name, in := range map[string]string{
		"empty":        ``,
		"array":        `[]`,
		"no prefixes":  `{"createDate": "2026-08-22-15-17-05", "prefixes": []}`,
		"unknown":      `{"list": ["1.2.3.0/24"], "type": "cidr"}`,
		"mixed":        `{"createDate": "2026-08-22-15-17-05", "prefixes": [{"ipv4Prefix": "1.2.3.0/24", "service": "x"}]}`,
		"bad date":     `{"createDate": "yesterday", "prefixes": []}`,
		"huge number":  `{"changeNumber": 1e400, "values": []}`,
		"big integer":  `{"changeNumber": 99999999999999999999999, "values": []}`,
		"duplicate":    `{"prefixes": [], "prefixes": []}`,
		"trailing":     `{"prefixes": [{"ip_prefix": "1.2.3.0/24", "service": "EC2"}]} {}`,
		"not an array": `{"prefixes": {"ip_prefix": "1.2.3.0/24"}}`,
		"truncated":    `{"prefixes": [{"ip_prefix": "1.2.3.0/24", "service": "EC2"}`,
	} {
		_, err := Open(strings.NewReader(in), digest, name, time.Time{})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cloud: \""+name+"\"") {
			t.Errorf("%s: error without context: %v", name, err)
		}
	}
	_, err = Open(strings.NewReader(`{"prefixes": [{"ip_prefix": "1.2.3.0/24", "service": "EC2"}`), digest, "t", time.Time{})
	if !strings.Contains(err.Error(), "truncated or invalid JSON") {
		t.Errorf("truncation error: %v", err)
	}
	if _, err := Open(strings.NewReader(`{"prefixes": [{"ip_prefix": "x", "service": "EC2"}]}`), digest, "t", time.Time{}); !errors.Is(err, ErrNoPrefixes) {
		t.Errorf("all malformed: %v", err)
	}
}

// The real AWS snapshot (../shared/data/aws-ip-ranges), figures from INDEX.md.
func TestAWSSnapshot(t *testing.T) {
	r := open(t, sampledata.Path(t, "aws-ip-ranges", "ip-ranges.json"))
	st := r.Stats()
	if st.IPv4 != 10668 || st.IPv6 != 6160 || st.Malformed != 0 {
		t.Fatalf("stats %+v", st)
	}
	// INDEX.md counts services over the IPv4 prefixes.
	v4 := map[string]int{}
	for _, rec := range r.recs {
		if rec.prefix.Addr().Is4() {
			v4[rec.service]++
		}
	}
	for svc, n := range map[string]int{"AMAZON": 6084, "EC2": 1924, "ROUTE53_RESOLVER": 638, "S3": 441, "API_GATEWAY": 214, "CLOUDFRONT": 211} {
		if v4[svc] != n {
			t.Errorf("%s: %d IPv4 prefixes, want %d", svc, v4[svc], n)
		}
	}
	if !r.Date().Equal(time.Date(2026, 8, 22, 15, 17, 5, 0, time.UTC)) {
		t.Errorf("date %v", r.Date())
	}
	check(t, lookup1(t, r, "52.80.34.196"), "52.80.0.0/16", map[string]any{"service": "EC2", "region": "cn-north-1"})
	check(t, lookup1(t, r, "54.230.202.37"), "54.230.200.0/21", map[string]any{"service": "CLOUDFRONT"})
	check(t, lookup1(t, r, "50.16.19.13"), "50.16.0.0/15", map[string]any{"service": "EC2", "region": "us-east-1"})
	check(t, lookup1(t, r, "216.216.185.130"), "216.216.0.0/15", map[string]any{"service": "AMAZON", "region": "ap-east-2"})
	if obs := r.Lookup(netip.MustParseAddr("66.249.73.135"), time.Time{}); obs != nil {
		t.Errorf("66.249.73.135 (Google) in AWS: %v", obs)
	}
}

func FuzzOpen(f *testing.F) {
	for _, p := range []string{"testdata/ip-ranges.json", "testdata/cloud.json", "testdata/ServiceTags_Public_20240311.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Open(bytes.NewReader(b), digest, "fuzz", time.Time{})
		if err != nil {
			return
		}
		for _, rec := range r.recs {
			if len(r.Lookup(rec.prefix.Addr(), time.Time{})) != 1 {
				t.Fatalf("%v not found", rec.prefix)
			}
		}
	})
}
