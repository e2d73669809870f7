package observe

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// An entry recorded before the per-leaf commitment holds its observations,
// and the index points into it: such cases are still read and verified.
func TestEarlierEntriesStillRead(t *testing.T) {
	ctx := context.Background()
	const ds = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	earlier := func(t *testing.T) (*evidence.Case, *memstore.Store) {
		c, err := memstore.NewCase(ctx, "T", "T")
		if err != nil {
			t.Fatal(err)
		}
		o := `{"dataset":"` + ds + `","fields":{"netname":"OLD"},"indicator":"192.0.2.7","reliability":"C","source":"whois:test","source_type":"whois"}`
		p := `{"dataset":"` + ds + `","looked_up":1,"observations":[` + o + `],"source":"whois:test","source_type":"whois","summary":"whois:test: 1 observations about 1 indicators; 0 looked up and not listed"}`
		v := binary.AppendUvarint([]byte{refTag}, uint64(strings.Index(p, o)))
		v = append(binary.AppendUvarint(v, uint64(len(o))), make([]byte, 8)...)
		if _, err := c.AppendAtomic(ctx, []evidence.Op{{Key: obsKey("192.0.2.7", whoisKeyPrefix+ds), Value: v, StampIndex: true}},
			evidence.Draft{Kind: KindObservations, Actor: "T", Payload: json.RawMessage(p)}); err != nil {
			t.Fatal(err)
		}
		return c, c.Derived().(*memstore.Store)
	}
	c, st := earlier(t)
	got, err := Observations(c, "192.0.2.7")
	if err != nil || len(got) != 1 || got[0].Fields["netname"] != "OLD" {
		t.Fatalf("%+v %v", got, err)
	}
	if all, err := AllLocated(c); err != nil || all["192.0.2.7"][0].Entry != 1 {
		t.Fatalf("%+v %v", all, err)
	}
	problems := func(c *evidence.Case) string {
		var ps []string
		if _, err := Verify(ctx, c, func(where, detail string) { ps = append(ps, where+": "+detail) }); err != nil {
			t.Fatal(err)
		}
		return strings.Join(ps, "\n")
	}
	if ps := problems(c); ps != "" {
		t.Fatalf("intact: %s", ps)
	}
	st.Delete(obsKey("192.0.2.7", whoisKeyPrefix+ds))
	if ps := problems(c); !strings.Contains(ps, "entry 1: the observations of 192.0.2.7 are not indexed") {
		t.Fatalf("deleted: %s", ps)
	}
	c, st = earlier(t)
	st.Corrupt(obsKey("192.0.2.7", whoisKeyPrefix+ds), []byte("[]"))
	if ps := problems(c); !strings.Contains(ps, "entry 1: the index copy of the observations of 192.0.2.7 differs from the entry") {
		t.Fatalf("emptied: %s", ps)
	}
}
