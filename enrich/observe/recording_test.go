package observe_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// A source consulted about more indicators than one entry holds, recorded
// one indicator at a time: every indicator looked up is answered for by
// exactly one entry (looked_up and not_listed add up), and EachLocated
// streams exactly what AllLocated holds, in byte order.
func TestRecordingStreamsEveryIndicatorOnce(t *testing.T) {
	c, rec := beginRecording(t)
	const n = 12000
	listed := 0
	for i := range n {
		ip := fmt.Sprintf("81.%03d.%03d.1", i/250, i%250) // byte order is numeric order
		var obs []enrich.Observation
		if i%3 != 0 {
			obs = []enrich.Observation{{Dataset: ds, Indicator: ip, Source: "big", SourceType: enrich.TypeMMDB}}
			listed++
		}
		if err := rec.Add(ip, obs); err != nil {
			t.Fatal(err)
		}
	}
	got, err := rec.Close()
	if err != nil || got != listed {
		t.Fatalf("recorded %d, want %d: %v", got, listed, err)
	}
	looked, notListed, entries := 0, 0, 0
	err = c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != observe.KindObservations {
			return nil
		}
		var p observe.Payload
		if err := e.DecodePayload(&p); err != nil {
			return err
		}
		looked, notListed, entries = looked+p.LookedUp, notListed+p.NotListed, entries+1
		return nil
	})
	if err != nil || looked != n || notListed != n-listed || entries < 3 {
		t.Errorf("entries answer for %d indicators, %d not listed, in %d entries (%v); want %d, %d, several", looked, notListed, entries, err, n, n-listed)
	}
	all, err := observe.AllLocated(c)
	if err != nil {
		t.Fatal(err)
	}
	var prev string
	seen := 0
	err = observe.EachLocated(c, func(ind string, list []observe.Located) error {
		if ind <= prev {
			return fmt.Errorf("%s after %s", ind, prev)
		}
		prev = ind
		if !reflect.DeepEqual(list, all[ind]) {
			return fmt.Errorf("%s: %v, AllLocated %v", ind, list, all[ind])
		}
		seen++
		return nil
	})
	if err != nil || seen != len(all) || seen != listed {
		t.Errorf("EachLocated gave %d indicators, AllLocated %d, %d listed: %v", seen, len(all), listed, err)
	}
}

// beginRecording starts recording a dataset in a new case.
func beginRecording(t *testing.T) (*evidence.Case, *observe.Recording) {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := observe.NewRecorder(c, "T", nil).Begin(ctx, observe.Source{Dataset: ds, Name: "big", Type: enrich.TypeMMDB})
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// Indicators must come in byte order, each once: anything else is refused
// (the index keys of a later entry would otherwise overwrite an earlier
// one's), and Close says so.
func TestRecordingRefusesIndicatorsOutOfOrder(t *testing.T) {
	_, rec := beginRecording(t)
	ob := func(ip string) []enrich.Observation {
		return []enrich.Observation{{Dataset: ds, Indicator: ip, Source: "big", SourceType: enrich.TypeMMDB}}
	}
	if err := rec.Add("81.0.0.2", ob("81.0.0.2")); err != nil {
		t.Fatal(err)
	}
	if err := rec.Add("81.0.0.1", ob("81.0.0.1")); err == nil || !strings.Contains(err.Error(), "in order") {
		t.Errorf("out of order: %v", err)
	}
	if _, err := rec.Close(); err == nil {
		t.Error("Close did not report the refused indicator")
	}
}
