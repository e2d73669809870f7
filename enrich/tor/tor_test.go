package tor

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/sampledata"
)

const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

func open(t testing.TB, path string, date time.Time) *List {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := Open(f, digest, path, date)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ts(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func lookup1(t *testing.T, l *List, addr string, at time.Time) enrich.Observation {
	t.Helper()
	obs := l.Lookup(netip.MustParseAddr(addr), at)
	if len(obs) != 1 {
		t.Fatalf("%s: %d observations", addr, len(obs))
	}
	o := obs[0]
	if o.SourceType != enrich.TypeTorExits || o.Dataset != digest || o.Reliability != "A" || o.Source != l.Name() {
		t.Fatalf("%s: header %+v", addr, o)
	}
	return o
}

func TestExitAddressesFixture(t *testing.T) {
	l := open(t, "testdata/exit-addresses", time.Time{})
	want := Stats{Lines: 20, Records: 3, ExitAddresses: 4, Addresses: 3, Malformed: 5, FirstMalformed: 12}
	if l.Stats() != want {
		t.Fatalf("stats %+v, want %+v", l.Stats(), want)
	}
	if l.Name() != SourceExitAddresses || l.Type() != "tor-exits" || !l.Date().Equal(ts("2024-03-12 15:02:01")) {
		t.Fatalf("%s %s %v", l.Name(), l.Type(), l.Date())
	}
	// Two relays; the event is nearest the 2024-03-10 line.
	o := lookup1(t, l, "185.241.208.232", ts("2024-03-10 20:00:00"))
	if !o.ValidAt.Equal(ts("2024-03-10 13:03:14")) || o.Network != "185.241.208.232/32" || !o.DatasetDate.Equal(l.Date()) {
		t.Errorf("%+v", o)
	}
	wantF := map[string]any{
		"fingerprints":      []string{"23B49521BDC4588C7CCF3C38E552504118326B66", "FE39F07EBE7870DCE124AB30DF3ABD0700A43F75"},
		"relays":            int64(2),
		"exit_address_time": "2024-03-10T13:03:14Z",
		"published":         "2024-03-12T02:29:55Z",
		"last_status":       "2024-03-12T13:00:00Z",
		"within_24h":        true,
	}
	if !reflect.DeepEqual(o.Fields, wantF) {
		t.Errorf("fields %v\nwant   %v", o.Fields, wantF)
	}
	// Unknown event time: the latest line, no within_24h.
	o = lookup1(t, l, "::ffff:185.241.208.232", time.Time{})
	if o.Fields["exit_address_time"] != "2024-03-12T08:10:51Z" || o.Fields["within_24h"] != nil || o.Indicator != "185.241.208.232" {
		t.Errorf("%v", o.Fields)
	}
	// 18 months before: listed, but not within 24 h.
	if o := lookup1(t, l, "185.241.208.232", ts("2022-09-01 00:00:00")); o.Fields["within_24h"] != false {
		t.Errorf("%v", o.Fields)
	}
	// Hostile event times do not overflow into "within".
	if o := lookup1(t, l, "185.241.208.232", time.Date(-292277022399, 1, 1, 0, 0, 0, 0, time.UTC)); o.Fields["within_24h"] != false {
		t.Errorf("%v", o.Fields)
	}
	if o := lookup1(t, l, "2001:db8::7", time.Time{}); o.Network != "2001:db8::7/128" {
		t.Errorf("%v", o.Network)
	}
	// LastStatus 25:00 is malformed but the record's address still counts.
	lookup1(t, l, "171.25.193.25", time.Time{})
	for _, a := range []string{"192.0.2.1", "171.25.193.26", "8.8.8.8"} {
		if obs := l.Lookup(netip.MustParseAddr(a), time.Time{}); obs != nil {
			t.Errorf("%s: %v", a, obs)
		}
	}
}

func TestBulkFixture(t *testing.T) {
	date := time.Date(2024, 3, 12, 15, 0, 0, 0, time.UTC)
	l := open(t, "testdata/torbulkexitlist", date)
	want := Stats{Lines: 7, ExitAddresses: 4, Addresses: 4, Malformed: 1, FirstMalformed: 6}
	if l.Stats() != want {
		t.Fatalf("stats %+v, want %+v", l.Stats(), want)
	}
	if l.Name() != SourceBulkList || !l.Date().Equal(date) {
		t.Fatal(l.Name(), l.Date())
	}
	lookup1(t, l, "1.2.3.4", date)
	o := lookup1(t, l, "194.26.192.64", date.Add(-23*time.Hour))
	if !reflect.DeepEqual(o.Fields, map[string]any{"listed": true, "within_24h": true}) || !o.ValidAt.IsZero() {
		t.Errorf("%+v", o)
	}
	if o := lookup1(t, l, "2001:db8::7", date.Add(-25*time.Hour)); o.Fields["within_24h"] != false {
		t.Errorf("%v", o.Fields)
	}
	// No list date: listed, within_24h unknown.
	l = open(t, "testdata/torbulkexitlist", time.Time{})
	if o := lookup1(t, l, "194.26.192.64", date); len(o.Fields) != 1 || !o.DatasetDate.IsZero() {
		t.Errorf("%+v", o)
	}
}

func TestRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":      "",
		"blank":      "\n\n\r\n",
		"json":       `{"prefixes": []}`,
		"no address": "ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\nPublished 2024-03-11 13:07:19\n",
		"long line":  strings.Repeat("1", 5000) + "\n",
	} {
		if _, err := Open(strings.NewReader(in), digest, name, time.Time{}); !errors.Is(err, ErrNoExits) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A long line is cut and counted, and does not swallow the next one.
	l, err := Open(strings.NewReader(strings.Repeat("x", 100000)+"\n1.2.3.4\n"), digest, "long", time.Time{})
	if err != nil || l.Stats().Malformed != 1 || l.Lookup(netip.MustParseAddr("1.2.3.4"), time.Time{}) == nil {
		t.Fatalf("%v %+v", err, l)
	}
}

// The real snapshot of 2024-03-12 (../shared/data/tor-exit-list).
func TestSnapshot(t *testing.T) {
	l := open(t, sampledata.Path(t, "tor-exit-list", "exit-addresses"), time.Time{})
	st := l.Stats()
	if st.Records != 2372 || st.ExitAddresses != 2378 || st.Addresses != 1174 || st.Malformed != 0 {
		t.Fatalf("stats %+v", st)
	}
	if !l.Date().Equal(ts("2024-03-12 14:28:38")) {
		t.Errorf("date %v", l.Date())
	}
	o := lookup1(t, l, "23.137.251.61", ts("2024-03-12 12:00:00"))
	if o.Fields["relays"] != int64(12) || len(o.Fields["fingerprints"].([]string)) != 12 || o.Fields["within_24h"] != true {
		t.Errorf("23.137.251.61: %v", o.Fields)
	}
	first, last := ts("2024-03-09 04:06:44"), ts("2024-03-12 14:28:38")
	for a, es := range l.exits {
		for _, e := range es {
			if e.at.Before(first) || e.at.After(last) {
				t.Fatalf("%v: ExitAddress time %v out of range", a, e.at)
			}
		}
	}
	bl := open(t, sampledata.Path(t, "tor-exit-list", "torbulkexitlist"), last)
	if bl.Stats().Addresses != 1174 || bl.Stats().Malformed != 0 {
		t.Fatalf("bulk stats %+v", bl.Stats())
	}
	for a := range l.exits {
		if _, ok := bl.exits[a]; !ok {
			t.Fatalf("%v in exit-addresses but not in the bulk list", a)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, p := range []string{"testdata/exit-addresses", "testdata/torbulkexitlist"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Open(bytes.NewReader(b), digest, "fuzz", time.Unix(1, 0))
		if err != nil {
			return
		}
		st := l.Stats()
		if st.Addresses == 0 || st.Addresses > st.ExitAddresses || st.Malformed > st.Lines {
			t.Fatalf("stats %+v", st)
		}
		for a := range l.exits {
			if len(l.Lookup(a, time.Unix(2, 0))) != 1 {
				t.Fatalf("%v not found", a)
			}
		}
	})
}
