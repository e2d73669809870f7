package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// TestEachEventIsEvents: EachEvent gives the events an empty query gives,
// in the same order, across runs and blocks, and stops at fn's error.
func TestEachEventIsEvents(t *testing.T) {
	c, _ := newCase(t)
	s := eventstore.New(c)
	for _, data := range []string{failedLogins(3000).String(), authLog} {
		d := ingest(t, c, data, "auth.log")
		if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Year: 2026}); err != nil {
			t.Fatal(err)
		}
	}
	var want, got []parse.Event
	if err := s.Events(eventstore.Query{}, func(e *parse.Event) error { want = append(want, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.EachEvent(func(e *parse.Event) error { got = append(got, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) || len(want) < 3000 {
		t.Fatalf("EachEvent gave %d events, Events %d, or not the same", len(got), len(want))
	}
	n, stop := 0, errors.New("enough")
	if err := s.EachEvent(func(*parse.Event) error { n++; return map[bool]error{true: stop}[n == 1500] }); err != stop || n != 1500 {
		t.Fatalf("stopped after %d events with %v", n, err)
	}
}
