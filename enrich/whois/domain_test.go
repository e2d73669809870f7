package whois

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/sampledata"
)

// TestParseDomainSamples compares every real answer with the .json that
// whois-parser's own tests expect, and pins the figures of INDEX.md.
func TestParseDomainSamples(t *testing.T) {
	dir := sampledata.Path(t, "whois-parser-likexian", "noterror")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) != 10 {
		t.Fatalf("want 10 expected .json files, got %d (%v)", len(files), err)
	}
	for _, jf := range files {
		name := strings.TrimSuffix(filepath.Base(jf), ".json")
		t.Run(name, func(t *testing.T) {
			var want struct {
				Domain struct {
					Domain      string   `json:"domain"`
					NameServers []string `json:"name_servers"`
					Created     string   `json:"created_date"`
					CreatedT    string   `json:"created_date_in_time"`
					Expires     string   `json:"expiration_date"`
				} `json:"domain"`
				Registrar  *struct{ Name string } `json:"registrar"`
				Registrant *struct {
					Organization string `json:"organization"`
					Country      string `json:"country"`
				} `json:"registrant"`
			}
			js, _ := os.ReadFile(jf)
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(strings.TrimSuffix(jf, ".json"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseDomain(raw)
			if err != nil {
				t.Fatal(err)
			}
			if r.Domain != want.Domain.Domain {
				t.Errorf("domain %q, want %q", r.Domain, want.Domain.Domain)
			}
			if want.Registrar != nil && r.Registrar != want.Registrar.Name {
				t.Errorf("registrar %q, want %q", r.Registrar, want.Registrar.Name)
			}
			if !slices.Equal(r.NameServers, want.Domain.NameServers) {
				t.Errorf("name servers %q, want %q", r.NameServers, want.Domain.NameServers)
			}
			if want.Domain.CreatedT != "" {
				if w, _ := time.Parse(time.RFC3339, want.Domain.CreatedT); !r.Created.Equal(w) {
					t.Errorf("created %v, want %v", r.Created, w)
				}
			}
			if (want.Domain.Created == "") != r.Created.IsZero() || (want.Domain.Expires == "") != r.Expires.IsZero() {
				t.Errorf("created %v (%q) / expires %v (%q): presence differs", r.Created, want.Domain.Created, r.Expires, want.Domain.Expires)
			}
			if g := want.Registrant; g != nil && (r.RegistrantOrg != g.Organization || r.RegistrantCountry != strings.ToUpper(g.Country)) {
				t.Errorf("registrant %q %q, want %q %q", r.RegistrantOrg, r.RegistrantCountry, g.Organization, g.Country)
			}
		})
	}

	exact := []struct {
		file, registrar           string
		created, expires, updated time.Time
		ns                        int
		privacy                   bool
	}{
		// 1997-09-15T00:00:00-0700, which the parser itself leaves unread.
		{"com_google.com", "MarkMonitor, Inc.", time.Date(1997, 9, 15, 7, 0, 0, 0, time.UTC),
			time.Date(2028, 9, 13, 7, 0, 0, 0, time.UTC), time.Date(2019, 9, 9, 15, 39, 4, 0, time.UTC), 4, false},
		{"org_apache.org", "NAMECHEAP INC", time.Date(1995, 4, 11, 4, 0, 0, 0, time.UTC),
			time.Date(2022, 4, 12, 4, 0, 0, 0, time.UTC), time.Date(2018, 9, 25, 13, 18, 21, 0, time.UTC), 5, false},
		// 2001-06-14-T10:32:43Z, a registrar's own layout.
		{"com_git.com", "UNIREGISTRAR CORP", time.Date(2001, 6, 14, 10, 32, 43, 0, time.UTC),
			time.Date(2020, 6, 14, 10, 32, 43, 0, time.UTC), time.Date(2019, 5, 17, 23, 2, 50, 0, time.UTC), 2, true},
		{"io_golang.io", "GANDI SAS", time.Date(2013, 1, 24, 18, 29, 21, 0, time.UTC),
			time.Date(2020, 1, 24, 18, 29, 21, 0, time.UTC), time.Date(2019, 1, 17, 8, 47, 20, 0, time.UTC), 2, true},
		{"eu_google.eu", "MarkMonitor Inc.", time.Time{}, time.Time{}, time.Time{}, 4, true}, // "NOT DISCLOSED!"
		// 2023/04/01 01:05:57 (JST)
		{"jp_google.co.jp", "", time.Date(2001, 3, 22, 0, 0, 0, 0, time.UTC), time.Time{}, time.Date(2023, 3, 31, 16, 5, 57, 0, time.UTC), 4, false},
	}
	for _, tc := range exact {
		raw, _ := os.ReadFile(filepath.Join(dir, tc.file))
		r, err := ParseDomain(raw)
		if err != nil {
			t.Fatal(err)
		}
		if r.Registrar != tc.registrar || !r.Created.Equal(tc.created) || !r.Expires.Equal(tc.expires) ||
			!r.Updated.Equal(tc.updated) || len(r.NameServers) != tc.ns || r.Privacy != tc.privacy {
			t.Errorf("%s: %+v", tc.file, r)
		}
	}

	nf := sampledata.Path(t, "whois-parser-likexian", "notfound")
	for _, f := range []string{"com_likexian-have-no-money-to-register.com", "de_likexian-have-no-money-to-register.de"} {
		raw, _ := os.ReadFile(filepath.Join(nf, f))
		if r, err := ParseDomain(raw); !errors.Is(err, ErrNotFound) || r != nil {
			t.Errorf("%s: %v %v, want ErrNotFound", f, r, err)
		}
	}
}

func TestParseDomainFixtures(t *testing.T) {
	r, err := ParseDomain(fixture(t, "domain/example-privacy.com"))
	if err != nil {
		t.Fatal(err)
	}
	want := DomainRecord{
		Domain: "fresh-example.com", Registrar: "Example Registrar, LLC",
		Created:       time.Date(2024, 3, 1, 9, 8, 7, 0, time.UTC),
		Expires:       time.Date(2025, 3, 1, 9, 8, 7, 0, time.UTC),
		Updated:       time.Date(2024, 3, 2, 10, 11, 12, 0, time.UTC),
		NameServers:   []string{"ns1.parking.example", "ns2.parking.example"},
		Status:        []string{"clientTransferProhibited"},
		RegistrantOrg: "Privacy service provided by Withheld for Privacy ehf", RegistrantName: "REDACTED FOR PRIVACY",
		RegistrantCountry: "IS", Privacy: true,
	}
	if !equalDomain(*r, want) {
		t.Errorf("got  %+v\nwant %+v", *r, want)
	}
	if _, err := ParseDomain(fixture(t, "domain/notfound.com")); !errors.Is(err, ErrNotFound) {
		t.Errorf("notfound: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("hello"), []byte("%ERROR:201: access denied\n"), make([]byte, maxParse+1)} {
		if _, err := ParseDomain(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseDomain(%.20q): %v, want ErrMalformed", bad, err)
		}
	}
}

func equalDomain(a, b DomainRecord) bool {
	return a.Domain == b.Domain && a.Registrar == b.Registrar && a.Created.Equal(b.Created) &&
		a.Expires.Equal(b.Expires) && a.Updated.Equal(b.Updated) && slices.Equal(a.NameServers, b.NameServers) &&
		slices.Equal(a.Status, b.Status) && a.RegistrantOrg == b.RegistrantOrg && a.RegistrantName == b.RegistrantName &&
		a.RegistrantCountry == b.RegistrantCountry && a.Privacy == b.Privacy
}

func FuzzParseDomain(f *testing.F) {
	files, _ := filepath.Glob("testdata/domain/*")
	if d := sampledata.Dir(); d != "" {
		more, _ := filepath.Glob(filepath.Join(d, "whois-parser-likexian", "no*", "*"))
		files = append(files, more...)
	}
	for _, p := range files {
		if strings.HasSuffix(p, ".json") {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ParseDomain(raw)
		if (r == nil) == (err == nil) {
			t.Fatalf("record %v with error %v", r, err)
		}
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

// TestDomainRegistrarAbuse: the registrar's abuse contact is read from the
// "Registrar Abuse Contact Email" line of the real answers that have one
// and becomes the observation's registrar_abuse_email; an answer without
// the line (.fr, .de) names none rather than a general address.
func TestDomainRegistrarAbuse(t *testing.T) {
	dir := sampledata.Path(t, "whois-parser-likexian", "noterror")
	for name, want := range map[string]string{
		"com_google.com": "abusecomplaints@markmonitor.com",
		"com_git.com":    "abuse@uniregistry.com",
		"io_golang.io":   "abuse@support.gandi.net",
		"org_apache.org": "abuse@namecheap.com",
		"fr_ovh.fr":      "",
		"de_google.de":   "",
	} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseDomain(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.AbuseEmail != want {
			t.Errorf("%s: registrar abuse %q, want %q", name, r.AbuseEmail, want)
		}
		obs := (&Response{Indicator: r.Domain, Domain: r}).Observations("sha256:00")
		if got, _ := obs[0].Fields[enrich.FieldRegistrarAbuseEmail].(string); got != want {
			t.Errorf("%s: observation says %q", name, got)
		}
		if _, ok := obs[0].Fields[enrich.FieldAbuseEmail]; ok {
			t.Errorf("%s: a domain's answer names a network abuse contact", name)
		}
	}
}
