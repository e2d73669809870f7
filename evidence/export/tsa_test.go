package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/tsa/tsatest"
)

func TestTimestamp(t *testing.T) {
	tsa := tsatest.New(t, func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) })
	tc := newTestCase(t)
	out := filepath.Join(t.TempDir(), "pkg")
	o := tc.options(out)
	o.TSA, o.HTTPClient = tsa.URL, tsa.Client()
	build(t, tc, o)
	r := mustVerify(t, out)
	if !r.OK || r.Timestamp != "2026-11-21T10:00:00Z" {
		t.Fatalf("timestamp %q, problems %+v", r.Timestamp, r.Problems)
	}
	// A timestamp over another checkpoint is refused, even re-signed.
	other, err := requestTimestamp(context.Background(), tsa.Client(), tsa.URL, []byte("another checkpoint\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkTimestamp(other, mustRead(t, filepath.Join(out, "checkpoint.txt"))); err == nil {
		t.Fatal("a timestamp over other data was accepted")
	}
	os.WriteFile(filepath.Join(out, "checkpoint.tsr"), other, 0o644)
	if r := mustVerify(t, out); r.OK || r.First().Where != "checkpoint.tsr" {
		t.Fatalf("swapped timestamp: %+v", r.First())
	}
	// An unreachable authority fails the export and leaves nothing.
	o = tc.options(filepath.Join(t.TempDir(), "pkg2"))
	o.TSA = "http://127.0.0.1:1/"
	if _, err := Build(context.Background(), tc.c, o); err == nil {
		t.Fatal("export with an unreachable TSA succeeded")
	}
	if _, err := os.Stat(o.Out); err == nil {
		t.Fatal("a failed export left a package")
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
