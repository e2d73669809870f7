package whois

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/sampledata"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParseIPSamples checks the real port-43 answers of all five RIRs
// against the figures in ../shared/data/INDEX.md.
func TestParseIPSamples(t *testing.T) {
	type want struct {
		registry, source, first, last, prefixes, netName, org, orgID, country, abuse, origin string
		created, updated                                                                     time.Time
	}
	cases := []struct {
		file, addr string
		want       want
	}{
		{"arin_74.125.225.229.txt", "74.125.225.229", want{"ARIN", "", "74.125.0.0", "74.125.255.255", "74.125.0.0/16",
			"GOOGLE", "Google Inc.", "GOGL", "US", "arin-contact@google.com", "", day("2007-03-13"), day("2012-02-24")}},
		{"arin_2001_4860_4860__8888.txt", "2001:4860:4860::8888", want{"ARIN", "", "2001:4860::", "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", "2001:4860::/32",
			"GOOGLE-IPV6", "Google Inc.", "GOGL", "US", "arin-contact@google.com", "AS15169", day("2005-03-14"), day("2012-02-24")}},
		{"ripe_62.239.237.1.txt", "62.239.237.1", want{"RIPE", "RIPE", "62.239.237.0", "62.239.237.255", "62.239.237.0/24",
			"BT-CORPORATE", "BT Corporate Registry", "", "GB", "protect@bt.com", "AS2856",
			time.Date(2008, 8, 14, 14, 54, 30, 0, time.UTC), time.Date(2008, 8, 14, 14, 54, 30, 0, time.UTC)}},
		{"ripe_2a00_2381_ffff__1.txt", "2a00:2381:ffff::1", want{"RIPE", "RIPE", "2a00:2381:ffff::", "2a00:2381:ffff:0:ffff:ffff:ffff:ffff", "2a00:2381:ffff::/64",
			"BT-WORLD-IPVSIX-LAUNCH", "BT World IPv6 Launch", "", "GB", "protect@bt.com", "AS2856",
			time.Date(2012, 5, 29, 7, 49, 44, 0, time.UTC), time.Date(2012, 5, 29, 7, 49, 44, 0, time.UTC)}},
		{"apnic_210.107.73.73.txt", "210.107.73.73", want{"APNIC", "APNIC", "210.107.0.0", "210.107.127.255", "210.107.0.0/17",
			"BORANET-NET-210-107", "DACOM BORANET", "", "KR", "hostmaster@nic.or.kr", "", day("2002-10-25"), day("2002-10-25")}},
		{"apnic_2001_240_10c_1__ca20_9d1d.txt", "2001:240:10c:1::ca20:9d1d", want{"APNIC", "JPNIC", "2001:240:10c::", "2001:240:10c:ffff:ffff:ffff:ffff:ffff", "2001:240:10c::/48",
			"IIJ-PRJNET", "Internet Initiative Japan Inc.", "", "JP", "", "", day("2007-03-16"), day("2015-01-13")}},
		{"lacnic_200.57.141.161.txt", "200.57.141.161", want{"LACNIC", "", "200.57.128.0", "200.57.159.255", "200.57.128.0/19",
			"", "Triara.com, S.A. de C.V.", "MX-TSCV6-LACNIC", "MX", "operacion.redes@TRIARA.COM", "", day("2000-12-04"), day("2014-07-16")}},
		{"lacnic_2801_10_c000__.txt", "2801:10:c000::", want{"LACNIC", "", "2801:10:c000::", "2801:10:c000:ffff:ffff:ffff:ffff:ffff", "2801:10:c000::/48",
			"", "Universidad Catolica de Oriente", "CO-UCOR-LACNIC", "CO", "sistemas.red@UCO.EDU.CO", "", day("2013-10-29"), day("2013-10-29")}},
		{"afrinic_196.11.240.215.txt", "196.11.240.215", want{"AFRINIC", "AFRINIC", "196.11.239.0", "196.11.246.255",
			"196.11.239.0/24 196.11.240.0/22 196.11.244.0/23 196.11.246.0/24",
			"NET-196-11-239-0", "MTN SA", "ORG-VSA1-AFRINIC", "ZA", "", "", time.Time{}, time.Time{}}},
		{"afrinic_2001_43f8_7b0__.txt", "2001:43f8:7b0::", want{"AFRINIC", "AFRINIC", "2001:43f8:7b0::", "2001:43f8:7b0:ffff:ffff:ffff:ffff:ffff", "2001:43f8:7b0::/48",
			"Tespok", "Telecommunication Sevice  Providers Association of Kenya - TESPOK", "ORG-TA38-AFRINIC", "KE", "", "", time.Time{}, time.Time{}}},
	}
	// ipwhois's own oracle: the country of the ASN record, and the raw text.
	var oracle map[string]struct {
		ASN struct {
			Country string `json:"asn_country_code"`
		} `json:"asn_data"`
		Response string `json:"response"`
	}
	js, err := os.ReadFile(sampledata.Path(t, "ipwhois-secynic", "whois.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &oracle); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(sampledata.Path(t, "ipwhois-secynic", "raw", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			addr := netip.MustParseAddr(tc.addr)
			r, err := ParseIP(raw, addr)
			if err != nil {
				t.Fatal(err)
			}
			var ps []string
			for _, p := range r.Prefixes {
				ps = append(ps, p.String())
			}
			got := want{r.Registry, r.Source, r.First.String(), r.Last.String(), strings.Join(ps, " "),
				r.NetName, r.Org, r.OrgID, r.Country, r.AbuseEmail, r.OriginAS, r.Created, r.Updated}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if r.Malformed != 0 {
				t.Errorf("Malformed = %d, want 0", r.Malformed)
			}
			o, ok := oracle[tc.addr]
			if !ok {
				t.Fatalf("%s not in whois.json", tc.addr)
			}
			if o.ASN.Country != r.Country {
				t.Errorf("country %q, ipwhois says %q", r.Country, o.ASN.Country)
			}
			if o.Response != string(raw) {
				t.Errorf("raw file differs from whois.json response")
			}
			// Without an address the most specific network is the same.
			r2, err := ParseIP(raw, netip.Addr{})
			if err != nil || r2.NetName != r.NetName || r2.First != r.First {
				t.Errorf("without address: %+v, %v", r2, err)
			}
		})
	}
}

// TestParseIPGolden parses every fixture under testdata/ip and compares the
// result (or error) with its .golden.json file. Run with -update to rewrite.
func TestParseIPGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/ip/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Record *IPRecord `json:"record,omitempty"`
				Error  string    `json:"error,omitempty"`
			}
			out.Record, err = ParseIP(raw, netip.Addr{})
			if err != nil {
				out.Error = err.Error()
			}
			got, _ := json.MarshalIndent(out, "", "  ")
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs:\n%s", golden, got)
			}
		})
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseIPFixtures(t *testing.T) {
	cases := []struct {
		file, addr                           string
		netName, network, org, abuse, cc, as string
		err                                  error
	}{
		// ARIN parent and child: the child holds 23.4.9.1, the parent the rest.
		{"ip/arin-parent-child.txt", "23.4.9.1", "EXAMPLE-CUST-1", "23.4.8.0/22", "Example Hosting LLC", "abuse@hosting.example", "CA", "", nil},
		{"ip/arin-parent-child.txt", "23.1.2.3", "EXAMPLE-PARENT", "23.0.0.0/12", "Example Transit Inc.", "abuse@transit.example", "US", "AS64500", nil},
		{"ip/arin-parent-child.txt", "24.0.0.1", "", "", "", "", "", "", ErrNotFound},
		// APNIC allocation with an irt, and a KRNIC assignment inside it.
		{"ip/apnic-irt.txt", "27.96.200.1", "EXAMPLE-AP", "27.96.0.0/16", "Example Telecom Network Operations", "abuse@telecom.example", "JP", "", nil},
		{"ip/apnic-irt.txt", "27.96.16.9", "EXAMPLE-CUSTOMER-KR", "27.96.16.0/24", "Example Customer", "", "KR", "", nil},
		// RIPE with CRLF, a continuation line, the abuse comment and routes.
		{"ip/ripe-crlf.txt", "31.3.1.1", "EXAMPLE-NET", "31.3.0.0/22", "Example B.V.", "abuse@isp.example", "NL", "AS64503", nil},
		// LACNIC short form "177.10/15", abuse-c person, CRLF.
		{"ip/lacnic-short-crlf.txt", "177.11.0.1", "", "177.10.0.0/15", "Example Provedor Ltda", "abuse@provedor.example", "BR", "AS64504", nil},
		// AFRINIC: abuse via the organisation's abuse-c; an IPv6 network of
		// another family is never chosen for an IPv4 address.
		{"ip/afrinic-org-abusec.txt", "41.77.2.2", "EXAMPLE-AF", "41.77.0.0/22", "Example Networks Ltd", "abuse@networks.example", "KE", "", nil},
		{"ip/arin-nomatch.txt", "23.255.255.1", "", "", "", "", "", "", ErrNotFound},
		{"ip/ripe-noentries.txt", "31.3.1.1", "", "", "", "", "", "", ErrNotFound},
		{"ip/ripe-refused.txt", "31.3.1.1", "", "", "", "", "", "", ErrMalformed},
		{"ip/not-whois.txt", "31.3.1.1", "", "", "", "", "", "", ErrMalformed},
	}
	for _, tc := range cases {
		r, err := ParseIP(fixture(t, tc.file), netip.MustParseAddr(tc.addr))
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s %s: err %v, want %v", tc.file, tc.addr, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", tc.file, tc.addr, err)
			continue
		}
		got := []string{r.NetName, r.Network(), r.Org, r.AbuseEmail, r.Country, r.OriginAS}
		want := []string{tc.netName, tc.network, tc.org, tc.abuse, tc.cc, tc.as}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s %s:\n got %q\nwant %q", tc.file, tc.addr, got, want)
		}
	}
	// Explicit figures the table does not cover.
	r, _ := ParseIP(fixture(t, "ip/apnic-irt.txt"), netip.MustParseAddr("27.96.200.1"))
	if r.Created != day("2009-01-01") || r.Updated != day("2015-03-01") || r.Registry != "APNIC" {
		t.Errorf("apnic changed dates: %v %v %s", r.Created, r.Updated, r.Registry)
	}
	r, _ = ParseIP(fixture(t, "ip/apnic-irt.txt"), netip.MustParseAddr("27.96.16.9"))
	if r.Registry != "APNIC" || r.Source != "KRNIC" {
		t.Errorf("KRNIC: registry %q source %q", r.Registry, r.Source)
	}
	r, _ = ParseIP(fixture(t, "ip/ripe-crlf.txt"), netip.Addr{})
	if len(r.Descr) != 1 || r.Descr[0] != "Example customer continued on a second line" ||
		r.Updated != time.Date(2020, 7, 8, 9, 10, 11, 0, time.UTC) {
		t.Errorf("ripe descr %q updated %v", r.Descr, r.Updated)
	}
	r, _ = ParseIP(fixture(t, "ip/lacnic-short-crlf.txt"), netip.Addr{})
	if r.OrgID != "BR-EXPR-LACNIC" || r.Created != day("2011-09-30") || r.Updated != day("2019-02-15") || r.Range() != "177.10.0.0 - 177.11.255.255" {
		t.Errorf("lacnic: %+v", r)
	}
	if _, err := ParseIP(nil, netip.Addr{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty: %v", err)
	}
	if _, err := ParseIP(make([]byte, maxParse+1), netip.Addr{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("oversize: %v", err)
	}
	long := append([]byte("inetnum: 10.0.0.0 - 10.0.0.255\nremarks: "), bytes.Repeat([]byte("x"), maxLine)...)
	if r, err := ParseIP(long, netip.Addr{}); err != nil || r.Malformed != 1 {
		t.Errorf("long line: %+v %v", r, err)
	}
}

func TestParseRange(t *testing.T) {
	cases := []struct{ in, first, last string }{
		{"200.57.128/19", "200.57.128.0", "200.57.159.255"},
		{"10/8", "10.0.0.0", "10.255.255.255"},
		{"177.10/15", "177.10.0.0", "177.11.255.255"},
		{"192.0.2.7/24", "192.0.2.0", "192.0.2.255"}, // host bits masked
		{"2001:0240::/32", "2001:240::", "2001:240:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:4860:: - 2001:4860:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "2001:4860::", "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"196.11.239.0 - 196.11.246.255", "196.11.239.0", "196.11.246.255"},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"10.0.0.0/8, 11.0.0.0/8", "10.0.0.0", "10.255.255.255"},
	}
	for _, tc := range cases {
		f, l, ok := parseRange(tc.in)
		if !ok || f.String() != tc.first || l.String() != tc.last {
			t.Errorf("parseRange(%q) = %v %v %v, want %s %s", tc.in, f, l, ok, tc.first, tc.last)
		}
	}
	for _, bad := range []string{"", "10.0.0.1 - 10.0.0.0", "10.0.0.0 - ::1", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
		"1.2.3.4.5/8", "fe80::1%eth0/64", "::ffff:1.2.3.0/120", "x - y", "10.0.0.0/", "/8", "010.0.0.0/8"} {
		if f, l, ok := parseRange(bad); ok {
			t.Errorf("parseRange(%q) = %v %v, want rejection", bad, f, l)
		}
	}
}

func TestRangePrefixes(t *testing.T) {
	cases := []struct{ first, last, want string }{
		{"196.11.239.0", "196.11.246.255", "196.11.239.0/24 196.11.240.0/22 196.11.244.0/23 196.11.246.0/24"},
		{"10.0.0.1", "10.0.0.1", "10.0.0.1/32"},
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"0.0.0.1", "0.0.0.6", "0.0.0.1/32 0.0.0.2/31 0.0.0.4/31 0.0.0.6/32"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0"},
		{"::1", "::2", "::1/128 ::2/128"},
		{"2001:db8::", "2001:db8:0:1:ffff:ffff:ffff:ffff", "2001:db8::/63"},
	}
	for _, tc := range cases {
		var got []string
		for _, p := range rangePrefixes(netip.MustParseAddr(tc.first), netip.MustParseAddr(tc.last)) {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s-%s: %s, want %s", tc.first, tc.last, got, tc.want)
		}
	}
}

// checkPrefixes verifies that r.Prefixes are valid, masked, contiguous and
// cover exactly [First, Last].
func checkPrefixes(t *testing.T, r *IPRecord) {
	t.Helper()
	if len(r.Prefixes) == 0 {
		t.Fatalf("no prefixes for %s", r.Range())
	}
	next := r.First
	for i, p := range r.Prefixes {
		if !p.IsValid() || p.Masked() != p || p.Addr() != next || p.Addr().Is4() != r.First.Is4() {
			t.Fatalf("prefix %d %v invalid for range %s", i, p, r.Range())
		}
		end := lastAddr(p)
		if i == len(r.Prefixes)-1 {
			if end != r.Last {
				t.Fatalf("prefixes end at %v, range at %v", end, r.Last)
			}
		} else {
			next = end.Next()
		}
	}
}

func FuzzParseIP(f *testing.F) {
	files, _ := filepath.Glob("testdata/ip/*.txt")
	if d := sampledata.Dir(); d != "" {
		more, _ := filepath.Glob(filepath.Join(d, "ipwhois-secynic", "raw", "*.txt"))
		files = append(files, more...)
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "")
		}
	}
	f.Add([]byte("inetnum: 1.2/9\r\ninetnum: ::/0\n"), "1.2.3.4")
	f.Add([]byte("NetRange: 1.0.0.0 - 1.0.0.0\n\nNetRange: 0.0.0.0 - 255.255.255.255\n"), "::1")
	f.Fuzz(func(t *testing.T, raw []byte, a string) {
		addr, _ := netip.ParseAddr(a)
		r, err := ParseIP(raw, addr)
		if err != nil {
			if r != nil || !(errors.Is(err, ErrNotFound) || errors.Is(err, ErrMalformed)) {
				t.Fatalf("record %v with error %v", r, err)
			}
			return
		}
		if r.Last.Less(r.First) || r.First.Is4() != r.Last.Is4() {
			t.Fatalf("bad range %s", r.Range())
		}
		if addr.IsValid() && (addr.Unmap().Less(r.First) || r.Last.Less(addr.Unmap())) {
			t.Fatalf("range %s does not contain %s", r.Range(), addr)
		}
		checkPrefixes(t, r)
	})
}

func BenchmarkParseIP(b *testing.B) {
	raw := fixture(b, "ip/arin-parent-child.txt")
	addr := netip.MustParseAddr("23.4.9.1")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseIP(raw, addr); err != nil {
			b.Fatal(err)
		}
	}
}
