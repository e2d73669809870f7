package attrib

import (
	"math/rand/v2"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// TestIdentityFieldsAsField: the one pass over an event's fields finds
// what a lookup of each name in order finds (field), for events with any
// of the names set, empty or not, beside other fields.
func TestIdentityFieldsAsField(t *testing.T) {
	names := []string{"key_fingerprint", "ssh_key", "fingerprint", "access_key_id", "user_agent", "useragent", "ua", "ja3", "ja4", "ja3_hash", "host", "pid"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		e := &parse.Event{Fields: map[string]string{}}
		for _, n := range names {
			switch rng.IntN(3) {
			case 0:
				e.Fields[n] = ""
			case 1:
				e.Fields[n] = n + "-value"
			}
		}
		want := identityFields{
			key:       field(e, "key_fingerprint", "ssh_key", "fingerprint"),
			accessKey: field(e, "access_key_id"),
			agent:     field(e, "user_agent", "useragent", "ua"),
			ja3:       field(e, "ja3", "ja4", "ja3_hash"),
		}
		if got := identityFieldsOf(e); got != want {
			t.Fatalf("fields %v: one pass found %+v, lookups %+v", e.Fields, got, want)
		}
	}
}
