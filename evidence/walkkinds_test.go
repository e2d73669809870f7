package evidence_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestWalkKinds: WalkKinds yields exactly the entries of the kinds kept,
// parsed, in order, also where an actor or a payload holds what looks like
// an entry's kind; and a malformed entry of a kept kind still ends it.
func TestWalkKinds(t *testing.T) {
	c, _ := newCase(t, backends[0])
	ctx := context.Background()
	from := c.Log().Size()
	drafts := []evidence.Draft{
		{Kind: "test.kept", Actor: `Eve "kind":"test.other"`, Payload: map[string]any{"kind": "test.other"}},
		{Kind: "test.other", Actor: `Ann`, Payload: map[string]any{"note": `"kind":"test.kept"`, "kind": "test.kept"}},
		{Kind: "test.kept", Actor: `\"kind\":\"test.other`, Payload: map[string]any{}},
		{Kind: "test.other", Actor: "Bob", Payload: map[string]any{"a": map[string]any{"kind": "test.kept"}}},
	}
	if _, err := c.Append(ctx, drafts...); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for e, err := range c.WalkKinds(from, 0, func(k string) bool { return k == "test.kept" }) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != "test.kept" {
			t.Fatalf("entry %d of kind %s yielded", e.Index, e.Kind)
		}
		got = append(got, e.Index)
	}
	if len(got) != 2 || got[0] != from || got[1] != from+2 {
		t.Fatalf("yielded %v, want entries %d and %d", got, from, from+2)
	}
	n := 0
	for _, err := range c.WalkKinds(0, 0, func(string) bool { return true }) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if uint64(n) != c.Log().Size() {
		t.Fatalf("keeping every kind yielded %d of %d entries", n, c.Log().Size())
	}
}

// TestWalkKindsStopsAtAMalformedKeptEntry: the cheap kind reading does not
// let a damaged entry of a kept kind through.
func TestWalkKindsStopsAtAMalformedKeptEntry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		e0, err := c.Entry(0)
		if err != nil {
			t.Fatal(err)
		}
		bad := append(append([]byte(nil), e0.Raw[:len(e0.Raw)-1]...), []byte(`,"x":1}`)...)
		setStoredEntry(t, b, 0, bad)
		c = reopen(t, c, b)
		var walkErr error
		for _, err := range c.WalkKinds(0, 0, func(k string) bool { return k == e0.Kind }) {
			if err != nil {
				walkErr = err
			}
		}
		if walkErr == nil {
			t.Fatal("a malformed entry of a kept kind was skipped")
		}
		for _, err := range c.WalkKinds(0, 0, func(k string) bool { return k != e0.Kind }) {
			if err != nil && !errors.Is(err, evidence.ErrStoreDamaged) {
				t.Fatalf("an entry of another kind was parsed: %v", err)
			}
		}
	})
}

// TestAppendRefusesTextNotUTF8: an actor or kind in another encoding (a
// Latin-1 examiner name) is refused with a clear error before anything is
// written: such an entry could never be read back, and the case would be
// damaged for good.
func TestAppendRefusesTextNotUTF8(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _, _ := fixture(t, bk)
		size := c.Log().Size()
		for _, d := range []evidence.Draft{
			{Kind: "test.note", Actor: "Jos\xe9 <jose@example.org>", Payload: map[string]any{}},
			{Kind: "test.n\xf5te", Actor: "Ann", Payload: map[string]any{}},
		} {
			_, err := c.Append(context.Background(), evidence.Draft{Kind: "test.fine", Actor: "Ann"}, d)
			if err == nil || !strings.Contains(err.Error(), "not UTF-8 text") {
				t.Fatalf("draft %+q: %v", d, err)
			}
		}
		if c.Log().Size() != size {
			t.Fatalf("log grew from %d to %d", size, c.Log().Size())
		}
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("verify after refused drafts: %+v", r.Problems)
		}
	})
}
