package notify_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/graph/notify"
)

// The drafts read as a person would send them: the preservation request to
// the relays' provider names each address, its times and source ports and
// the records to keep; the NIS2 draft counts its deadlines from when the
// incident became known, lists the indicators (relays marked as not the
// attacker) and leaves TO FILL what the case does not know. The compromised
// host's owner gets no preservation request (the e-mail warns them).
func TestDrafts(t *testing.T) {
	fx := newFixture(t)
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	o.Detected, o.DetectedWhy = time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC), "as the examiner stated it (--detected)"
	res, err := notify.Prepare(context.Background(), fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := os.ReadFile(filepath.Join(o.Out, "abuse@relays.example", notify.PreservationFile))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "relays-preservation.golden", pr)
	if _, err := os.Stat(filepath.Join(o.Out, "abuse@uni.example", notify.PreservationFile)); err == nil {
		t.Error("the compromised host's owner got a preservation request")
	}
	nis2, err := os.ReadFile(filepath.Join(o.Out, notify.NIS2File))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "nis2.golden", nis2)
	for _, want := range []string{"early warning by             2026-11-22 08:30:00 UTC", "incident notification by     2026-11-24 08:30:00 UTC", "TO FILL"} {
		if !strings.Contains(string(nis2), want) {
			t.Errorf("the NIS2 draft lacks %q", want)
		}
	}
	if res.NIS2 == nil || res.NIS2.Entry == 0 {
		t.Fatalf("NIS2 draft not recorded: %+v", res.NIS2)
	}
	if e, err := fx.c.Entry(res.NIS2.Entry); err != nil || e.Kind != notify.KindPrepared {
		t.Fatalf("entry %d: %v", res.NIS2.Entry, err)
	}
}
