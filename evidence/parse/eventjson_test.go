package parse

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func stdJSON(e *Event) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(e)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	events := []Event{
		{},
		{Time: time.Date(2026, 11, 20, 9, 2, 19, 120000000, time.UTC), Kind: "auth", Action: "password", Outcome: "failure",
			Src: "185.220.101.4", SrcPort: 55335, User: "root <>&\"\\\x01\x7f\u2028é\xff",
			Fields:   map[string]string{"pid": "31002", "b": "\b\f\n\r\t", "a": ""},
			Citation: Citation{Artefact: "sha256:00", Offset: 12, Line: 3, Parser: "openssh/1"}},
		{Time: time.Date(2017, 1, 30, 15, 12, 26, 0, time.FixedZone("x", 3600)), TimeNote: "n", Kind: "flow", Outcome: "unknown",
			SrcService: "config.amazonaws.com", Dst: "::1", DstPort: 443, Citation: Citation{Record: 7, Member: "gzip", Parser: "pcap/1"}},
	}
	for i := range events {
		if got, want := events[i].AppendJSON(nil), stdJSON(&events[i]); !bytes.Equal(got, want) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// One JSONEncoder for all, twice over: what it remembers of one
	// event's note and artefact never leaks into the next's.
	var enc JSONEncoder
	for round := range 2 {
		for i := range events {
			if got, want := enc.Append(nil, &events[i]), stdJSON(&events[i]); !bytes.Equal(got, want) {
				t.Errorf("round %d, event %d with one encoder:\n got %s\nwant %s", round, i, got, want)
			}
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("root", "x\u2028", "k", int64(5), 22)
	f.Fuzz(func(t *testing.T, user, field, key string, off int64, port int) {
		e := Event{Time: time.Unix(off, off%1e9).UTC(), Kind: "auth", Outcome: "failure", User: user, SrcPort: port,
			Fields: map[string]string{key: field}, Citation: Citation{Offset: off, Line: off % 7, Parser: "p/1"}}
		if got, want := e.AppendJSON(nil), stdJSON(&e); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}
