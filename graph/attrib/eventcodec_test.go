package attrib

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// oddEvents are events whose fields test the record form's corners: no
// time, a time with nanoseconds in another zone, empty and long strings,
// the source's own key in other fields, ports out of the usual range,
// and more distinct values than a file's table keeps.
func oddEvents() []parse.Event {
	zone := time.FixedZone("X", -7*3600)
	evs := []parse.Event{
		{},
		{Time: time.Date(2026, 11, 20, 3, 4, 5, 123456789, zone), TimeNote: "year from --year", Kind: parse.KindFlow, Action: "x",
			Outcome: parse.OutcomeUnknown, Src: "2001:db8::1", SrcPort: 65535, SrcService: "config.amazonaws.com", Dst: "2001:db8::1", DstPort: -1,
			User: "2001:db8::1", Fields: map[string]string{"": "", "conn_state": "S0", "note": strings.Repeat("é", 60), "2001:db8::1": "2001:db8::1"},
			Citation: parse.Citation{Artefact: "sha256:" + strings.Repeat("ab", 32), Offset: 1 << 40, Line: 3, Record: 0, Member: "gzip", Parser: "zeek-conn/1"}},
		{Time: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), Kind: parse.KindAuth, Src: "a", Fields: map[string]string{}},
		{Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Kind: parse.KindAuth, Src: "b", Citation: parse.Citation{Offset: -5, Line: -1, Record: 7}},
		{Time: time.Date(2300, 1, 1, 0, 0, 0, 999999999, time.UTC), Kind: parse.KindAlert, Src: "c"},
	}
	for i := range 3000 {
		evs = append(evs, parse.Event{Time: time.Unix(int64(1_700_000_000-i*37), 0).UTC(), Kind: parse.KindAuth, Outcome: parse.OutcomeFailure,
			Src: fmt.Sprintf("198.51.100.%d", i%256), User: fmt.Sprintf("user%d", i),
			Fields:   map[string]string{"pid": fmt.Sprint(i), fmt.Sprintf("k%d", i%1500): "v"},
			Citation: parse.Citation{Artefact: fmt.Sprintf("sha256:%064d", i/1000), Offset: int64(i) * 80, Line: int64(i) + 1, Parser: "openssh/2"}})
	}
	return evs
}

// TestEventRecordRoundTrip writes events as the census does, one file's
// records in a row, and reads them back as a shard pass does: every field
// fold reads comes back (times as the same instant, in UTC; no fields and
// an empty map alike), with the sources and rules of each record.
func TestEventRecordRoundTrip(t *testing.T) {
	enc, d := roundTrip(t, oddEvents())
	if len(enc.tab) != maxTable || len(d.tab) != maxTable {
		t.Errorf("tables of %d and %d strings, want both full (%d): the corner of a full table is not tested", len(enc.tab), len(d.tab), maxTable)
	}
}

// TestEventRecordRoundTripReal is TestEventRecordRoundTrip over the
// events of the real samples.
func TestEventRecordRoundTripReal(t *testing.T) {
	roundTrip(t, realEvents(t))
}

func roundTrip(t *testing.T, evs []parse.Event) (*eventEnc, *eventDec) {
	t.Helper()
	// A field added to an event would not be written: say so here.
	if n, m := reflect.TypeFor[parse.Event]().NumField(), reflect.TypeFor[parse.Citation]().NumField(); n != 13 || m != 6 {
		t.Fatalf("parse.Event has %d fields and Citation %d; eventEnc writes 13 and 6: write the new ones", n, m)
	}
	keys := []string{"a", "b", "c", "2001:db8::1", "198.51.100.9"}
	enc := newEventEnc()
	var recs [][]byte
	for i := range evs {
		enc.b = enc.b[:0]
		srcs := []uint64{uint64(i%len(keys))<<1 | uint64(i%2), uint64(i % 3)}[:1+i%2]
		enc.record(srcs, []int{i % 4, i % 7}[:i%3], keys[srcs[0]>>1], &evs[i])
		recs = append(recs, append([]byte(nil), enc.b...))
	}
	d := eventDec{keys: keys}
	for i, rec := range recs {
		if err := d.record(rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want := evs[i]
		if !want.Time.IsZero() {
			want.Time = want.Time.UTC()
		}
		if len(want.Fields) == 0 {
			want.Fields = nil
		}
		got := d.ev
		got.Fields = maps.Clone(got.Fields)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
		if wantSrcs := 1 + i%2; len(d.srcs) != wantSrcs || d.srcs[0] != uint64(i%len(keys))<<1|uint64(i%2) || len(d.hits) != i%3 {
			t.Fatalf("record %d: sources %v, hits %v", i, d.srcs, d.hits)
		}
	}
	return enc, &d
}

// TestEventRecordDamaged cuts a record at every byte and flips each of
// its bytes: the reader says the file is damaged or reads something, and
// never panics or reads past the record.
func TestEventRecordDamaged(t *testing.T) {
	evs := oddEvents()
	enc := newEventEnc()
	enc.record([]uint64{1}, []int{2}, "a", &evs[1])
	rec := enc.b
	for n := range len(rec) {
		d := eventDec{keys: []string{"a", "b"}}
		if err := d.record(rec[:n]); !errors.Is(err, errDamaged) {
			t.Fatalf("cut at %d of %d: %v, want errDamaged", n, len(rec), err)
		}
	}
	for i := range rec {
		b := append([]byte(nil), rec...)
		b[i] ^= 0x5a
		d := eventDec{keys: []string{"a", "b"}}
		if err := d.record(b); err != nil && !errors.Is(err, errDamaged) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
}

func FuzzEventRecord(f *testing.F) {
	evs := oddEvents()
	enc := newEventEnc()
	for i := range 6 {
		enc.b = enc.b[:0]
		enc.record([]uint64{uint64(i % 2)}, []int{i}, "a", &evs[i])
		f.Add(append([]byte(nil), enc.b...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := eventDec{keys: []string{"a", "b"}}
		if err := d.record(b); err != nil && !errors.Is(err, errDamaged) {
			t.Fatalf("%v, want errDamaged", err)
		}
		if err := d.record(b); err != nil && !errors.Is(err, errDamaged) { // with what the first read tabled
			t.Fatalf("%v, want errDamaged", err)
		}
	})
}

// TestRecordReader reads records across the ends of its buffer, records
// longer than it, and a file cut short.
func TestRecordReader(t *testing.T) {
	var file []byte
	var want [][]byte
	for i := range 300 {
		rec := []byte(strings.Repeat(string(rune('a'+i%26)), (i*37)%700))
		want = append(want, rec)
		file = binary.AppendUvarint(file, uint64(len(rec)))
		file = append(file, rec...)
	}
	for _, size := range []int{1, 16, 100, 1 << 20} {
		rr := recordReader{r: iotest.HalfReader(bytes.NewReader(file)), buf: make([]byte, 0, size)}
		for i, w := range want {
			got, err := rr.next()
			if err != nil || !bytes.Equal(got, w) {
				t.Fatalf("buffer %d, record %d: %q, %v; want %q", size, i, got, err, w)
			}
		}
		if _, err := rr.next(); err != io.EOF {
			t.Fatalf("buffer %d: %v at the end, want io.EOF", size, err)
		}
		cut := recordReader{r: bytes.NewReader(file[:len(file)-1]), buf: make([]byte, 0, size)}
		var err error
		for err == nil {
			_, err = cut.next()
		}
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("buffer %d, file cut short: %v, want io.ErrUnexpectedEOF", size, err)
		}
	}
}

// TestEventRecordSize keeps a census's files small: the events of an SSH
// log (one artefact, its digest, time note and parser on every line)
// take under 40 bytes a record (the process id and port are most of it),
// not the 110 they took while digests were too long for the table (10^8
// events made 11 GB).
func TestEventRecordSize(t *testing.T) {
	enc := newEventEnc()
	art := "sha256:" + strings.Repeat("c1", 32)
	n := 0
	const events = 10_000
	for i := range events {
		e := parse.Event{Time: time.Unix(int64(1_790_000_000+i*64), 0).UTC(), TimeNote: "year 2026 from --year; time zone UTC assumed",
			Kind: parse.KindAuth, Action: "password", Outcome: parse.OutcomeFailure, Src: fmt.Sprintf("11.%d.%d.1", i>>8&0xff, i&0xff),
			SrcPort: 1024 + i, User: "root", Fields: map[string]string{"host": "web01", "pid": fmt.Sprint(1000 + i), "program": "sshd"},
			Citation: parse.Citation{Artefact: art, Offset: int64(i) * 88 * 64, Line: int64(i)*64 + 1, Parser: "openssh/2"}}
		enc.b = enc.b[:0]
		enc.record([]uint64{uint64(i) << 1}, nil, e.Src, &e)
		n += len(enc.b)
	}
	if avg := n / events; avg > 40 {
		t.Errorf("%d bytes a record, want at most 40", avg)
	}
}
