package parse

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func decodeSamples() []Event {
	t0 := time.Date(2026, 11, 20, 3, 4, 5, 123456789, time.UTC)
	return []Event{
		{Time: t0, TimeNote: "year 2026 from --year; time zone UTC assumed", Kind: KindAuth, Action: "password", Outcome: OutcomeFailure,
			Src: "203.0.113.7", SrcPort: 52113, User: "root", Fields: map[string]string{"host": "web01", "pid": "1000", "program": "sshd"},
			Citation: Citation{Artefact: "sha256:c15e", Offset: 88, Line: 2, Parser: "openssh/2"}},
		{Kind: "dns", Outcome: "unknown", Src: "fe80::1", Dst: "10.0.0.1", DstPort: 53, SrcService: "config.amazonaws.com",
			Fields: map[string]string{}, Citation: Citation{Artefact: "sha256:00", Record: 7, Member: "gzip", Parser: "zeek/1"}},
		{Time: time.Date(2005, 6, 1, 23, 59, 59, 0, time.FixedZone("", 2*3600)), Kind: "web", Outcome: "success",
			User: "j\\xe9r\\xf4me \"quoted\"\n\ttab \u2028 \x01", Fields: map[string]string{"uri": "/thumb.php?cmd=cat+/etc/passwd", "ua": "Mozilla/5.0 (ü)", "é": "<>&"},
			Citation: Citation{Artefact: "sha256:ff", Offset: -1, Line: 1 << 40, Parser: "apache/1"}},
		{},
	}
}

// Every line AppendJSON writes is read by the fast path, to the event
// encoding/json reads from it.
func TestEventDecoderFastPath(t *testing.T) {
	d := NewEventDecoder()
	d.fast = true
	for i, want := range decodeSamples() {
		line := want.AppendJSON(nil)
		for range 2 { // the second time through the shared strings and the cached time
			var got, ref Event
			if err := d.Decode(line, &got); err != nil {
				t.Fatalf("sample %d: %v\n%s", i, err, line)
			}
			if err := json.Unmarshal(line, &ref); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, ref) {
				t.Fatalf("sample %d:\n got %+v\nwant %+v", i, got, ref)
			}
		}
	}
}

// Lines in any other form give what encoding/json gives, error or event.
func TestEventDecoderOtherForms(t *testing.T) {
	for _, line := range []string{
		`{"time":"2026-11-20T00:00:00Z","kind":"auth","outcome":"failure","src":"1.2.3.4","citation":{"artefact":"a","offset":0,"parser":"p"}}`,
		` {"kind":"auth" , "outcome":"x"}`,
		`{"Kind":"auth","outcome":"x"}`,
		`{"kind":"a","kind":"b"}`,
		`{"kind":null,"src_port":1.0}`,
		`{"src_port":01}`,
		`{"src_port":99999999999999999999}`,
		`{"fields":{"a":"1","a":"2"}}`,
		`{"fields":null}`,
		`{"time":"not a time"}`,
		`{"user":"\ud83d\ude00 \u00e9 \/"}`,
		"{\"user\":\"raw \x01 control\"}",
		"{\"user\":\"bad utf8 \xff\"}",
		`{"extra":{"nested":[1,2]},"kind":"k"}`,
		`{"kind":"k"} trailing`,
		`{"kind":"k"}` + "\n",
		`{}`, `[]`, `null`, ``, `{`, `{"kind":"k",}`,
	} {
		var got, ref Event
		gerr := NewEventDecoder().Decode([]byte(line), &got)
		rerr := json.Unmarshal([]byte(line), &ref)
		if (gerr == nil) != (rerr == nil) || !reflect.DeepEqual(got, ref) {
			t.Errorf("%q:\n got %+v, %v\nwant %+v, %v", line, got, gerr, ref, rerr)
		}
	}
}

func FuzzEventDecoder(f *testing.F) {
	for _, e := range decodeSamples() {
		f.Add(e.AppendJSON(nil))
	}
	f.Add([]byte(`{"fields":{"a":"\u0041"},"citation":{"line":-0}}`))
	d := NewEventDecoder() // shared across inputs, as a scan shares it
	f.Fuzz(func(t *testing.T, line []byte) {
		var got, ref Event
		gerr := d.Decode(line, &got)
		rerr := json.Unmarshal(line, &ref)
		if (gerr == nil) != (rerr == nil) {
			t.Fatalf("%q: decoder error %v, encoding/json error %v", line, gerr, rerr)
		}
		if rerr == nil && !reflect.DeepEqual(got, ref) {
			t.Fatalf("%q:\n got %+v\nwant %+v", line, got, ref)
		}
	})
}

func BenchmarkEventDecode(b *testing.B) {
	line := decodeSamples()[0].AppendJSON(nil)
	b.Run("EventDecoder", func(b *testing.B) {
		d := NewEventDecoder()
		for b.Loop() {
			var e Event
			if err := d.Decode(line, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Every line from another address with another process id, as in a
	// case of a million sources: the strings that repeat must stay shared
	// while those that never do pass through.
	b.Run("EventDecoder-distinct-addresses", func(b *testing.B) {
		lines := make([][]byte, 100_000)
		for i := range lines {
			e := decodeSamples()[0]
			e.Src = fmt.Sprintf("11.%d.%d.7", i>>8&0xff, i&0xff)
			e.Fields = map[string]string{"pid": strconv.Itoa(1000 + i), "host": "web01", "program": "sshd"}
			lines[i] = e.AppendJSON(nil)
		}
		d := NewEventDecoder()
		i := 0
		for b.Loop() {
			var e Event
			if err := d.Decode(lines[i%len(lines)], &e); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("encoding-json", func(b *testing.B) { // the baseline
		for b.Loop() {
			var e Event
			if err := json.Unmarshal(line, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
