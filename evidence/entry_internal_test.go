package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// prepareEntry prepares one draft's parts.
func prepareEntry(kind, actor string, payload any, limit int) (entryParts, error) {
	return getPartsEncoder(1, limit).prepare(kind, actor, payload)
}

// joinEntry is the plain join of an entry's parts with its index, time and
// prev into e, its canonical bytes appended to buf: what a commit's
// entryChain must write.
func joinEntry(e *Entry, ep *entryParts, index uint64, t entryTime, prev [32]byte, buf []byte) []byte {
	start := len(buf)
	buf = append(buf, ep.pre[:ep.split]...)
	buf = strconv.AppendUint(buf, index, 10)
	buf = append(buf, ep.pre[ep.split:]...)
	at := len(buf)
	buf = hex.AppendEncode(buf, prev[:])
	prevHex := string(buf[at:])
	buf = append(buf, `","time":"`...)
	buf = append(buf, t.text...)
	buf = append(buf, `"}`...)
	raw := buf[start:len(buf):len(buf)]
	payload := ep.pre[ep.payAt:ep.payEnd:ep.payEnd]
	*e = Entry{Index: index, Time: t.t, Kind: ep.kind, Actor: ep.actor, Prev: prevHex, Payload: payload, Raw: raw}
	return buf
}

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
		buf = joinEntry(e, &p, uint64(1000+i), newEntryTime(at), prev, buf)
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
	joinEntry(e, &p, ^uint64(0), newEntryTime(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)), [32]byte{}, nil)
	if len(e.Raw) > MaxEntrySize {
		t.Fatalf("entry of %d bytes passed the bound of %d", len(e.Raw), MaxEntrySize)
	}
	if _, err := prepareEntry("k", "", payload(len(fits)-len(`{"a":""}`)+1), 0); err == nil {
		t.Fatal("entry one byte over the bound accepted")
	}
}

// TestPrepareSizesItsBufferWithinReason: a batch whose first draft is
// large does not make the encoder reserve that size for every other one.
func TestPrepareSizesItsBufferWithinReason(t *testing.T) {
	drafts := []Draft{{Kind: "k", Payload: map[string]string{"a": strings.Repeat("a", 900<<10)}}}
	for range 1000 {
		drafts = append(drafts, Draft{Kind: "k", Payload: map[string]int{"i": 1}})
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	prep, release, err := prepareDrafts(drafts, 0)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Fatalf("preparing %d drafts (%d bytes of payloads) allocated %d MiB", len(prep), 900<<10+1000*7, n>>20)
	}
	release()
}
