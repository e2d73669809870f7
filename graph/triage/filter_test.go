package triage

import (
	"net/url"
	"testing"

	"github.com/casefile/casefile/graph/attrib"
)

// A filter read from a query writes back the same query (so paging links
// and saved views keep it), normalised; an unreadable ASN stays unreadable
// rather than becoming no filter.
func TestFilterRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"country=de&asn=AS3320":     "asn=3320&country=DE",
		"org=Hetzner&logins=1":      "logins=1&org=Hetzner",
		"asn=x":                     "asn=invalid",
		"verdict=none&rules=1&q=10": "q=10&rules=1&verdict=none",
		"logins=yes&kind=auth":      "kind=auth",
		"confidence=HIGH":           "confidence=high",
	} {
		q, _ := url.ParseQuery(in)
		f := ParseFilter(q)
		if got := f.Values().Encode(); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
		if again := ParseFilter(f.Values()); again != f {
			t.Errorf("%q: %+v read back as %+v", in, f, again)
		}
	}
	if f := ParseFilter(url.Values{"asn": {"x"}}); f.Match(&Row{}) || f.Match(&Row{Profile: profileASN(1)}) {
		t.Error("an unreadable ASN matched")
	}
}

// Rows without a value sort last whichever the direction.
func TestOrderMissingLast(t *testing.T) {
	rows := []Row{{Indicator: "a"}, {Indicator: "b", Profile: profileASN(7)}, {Indicator: "c", Profile: profileASN(3)}}
	for _, desc := range []bool{false, true} {
		o := Order(rows, "asn", desc)
		if rows[o[2]].Indicator != "a" {
			t.Errorf("desc=%v: %v", desc, o)
		}
	}
	if o := Order(rows, "asn", false); rows[o[0]].Indicator != "c" {
		t.Errorf("ascending ASN: %v", o)
	}
}

func profileASN(n uint64) attrib.Profile { return attrib.Profile{ASN: n} }
