package rdap_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich/rdap"
	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/evidence/sampledata"
)

// sample is one real RDAP answer in ../shared/data/rdap and what
// INDEX.md says it holds.
type sample struct {
	file, addr, registry, handle, rng, abuse string
}

var samples = []sample{
	{"meeb-whoisit/data_rdap_response_ip_v4.json", "1.1.1.1", "APNIC", "1.1.1.0 - 1.1.1.255", "1.1.1.0/24", "helpdesk@apnic.net"},
	{"meeb-whoisit/data_rdap_response_ip_v4_2.json", "130.59.31.80", "RIPE", "130.59.0.0 - 130.59.255.255", "130.59.0.0/16", "abuse@switch.ch"},
	{"meeb-whoisit/data_rdap_response_ip_v4_3.json", "13.64.1.1", "ARIN", "NET-13-64-0-0-1", "13.64.0.0 - 13.107.255.255", "abuse@microsoft.com"},
	{"20c-rdap/206.41.110.0.input", "206.41.110.9", "ARIN", "NET-206-41-110-0-1", "206.41.110.0/24", "neteng@unitedix.net"},
	{"JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json", "3.3.3.3", "ARIN", "NET-3-0-0-0-1", "3.0.0.0/9", "abuse@amazonaws.com"},
	{"JakubOnderka-rdap_client/ip_network_lacnic.json", "179.0.0.7", "LACNIC", "179.0.0.0/23", "179.0.0.0/23", "tomas.cribb@neuralsoft.com"},
	{"JakubOnderka-rdap_client/ip_network_ripe_193_0_0_0.json", "193.0.6.139", "RIPE", "193.0.0.0 - 193.0.7.255", "193.0.0.0/21", "abuse@ripe.net"},
	{"JakubOnderka-rdap_client/ip_network_afrinic.json", "41.0.1.1", "AFRINIC", "41.0.0.0 - 41.0.255.255", "41.0.0.0/16", ""},
	{"JakubOnderka-rdap_client/ip_network_br.json", "177.1.2.3", "NIC.br", "177.0.0.0/14", "177.0.0.0/14", ""},
	{"arineng-nicinfo/ip_108_45_128_208.txt", "108.45.128.208", "ARIN", "NET-108-0-0-0-1", "108.0.0.0 - 108.57.255.255", "abuse@verizon.net"},
	{"arineng-nicinfo/ip_194_85_61_205.txt", "194.85.61.205", "RIPE", "194.85.61.0 - 194.85.61.255", "194.85.61.0/24", "ip-reg@ripn.net"},
	{"arineng-nicinfo/ip_2001_41d0_2_193d_0_0_0_5.txt", "2001:41d0:2:193d::5", "RIPE", "2001:41d0::/44", "2001:41d0::/44", "lir@ovh.net"},
	{"arineng-nicinfo/ip_2604_180_3_2e2_d865.txt", "2604:180:3:2e2::d865", "ARIN", "NET6-2604-180-1", "2604:180::/32", "abuse@ramnode.com"},
	{"arineng-nicinfo/ip_61_181_2_38.txt", "61.181.2.38", "APNIC", "61.181.0.0 - 61.181.255.255", "61.181.0.0/16", "hqs-ipabuse@chinaunicom.cn"},
	{"arineng-nicinfo/ip_201_127_0_1.txt", "201.127.0.1", "LACNIC", "201.127.0.0/16", "201.127.0.0/16", ""},
	{"arineng-nicinfo/ip_196_216_2_20.txt", "196.216.2.20", "AFRINIC", "196.216.2.0 - 196.216.3.255", "196.216.2.0/23", ""},
}

func samplePaths(t *testing.T) []string {
	dir := sampledata.Path(t, "rdap")
	var out []string
	for _, s := range samples {
		out = append(out, filepath.Join(dir, s.file))
	}
	return out
}

// TestParseSamples reads the 16 real answers: 12 name an abuse e-mail,
// the four negatives name none (no abuse entity, entities without roles,
// an abuse entity without e-mail, "technical, abuse" without a vCard).
func TestParseSamples(t *testing.T) {
	paths := samplePaths(t)
	withEmail := 0
	for i, s := range samples {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		n, err := rdap.Parse(rdaptest.Body(b))
		if err != nil {
			t.Errorf("%s: %v", s.file, err)
			continue
		}
		if n.Registry != s.registry || n.Handle != s.handle || n.Prefix() != s.rng || n.AbuseEmail != s.abuse {
			t.Errorf("%s: registry %q handle %q network %q abuse %q; want %q %q %q %q", s.file, n.Registry, n.Handle, n.Prefix(), n.AbuseEmail,
				s.registry, s.handle, s.rng, s.abuse)
		}
		if n.AbuseEmail != "" {
			withEmail++
		}
	}
	if withEmail != 12 {
		t.Errorf("%d samples with an abuse e-mail, INDEX.md counts 12", withEmail)
	}
}

// TestParseEdgeCases: the org-level abuse contact of Verizon is kept
// behind the network-level one; RIPE's abuse-typed e-mail wins over ops@.
func TestParseEdgeCases(t *testing.T) {
	paths := samplePaths(t)
	read := func(i int) *rdap.Network {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		n, err := rdap.Parse(rdaptest.Body(b))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	v := read(9)
	if len(v.Abuse) != 2 || v.Abuse[0].Nested || !v.Abuse[1].Nested || v.Abuse[1].Emails[0] != "abuse-mail@verizonbusiness.com" {
		t.Errorf("verizon abuse contacts %+v", v.Abuse)
	}
	r := read(6)
	if got := r.Abuse[0].Emails; len(got) != 2 || got[0] != "abuse@ripe.net" || got[1] != "ops@ripe.net" {
		t.Errorf("ripe e-mails %v", got)
	}
	br := read(8)
	if len(br.Abuse) != 1 || br.Abuse[0].Handle != "CSIOI" || len(br.Abuse[0].Emails) != 0 {
		t.Errorf("nic.br abuse %+v", br.Abuse)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		body string
		want error
	}{
		{`not json`, rdap.ErrMalformed},
		{`{"objectClassName":"domain","handle":"x"}`, rdap.ErrMalformed},
		{`{"objectClassName":"ip network","startAddress":"10.0.0.9","endAddress":"10.0.0.1"}`, rdap.ErrMalformed},
		{`{"objectClassName":"ip network","startAddress":"1.2.3.0","endAddress":"::1"}`, rdap.ErrMalformed},
		{`{"errorCode":404,"title":"Not Found"}`, rdap.ErrNotFound},
		{`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","entities":[{"roles":[7],"vcardArray":["vcard",[["email",{},"text"]]]}]}`, nil},
	} {
		_, err := rdap.Parse([]byte(c.body))
		if !errors.Is(err, c.want) && (c.want != nil || err != nil) {
			t.Errorf("%s: %v, want %v", c.body, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","entities":[{"roles":["abuse"],"vcardArray":["vcard",[["email",{"type":["abuse"]},"text","a@b"]]],"entities":[{}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := rdap.Parse(b)
		if err == nil && n.AbuseEmail != "" && !strings.Contains(n.AbuseEmail, "@") {
			t.Errorf("abuse e-mail %q without @", n.AbuseEmail)
		}
	})
}

// TestParseRegistrant: the network's registrant is read from the top-level
// entity with the role registrant (the provider on its own networks, which
// notify tells apart from a customer it reassigned a range to); a nested
// one (under another entity) does not count.
func TestParseRegistrant(t *testing.T) {
	dir := sampledata.Path(t, "rdap")
	for file, want := range map[string]string{
		"JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json": "Amazon Technologies Inc.",
		"meeb-whoisit/data_rdap_response_ip_v4_3.json":          "Microsoft Corporation",
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		n, err := rdap.Parse(rdaptest.Body(b))
		if err != nil {
			t.Fatal(err)
		}
		if n.Registrant != want {
			t.Errorf("%s: registrant %q, want %q", file, n.Registrant, want)
		}
	}
	nested := `{"objectClassName":"ip network","handle":"N","startAddress":"192.0.2.0","endAddress":"192.0.2.255",
		"entities":[{"handle":"A","roles":["abuse"],"entities":[{"handle":"R","roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Nested Org"]]]}]}]}`
	if n, err := rdap.Parse([]byte(nested)); err != nil || n.Registrant != "" {
		t.Errorf("nested registrant: %v %q", err, n.Registrant)
	}
}
