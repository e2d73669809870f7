package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/export"
)

// Each kind of source gets its MISP attribute type: an address ip-src, a
// domain domain, a cloud service principal (as CloudTrail names it) a
// hostname, never an address type with a name in it.
func TestMISPAttributeTypes(t *testing.T) {
	var ts []*target
	for _, f := range []export.Finding{{Indicator: "185.220.101.4", Type: "ip"}, {Indicator: "evil.example", Type: "domain"},
		{Indicator: "config.amazonaws.com", Type: "service"}} {
		ts = append(ts, &target{finding: &f, role: "abused-platform"})
	}
	b, err := mispEvent(ts, Options{CaseID: "c"}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Event mispEventBody }
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"ip-src", "domain", "hostname"} {
		if got := ev.Event.Attribute[i].Type; got != want {
			t.Errorf("%s: %s, want %s", ev.Event.Attribute[i].Value, got, want)
		}
	}
}
