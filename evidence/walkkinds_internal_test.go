package evidence

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzRawKind: where rawKind reads a kind from an entry that parses, it is
// the entry's kind.
func FuzzRawKind(f *testing.F) {
	f.Add("case.created", `Ann <ann@example.org>`, `{"kind":"x"}`)
	f.Add(`a"b`, `"kind":"y"`, `{}`)
	f.Add(`k\u0001`, `\"kind\":\"`, `{"a":{"kind":"z"}}`)
	f.Fuzz(func(t *testing.T, kind, actor, payload string) {
		var p map[string]any
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return
		}
		parts, _, err := prepareDrafts([]Draft{{Kind: kind, Actor: actor, Payload: p}}, 0)
		if err != nil {
			return
		}
		var e Entry
		raw := joinEntry(&e, &parts[0], 7, newEntryTime(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)), [32]byte{}, nil)
		parsed, err := ParseEntry(raw)
		if err != nil {
			t.Fatalf("a prepared entry does not parse: %v", err)
		}
		if k, ok := rawKind(raw); ok && k != parsed.Kind {
			t.Fatalf("rawKind %q, parsed kind %q, entry %s", k, parsed.Kind, raw)
		}
		if _, ok := rawKind(raw); !ok && kindIsPlain(parsed.Kind) {
			t.Fatalf("plain kind %q not read from %s", parsed.Kind, raw)
		}
	})
}

func kindIsPlain(k string) bool {
	for _, r := range k {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return false
		}
	}
	return true
}
