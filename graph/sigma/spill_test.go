package sigma

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// runWith feeds evs to a run of e with the budget and returns what Finish
// found and how many runs were spilled.
func runWith(t testing.TB, e *Engine, evs []parse.Event, budget int64) ([]Detection, int) {
	t.Helper()
	r := e.Start()
	r.Budget, r.TempDir = budget, t.TempDir()
	for i := range evs {
		r.Match(&evs[i], func(*Rule) {})
	}
	spilled := len(r.sp.ends)
	return finish(t, r), spilled
}

func text(ds []Detection) string {
	var b bytes.Buffer
	writeDetections(&b, ds)
	return b.String()
}

// TestSpillSameDetections: a run that spills its records (runs of 7, many
// hundreds of them) finds exactly what a run holding them all finds, and
// what the engine found before it could spill: the digest of the random
// stream's detections and the sample detections in testdata were made by
// the engine of commit ec9e801, which kept every record in memory.
func TestSpillSameDetections(t *testing.T) {
	eachBuffering(t, testSpillSameDetections)
}

// eachBuffering runs a test with every group's windows read from the
// group kept whole, from the second cursor (lo), and with both.
func eachBuffering(t *testing.T, test func(t *testing.T)) {
	defer func(was int64) { maxBuffered = was }(maxBuffered)
	for _, mb := range []int64{maxBuffered, 0, 3} {
		maxBuffered = mb
		t.Run(fmt.Sprintf("groups-kept-to-%d", mb), test)
	}
}

func testSpillSameDetections(t *testing.T) {
	e := aggEngine(t)
	evs := aggStream(1, 12000)
	all, n := runWith(t, e, evs, 0)
	if n != 0 {
		t.Fatalf("the default budget spilled %d runs of 12,000 events", n)
	}
	spilled, n := runWith(t, e, evs, 7*recSize)
	if n < 100 {
		t.Fatalf("a budget of 7 records spilled only %d runs", n)
	}
	if !reflect.DeepEqual(all, spilled) {
		t.Fatalf("spilled runs found\n%s\nin memory\n%s", text(spilled), text(all))
	}
	s := sha256.Sum256([]byte(text(all)))
	if got := hex.EncodeToString(s[:]); got != "9959f41808d049062b0f5dbd6dfa0e5128b8ce87c9ee72333d791ef42a81c3e2" {
		t.Errorf("detections of the random stream differ from those before spilling (sha256 %s):\n%s", got, text(all))
	}

	var real []parse.Event
	for _, p := range [][]string{
		{"loghub", "OpenSSH", "OpenSSH_2k.log"},
		{"loghub", "Linux", "Linux_2k.log"},
		{"elastic-examples-apache-access", "apache_logs"},
		{"suricata-eve-surevego", "eve.json"},
		{"zeek-wrccdc2018-brimdata", "conn-sample-from-brimdata-zed.log"},
		{"zeek-wrccdc2018-brimdata", "zeek-json", "rdp.json.gz"},
	} {
		real = append(real, sample(t, p...)...)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "detections-samples.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int64{0, 100 * recSize} {
		ds, _ := runWith(t, Builtin(), real, budget)
		if got := text(ds); got != string(want) {
			t.Errorf("budget %d: the samples' detections differ from testdata/detections-samples.golden:\n%s", budget, got)
		}
	}
}

// TestSpillRandomBudgets compares spilled and in-memory runs over streams
// of other seeds and sizes, with budgets from one record up.
func TestSpillRandomBudgets(t *testing.T) {
	eachBuffering(t, testSpillRandomBudgets)
}

func testSpillRandomBudgets(t *testing.T) {
	e := aggEngine(t)
	rng := splitmix(42)
	for seed := uint64(2); seed < 8; seed++ {
		evs := aggStream(seed, 500+rng.intn(6000))
		all, _ := runWith(t, e, evs, 0)
		if len(all) == 0 {
			t.Fatalf("seed %d: nothing fired; the stream tests nothing", seed)
		}
		budget := int64(1+rng.intn(300)) * recSize
		spilled, n := runWith(t, e, evs, budget)
		if n == 0 || !reflect.DeepEqual(all, spilled) {
			t.Fatalf("seed %d, %d events, budget %d (%d runs): spilled runs found\n%s\nin memory\n%s", seed, len(evs), budget, n, text(spilled), text(all))
		}
	}
}

// TestSpillFileRemoved: the temporary file is gone once the run is
// finished or closed, and a directory that cannot take it is an error
// from Finish, not missing detections.
func TestSpillFileRemoved(t *testing.T) {
	e := aggEngine(t)
	evs := aggStream(3, 2000)
	left := func(dir string) []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	for _, end := range []string{"finish", "close"} {
		dir := t.TempDir()
		r := e.Start()
		r.Budget, r.TempDir = 50*recSize, dir
		for i := range evs {
			r.Match(&evs[i], func(*Rule) {})
		}
		if len(r.sp.ends) == 0 {
			t.Fatal("nothing spilled")
		}
		if end == "finish" {
			finish(t, r)
		} else if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if names := left(dir); len(names) != 0 {
			t.Errorf("after %s: %v left in the temporary directory", end, names)
		}
	}

	r := e.Start()
	r.Budget, r.TempDir = 50*recSize, filepath.Join(t.TempDir(), "missing")
	for i := range evs {
		r.Match(&evs[i], func(*Rule) {})
	}
	if ds, err := r.Finish(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Finish = %d detections, %v; want an error naming the directory", len(ds), err)
	}

	// A file cut short (at a record's end or within one) is an error too.
	for _, cut := range []int64{0, 1} {
		r = e.Start()
		r.Budget, r.TempDir = 50*recSize, t.TempDir()
		for i := range evs {
			r.Match(&evs[i], func(*Rule) {})
		}
		if err := r.sp.f.Truncate(r.sp.ends[len(r.sp.ends)-2] + cut); err != nil {
			t.Fatal(err)
		}
		if ds, err := r.Finish(); err == nil {
			t.Fatalf("cut %d: Finish = %d detections and no error from a truncated file", cut, len(ds))
		}
	}
}

// TestSpillMemoryBounded: the heap a run keeps after 400,000 events is
// about what it keeps after 100,000, far less than the records it
// remembered (the growth issue 11 measured). The events repeat 200
// sources with later times and lines, so only the records grow.
func TestSpillMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds half a million events")
	}
	base := aggStream(9, 2000)
	feed := func(n int) (heap uint64, recs int64) {
		r := aggEngine(t).Start()
		r.Budget, r.TempDir = 1<<20, t.TempDir()
		defer r.Close()
		evs := make([]parse.Event, len(base))
		for i := 0; i < n; i += len(base) {
			for k := range base {
				evs[k] = base[k]
				if !evs[k].Time.IsZero() {
					evs[k].Time = evs[k].Time.Add(time.Duration(i) * time.Hour)
				}
				evs[k].Citation.Line += int64(i)
				r.Match(&evs[k], func(*Rule) {})
			}
		}
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		for _, g := range r.groups {
			recs += g.n
		}
		runtime.KeepAlive(r)
		return m.HeapAlloc, recs * recSize
	}
	const n = 100_000
	before, _ := feed(0)
	small, _ := feed(n)
	big, recs := feed(4 * n)
	small, big = small-before, big-before
	ratio := float64(big) / float64(small)
	t.Logf("live heap %.1f MiB after %d events, %.1f MiB after %d (ratio %.2f); their records take %.1f MiB",
		float64(small)/(1<<20), n, float64(big)/(1<<20), 4*n, ratio, float64(recs)/(1<<20))
	if ratio > 1.3 || big > uint64(recs/10) {
		t.Errorf("the heap grows with the events")
	}
}

func aggEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New("agg", []Source{{Name: "agg.yml", Data: []byte(aggRules)}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSortRecs: both ways of sorting (by bucket, and by comparison when
// there are many more groups than records) give cmpRec order.
func TestSortRecs(t *testing.T) {
	rng := splitmix(5)
	for _, c := range []struct{ n, groups int }{{1000, 10}, {1000, 900}, {100, 5000}, {1, 1}, {0, 3}} {
		recs := make([]rec, c.n)
		for i := range recs {
			recs[i] = rec{gid: uint32(rng.intn(c.groups)), t: int64(rng.intn(20)), seq: int64(rng.intn(1 << 30)), line: int64(i)}
		}
		want := slices.Clone(recs)
		slices.SortFunc(want, func(x, y rec) int { return cmpRec(&x, &y) })
		sortRecs(recs, c.groups)
		if !slices.Equal(recs, want) {
			t.Errorf("%d records of %d groups: not in cmpRec order", c.n, c.groups)
		}
	}
}

func BenchmarkSortRecs(b *testing.B) {
	rng := splitmix(1)
	src := make([]rec, 1<<20)
	for i := range src {
		src[i] = rec{gid: uint32(rng.intn(5000)), t: int64(rng.intn(1e6)) * 1e9, seq: int64(i)}
	}
	recs := make([]rec, len(src))
	for range b.N {
		copy(recs, src)
		sortRecs(recs, 5000)
	}
}

// TestFinishEachSameDetections: FinishEach gives the detections Finish
// gives, each with the key Finish orders a rule's by, spilled or not.
func TestFinishEachSameDetections(t *testing.T) {
	e := aggEngine(t)
	evs := aggStream(5, 4000)
	for _, budget := range []int64{0, 11 * recSize} {
		want, _ := runWith(t, e, evs, budget)
		if len(want) == 0 {
			t.Fatal("nothing fired; the stream tests nothing")
		}
		r := e.Start()
		r.Budget, r.TempDir = budget, t.TempDir()
		for i := range evs {
			r.Match(&evs[i], func(*Rule) {})
		}
		type keyed struct {
			d   Detection
			key string
		}
		var got []keyed
		if err := r.FinishEach(func(d *Detection, key string) error {
			got = append(got, keyed{*d, key})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rank := map[*Rule]int{}
		for i, rule := range e.Rules() {
			rank[rule] = i
		}
		slices.SortFunc(got, func(x, y keyed) int {
			return cmp.Or(cmp.Compare(rank[x.d.Rule], rank[y.d.Rule]), strings.Compare(x.key, y.key))
		})
		ds := make([]Detection, len(got))
		for i := range got {
			ds[i] = got[i].d
		}
		if !reflect.DeepEqual(ds, want) {
			t.Fatalf("budget %d: FinishEach found\n%s\nFinish\n%s", budget, text(ds), text(want))
		}
	}
}
