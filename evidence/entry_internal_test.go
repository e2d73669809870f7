package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestEntryPartsJoin: an entry joined from prepared parts is canonical,
// parses back to what was given, and entries joined into one buffer keep
// their own bytes.
func TestEntryPartsJoin(t *testing.T) {
	prev := sha256.Sum256([]byte("prev"))
	at := time.Date(2026, 12, 5, 4, 0, 0, 1, time.FixedZone("x", 3600))
	var buf []byte
	var raws [][]byte
	for i, actor := range []string{"Ann \"A\" <a@example.org>\n", "Bob", ""} {
		p, err := prepareEntry("note.added", actor, json.RawMessage(`{"n":1}`), 0)
		if err != nil {
			t.Fatal(err)
		}
		e := new(Entry)
		buf = p.entry(e, uint64(1000+i), newEntryTime(at), prev, buf)
		got, err := ParseEntry(e.Raw)
		if err != nil {
			t.Fatalf("%s: %v", e.Raw, err)
		}
		if got.Actor != actor || got.Index != uint64(1000+i) || !got.Time.Equal(at) || got.Prev != e.Prev || got.Kind != "note.added" || string(got.Payload) != `{"n":1}` {
			t.Fatalf("joined %s, parsed %+v", e.Raw, got)
		}
		if err := CheckCanonical(e.Raw); err != nil {
			t.Fatal(err)
		}
		raws = append(raws, bytes.Clone(e.Raw))
		defer func(e *Entry, want []byte) {
			if !bytes.Equal(e.Raw, want) {
				t.Errorf("entry %d changed by a later join", e.Index)
			}
		}(e, raws[i])
	}
}

// TestPrepareEntryBound: whatever fits prepareEntry's bound fits
// MaxEntrySize at any index and time; one byte more is refused.
func TestPrepareEntryBound(t *testing.T) {
	payload := func(n int) json.RawMessage { return json.RawMessage(`{"a":"` + strings.Repeat("a", n) + `"}`) }
	fixed := len(`{"actor":"","index":,"kind":"k","payload":,"prev":"`)
	fits := payload(MaxEntrySize - maxEntryTail - fixed - len(`{"a":""}`))
	p, err := prepareEntry("k", "", fits, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := new(Entry)
	p.entry(e, ^uint64(0), newEntryTime(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)), [32]byte{}, nil)
	if len(e.Raw) > MaxEntrySize {
		t.Fatalf("entry of %d bytes passed the bound of %d", len(e.Raw), MaxEntrySize)
	}
	if _, err := prepareEntry("k", "", payload(len(fits)-len(`{"a":""}`)+1), 0); err == nil {
		t.Fatal("entry one byte over the bound accepted")
	}
}
