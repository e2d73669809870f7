package offline

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
)

const digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444"

func read(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenEachFormat(t *testing.T) {
	var asn bytes.Buffer
	if err := geoiptest.WriteASN(&asn, []geoiptest.ASNRecord{{Network: "52.80.0.0/16", Number: 16509, Organization: "AMAZON-02"}}, 1767225600); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, format, source, typ, addr string
		data                            []byte
	}{
		{"asn.mmdb", FormatMMDB, "GeoLite2-ASN", enrich.TypeMMDB, "52.80.34.196", asn.Bytes()},
		{"exit-addresses", FormatTorExits, "tor-exit-addresses", enrich.TypeTorExits, "185.241.208.232", read(t, "../tor/testdata/exit-addresses")},
		{"torbulkexitlist", FormatTorExits, "tor-bulk-exit-list", enrich.TypeTorExits, "194.26.192.64", read(t, "../tor/testdata/torbulkexitlist")},
		{"ip-ranges.json", FormatCloudRanges, "aws-ip-ranges", enrich.TypeCloudRanges, "52.80.34.196", read(t, "../cloud/testdata/ip-ranges.json")},
		{"cloud.json", FormatCloudRanges, "gcp-cloud", enrich.TypeCloudRanges, "34.35.0.1", read(t, "../cloud/testdata/cloud.json")},
		{"tags.json", FormatCloudRanges, "azure-service-tags", enrich.TypeCloudRanges, "20.50.0.1", read(t, "../cloud/testdata/ServiceTags_Public_20240311.json")},
		{"lists/test/list.json", FormatWarninglist, "misp:test", enrich.TypeWarninglist, "1.2.3.4", read(t, "../warninglist/testdata/cidr.json")},
		{"bulk-bom", FormatTorExits, "tor-bulk-exit-list", enrich.TypeTorExits, "1.2.3.4", []byte("\xef\xbb\xbf\n# list\n1.2.3.4\n")},
		{"egress-ip-ranges.csv", FormatAppleRelay, "apple-private-relay-egress", enrich.TypeCloudRanges, "172.224.226.1", read(t, "../cloud/testdata/egress-ip-ranges.csv")},
		{"Egress-IP-Ranges-2026-11-20.csv", FormatAppleRelay, "apple-private-relay-egress", enrich.TypeCloudRanges, "2a02:26f7::1", []byte("# geofeed\n\n2a02:26f7::/32,FR,FR-IDF,Paris,\n")},
		{"shodan.jsonl", FormatScan, "shodan", enrich.TypeScan, "192.0.2.7", read(t, "../scan/testdata/shodan.jsonl")},
		{"exposed-services.jsonl", FormatScan, "scan-export", enrich.TypeScan, "203.0.113.10", read(t, "../scan/testdata/export.jsonl")},
	} {
		if f := Sniff(c.data); f != c.format {
			t.Errorf("%s: Sniff = %q, want %q", c.name, f, c.format)
		}
		ds, err := Open(c.data, digest, c.name, Options{Date: date})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ds.Name() != c.source || ds.Type() != c.typ || ds.Digest() != digest {
			t.Errorf("%s: %s %s %s", c.name, ds.Name(), ds.Type(), ds.Digest())
		}
		obs := ds.Lookup(netip.MustParseAddr(c.addr), date)
		if len(obs) != 1 || obs[0].Source != c.source || obs[0].Dataset != digest {
			t.Errorf("%s: %s: %+v", c.name, c.addr, obs)
		}
		if (c.name == "tags.json" || c.format == FormatAppleRelay) && !ds.Date().Equal(date) {
			t.Errorf("%s: date %v, want the caller's", c.name, ds.Date())
		}
		if c.format == FormatScan && (ds.Date().Equal(date) || ds.Date().IsZero()) {
			t.Errorf("%s: date %v, want the file's", c.name, ds.Date())
		}
	}
	// Another publisher's geofeed is not taken for Apple's privacy relay.
	if _, err := Open([]byte("# geofeed\n2a02:26f7::/32,FR,FR-IDF,Paris,\n"), digest, "isp-geofeed.csv", Options{}); !errors.Is(err, ErrUnknownGeofeed) {
		t.Errorf("a geofeed not named as Apple's: %v", err)
	}
	ds, err := Open(read(t, "../warninglist/testdata/hostnames.json"), digest, "h.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ds.(enrich.ValueDataset); !ok || len(v.LookupValue("www.example.com", "domain")) != 1 {
		t.Error("warninglist is not a ValueDataset")
	}
}

func TestUnknownAndBroken(t *testing.T) {
	for name, in := range map[string]string{
		"empty":    "",
		"html":     "<html><body>404</body></html>",
		"json":     `{"hello": "world"}`,
		"csv":      "ip,asn\n1.2.3.4,5\n",
		"array":    `[{"ip_prefix": "1.2.3.0/24"}]`,
		"nul":      "\x00\x00\x00",
		"log line": "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password",
		"geo csv":  "network,country\n1.2.3.0/24,GB\n",
		"lower cc": "1.2.3.0/24,gb,,,\n",
		"3-letter": "1.2.3.0/24,GBR,,,\n",
		"no comma": "1.2.3.0/24\n",
		"ip only":  `{"ip": "1.2.3.4"}`,
		"port":     `{"port": 22}`,
	} {
		if _, err := Open([]byte(in), digest, name, Options{}); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Recognised but broken: the reader's error, wrapped.
	for name, in := range map[string]string{
		"truncated aws": `{"createDate": "2026-08-22-15-17-05", "prefixes": [{"ip_prefix": "1.2.3.0/24", "se`,
		"regex list":    `{"description": "r", "list": ["/a/"], "name": "r", "type": "regex", "version": 1}`,
		"fake mmdb":     "junk\xab\xcd\xefMaxMind.comjunk",
		"no exits":      "ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\n",
		"host bits":     "1.2.3.4/24,GB,GB-EN,London,\n",
		"bad scan":      `{"ip": "1.2.3.4", "ports": [0], "timestamp": "2026-01-01T00:00:00Z"}`,
		"bad banner":    `{"ip_str": "1.2.3.4", "port": 22}`,
	} {
		_, err := Open([]byte(in), digest, name, Options{})
		if err == nil || errors.Is(err, ErrUnknownFormat) || !strings.HasPrefix(err.Error(), "offline: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, p := range []string{"../tor/testdata/exit-addresses", "../cloud/testdata/ip-ranges.json", "../warninglist/testdata/cidr.json",
		"../cloud/testdata/egress-ip-ranges.csv", "../scan/testdata/shodan.jsonl", "../scan/testdata/export.jsonl"} {
		f.Add(read(f, p))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := Open(b, digest, "fuzz", Options{})
		if err != nil {
			return
		}
		ds.Lookup(netip.MustParseAddr("1.2.3.4"), time.Unix(0, 0))
	})
}
