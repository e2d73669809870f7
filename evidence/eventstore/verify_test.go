package eventstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
)

// parsedTwice is a case with a 3,000-line log parsed twice (the second run,
// with another year, supersedes the first).
func parsedTwice(t testing.TB) (*evidence.Case, *memstore.Store, *eventstore.Store) {
	t.Helper()
	log := failedLogins(3000)
	c, b := newCase(t)
	s := eventstore.New(c)
	d := ingest(t, c, log.String(), "auth.log")
	for _, y := range []int{2025, 2026} {
		if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Year: y}); err != nil {
			t.Fatal(err)
		}
	}
	return c, b, s
}

func keysOf(t testing.TB, c *evidence.Case, prefix string) [][]byte {
	t.Helper()
	var ks [][]byte
	c.Derived().Keys([]byte(prefix), nil, func(k []byte) error { ks = append(ks, bytes.Clone(k)); return nil })
	if len(ks) == 0 {
		t.Fatalf("no keys under %q", prefix)
	}
	return ks
}

func verifyProblems(t *testing.T, s *eventstore.Store) []string {
	t.Helper()
	var ps []string
	rep, err := s.Verify(context.Background(), func(where, detail string) { ps = append(ps, where+": "+detail) })
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 && (rep.Runs != 2 || rep.Events != 6000) {
		t.Fatalf("checked %+v", rep)
	}
	return ps
}

func TestVerifyDerivedEvents(t *testing.T) {
	_, _, s := parsedTwice(t)
	if ps := verifyProblems(t, s); len(ps) != 0 {
		t.Fatalf("intact case: %v", ps)
	}
	for name, tc := range map[string]struct {
		damage func(t *testing.T, c *evidence.Case, b *memstore.Store)
		want   string
	}{
		"flipped byte in a block": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			k := keysOf(t, c, "v/")[1]
			v, _ := b.Get(k)
			v[len(v)/2] ^= 1
			b.Corrupt(k, v)
		}, "entry "},
		"an event rewritten, block re-encoded": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			k := keysOf(t, c, "v/")[0]
			v, _ := b.Get(k)
			raw, _ := s2.Decode(nil, v)
			b.Corrupt(k, s2.Encode(nil, bytes.Replace(raw, []byte(`"src":"10.0.0.1"`), []byte(`"src":"10.9.9.9"`), 1)))
		}, "do not match the entry"},
		"a block deleted": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Delete(keysOf(t, c, "v/")[2])
		}, "do not match the entry"},
		"a posting deleted": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Delete(keysOf(t, c, "jp/")[5])
		}, "posting parts stored, its events give"},
		"a posting changed": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			k := keysOf(t, c, "jp/")[5]
			v, _ := b.Get(k)
			v[0] ^= 1 // the count
			b.Corrupt(k, v)
		}, "does not name the events that mention it"},
		"a search posting flipped": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			k := keysOf(t, c, "xs/")[0]
			v, _ := b.Get(k)
			raw, _ := s2.Decode(nil, v)
			raw[len(raw)-1] ^= 0x10 // in the last posting of the chunk
			b.Corrupt(k, s2.Encode(nil, raw))
		}, "search index of part 0"},
		"a chunk of search postings removed": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Delete(keysOf(t, c, "xs/")[0])
		}, "search index of part 0"},
		"a search time column changed": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			k := keysOf(t, c, "xt/")[0]
			v, _ := b.Get(k)
			raw, _ := s2.Decode(nil, v)
			raw[len(raw)-1] ^= 0x02
			b.Corrupt(k, s2.Encode(nil, raw))
		}, "search index of part 0"},
		"a search record deleted": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Delete(keysOf(t, c, "xr/")[0])
		}, "search index of run"},
		"a run record deleted": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Delete(keysOf(t, c, "r/")[0])
		}, "missing or unreadable"},
		"a run record added": {func(t *testing.T, c *evidence.Case, b *memstore.Store) {
			b.Corrupt([]byte("r/\x00\x01\x02\x03\x04\x05\x06\x07"), []byte(`{"run":"0001020304050607"}`))
		}, "no events.parsed entry records this run"},
	} {
		t.Run(name, func(t *testing.T) {
			c, b, s := parsedTwice(t)
			tc.damage(t, c, b)
			ps := verifyProblems(t, s)
			if len(ps) == 0 {
				t.Fatal("damage not found")
			}
			if !strings.Contains(strings.Join(ps, "\n"), tc.want) {
				t.Errorf("problems %v, want one saying %q", ps, tc.want)
			}
		})
	}
}

// Whatever bytes stand in a block, a posting or a run record, Verify
// reports problems and does not panic.
func FuzzVerifyDerived(f *testing.F) {
	f.Add(0, []byte{})
	f.Add(1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(2, []byte(`{"run":"zz","events_digest":"x"}`))
	c, b, s := parsedTwice(f)
	keys := map[int][]byte{0: keysOf(f, c, "v/")[0], 1: keysOf(f, c, "jp/")[0], 2: keysOf(f, c, "r/")[0]}
	orig := map[int][]byte{}
	for i, k := range keys {
		orig[i], _ = b.Get(k)
	}
	f.Fuzz(func(t *testing.T, which int, v []byte) {
		k, ok := keys[which]
		if !ok {
			return
		}
		b.Corrupt(k, v)
		defer b.Corrupt(k, orig[which])
		if _, err := s.Verify(context.Background(), func(string, string) {}); err != nil {
			t.Fatal(err)
		}
	})
}
