package eventstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/parse"
)

var (
	vUsers   = []string{"root", "Admin", "deploy", "git", "svc_backup"}
	vIPs     = []string{"10.0.0.1", "185.220.101.4", "185.220.101.33", "89.160.20.130", "2001:db8::1"}
	vActions = []string{"login", "GET", "POST", "query", "exec"}
	vKinds   = []string{"auth", "http", "dns", "other", "alert"}
	vStatus  = []string{"200", "404", "500"}
	vWords   = []string{"union", "select", "from", "users", "Accepted", "password", "/etc/passwd", "index.php", "%20", "www.example.com"}
)

// randomLog is n JSON lines of events drawn from a small vocabulary, so
// that random queries find some.
func randomLog(r *rand.Rand, n int) string { return randomLogOrdered(r, n, false) }

// randomLogOrdered is randomLog, its times in order when ordered is set
// (as most logs are: the index then counts the histogram by ranges).
func randomLogOrdered(r *rand.Rand, n int, ordered bool) string {
	var b strings.Builder
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		b.WriteString("{")
		mode := r.IntN(10)
		if ordered {
			mode = 10
		}
		switch mode {
		case 0: // no time
		case 1:
			fmt.Fprintf(&b, `"timestamp":%q,`, base.Add(time.Duration(r.IntN(5*86400))*time.Second).In(time.FixedZone("", 7200)).Format(time.RFC3339))
		case 10:
			fmt.Fprintf(&b, `"timestamp":%q,`, base.Add(time.Duration(i*5*86400/n)*time.Second).Format(time.RFC3339))
		default:
			fmt.Fprintf(&b, `"timestamp":%q,`, base.Add(time.Duration(r.IntN(5*86400))*time.Second).Format(time.RFC3339))
		}
		fmt.Fprintf(&b, `"kind":%q,"src_ip":%q,"action":%q`, pick(vKinds), pick(vIPs), pick(vActions))
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"user":%q`, pick(vUsers))
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"dst_ip":%q`, pick(vIPs))
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"status":%q`, pick(vStatus))
		}
		var msg []string
		for range r.IntN(5) {
			msg = append(msg, pick(vWords))
		}
		sep := pick([]string{" ", "%20", "+", "/"})
		fmt.Fprintf(&b, `,"message":%q}`+"\n", strings.Join(msg, sep))
	}
	return b.String()
}

func randomQuery(r *rand.Rand) string {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	var cl []string
	for range 1 + r.IntN(3) {
		var c string
		switch r.IntN(10) {
		case 0:
			c = "user:" + pick(vUsers)
		case 1:
			c = "src:" + pick(vIPs[:4])
		case 2:
			c = "kind:" + pick(vKinds)
		case 3:
			c = "status:" + pick(vStatus)
		case 4:
			c = pick(vWords)
		case 5:
			c = fmt.Sprintf("%q", pick(vWords)+" "+pick(vWords))
		case 6:
			c = "after:2024-03-0" + fmt.Sprint(1+r.IntN(5))
		case 7:
			c = "before:2024-03-0" + fmt.Sprint(2+r.IntN(5)) + "T12:00"
		case 8:
			c = "action:" + pick(vActions)
		case 9:
			c = "indicator:" + pick(append(vIPs, vUsers...))
		}
		if r.IntN(4) == 0 && !strings.HasPrefix(c, "after") && !strings.HasPrefix(c, "before") {
			c = "-" + c
		}
		cl = append(cl, c)
	}
	return strings.Join(cl, " ")
}

type stored struct {
	e   *parse.Event
	pos int
}

// bruteForce is what a search must answer, read from every event.
func bruteForce(all []stored, q *eventstore.SearchQuery, sortBy string) []stored {
	var out []stored
	for _, s := range all {
		if q.Matches(s.e) {
			out = append(out, s)
		}
	}
	if sortBy != "" {
		rev := sortBy == eventstore.SortTimeRev
		slices.SortStableFunc(out, func(a, b stored) int {
			za, zb := a.e.Time.IsZero(), b.e.Time.IsZero()
			switch {
			case za && zb:
				return 0
			case za:
				return 1
			case zb:
				return -1
			}
			c := a.e.Time.Compare(b.e.Time)
			if rev {
				c = -c
			}
			return c
		})
	}
	return out
}

func searchCase(t *testing.T, r *rand.Rand, sizes ...int) (*eventstore.Store, []stored) {
	s, all, _, _ := searchCaseStore(t, r, sizes...)
	return s, all
}

func searchCaseStore(t *testing.T, r *rand.Rand, sizes ...int) (*eventstore.Store, []stored, *evidence.Case, *memstore.Store) {
	t.Helper()
	c, b := newCase(t)
	s := eventstore.New(c)
	for i, n := range sizes {
		d := ingest(t, c, randomLog(r, n), fmt.Sprintf("events%d.jsonl", i))
		if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Name: "events.jsonl"}); err != nil {
			t.Fatal(err)
		}
	}
	var all []stored
	if err := s.Events(eventstore.Query{}, func(e *parse.Event) error { all = append(all, stored{e, len(all)}); return nil }); err != nil {
		t.Fatal(err)
	}
	return s, all, c, b
}

func checkSearch(t *testing.T, s *eventstore.Store, all []stored, r *rand.Rand, text string) {
	t.Helper()
	q, err := eventstore.ParseSearch(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	sortBy := []string{eventstore.SortStored, eventstore.SortTime, eventstore.SortTimeRev}[r.IntN(3)]
	want := bruteForce(all, q, sortBy)
	o := eventstore.SearchOptions{Sort: sortBy, Offset: r.IntN(max(1, len(want)+5)), Limit: 1 + r.IntN(30)}
	if r.IntN(3) == 0 {
		o.Offset = 0
	}
	res, err := s.Search(context.Background(), q, o)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	if res.Total != int64(len(want)) {
		t.Fatalf("%q: total %d, brute force %d", text, res.Total, len(want))
	}
	var sum int64
	for _, c := range res.Histogram.Counts {
		sum += c
	}
	if sum+res.Histogram.NoTime != res.Total {
		t.Fatalf("%q: histogram counts %d + %d without time, total %d", text, sum, res.Histogram.NoTime, res.Total)
	}
	if h := res.Histogram; len(h.Counts) > 0 {
		counts := make([]int64, len(h.Counts))
		for _, w := range want {
			if !w.e.Time.IsZero() {
				counts[w.e.Time.Sub(h.Start)/h.Step]++
			}
		}
		if !slices.Equal(counts, h.Counts) {
			t.Fatalf("%q: histogram %v, brute force %v", text, h.Counts, counts)
		}
	}
	page := want[min(o.Offset, len(want)):]
	page = page[:min(len(page), o.Limit)]
	if len(res.Hits) != len(page) {
		t.Fatalf("%q sort %q offset %d: %d hits, want %d", text, sortBy, o.Offset, len(res.Hits), len(page))
	}
	for i, h := range res.Hits {
		if h.Event.Citation != page[i].e.Citation {
			t.Fatalf("%q sort %q offset %d: hit %d is %+v, want %+v", text, sortBy, o.Offset, i, h.Event.Citation, page[i].e.Citation)
		}
	}
}

// TestSearchMatchesBruteForce: random events, random queries: the index
// answers what reading every event answers (total, histogram sum, page in
// every order).
func TestSearchMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s, all := searchCase(t, r, 1500, 10, 2500)
	for range 400 {
		checkSearch(t, s, all, r, randomQuery(r))
	}
	for _, q := range []string{"", `"union select"`, "union -select", "kind:http status:500", "user:admin", "10.0.0.1", "src:10.0.0.1 -user:root"} {
		checkSearch(t, s, all, r, q)
	}
}

// TestSearchOrderedLog: a log in time order, whose histogram and range
// are counted by the bounds of each bucket.
func TestSearchOrderedLog(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c, _ := newCase(t)
	s := eventstore.New(c)
	for i, ordered := range []bool{true, false, true} {
		d := ingest(t, c, randomLogOrdered(r, 1000+500*i, ordered), fmt.Sprintf("events%d.jsonl", i))
		if _, _, err := s.Parse(context.Background(), d, eventstore.ParseOptions{Name: "events.jsonl"}); err != nil {
			t.Fatal(err)
		}
	}
	var all []stored
	if err := s.Events(eventstore.Query{}, func(e *parse.Event) error { all = append(all, stored{e, len(all)}); return nil }); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		checkSearch(t, s, all, r, randomQuery(r))
	}
	checkSearch(t, s, all, r, "")
}

// TestSearchAcrossParts: a run of more than one part of the index.
func TestSearchAcrossParts(t *testing.T) {
	if testing.Short() {
		t.Skip("70,000 events")
	}
	r := rand.New(rand.NewPCG(3, 4))
	s, all := searchCase(t, r, 70000)
	for range 15 {
		checkSearch(t, s, all, r, randomQuery(r))
	}
	checkSearch(t, s, all, r, "")
}

// TestSearchIndexBuiltOnFirstUse: a run without a search index (parsed
// before it existed) is indexed by its first search, and the index then
// verifies.
func TestSearchIndexBuiltOnFirstUse(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s, all, c, b := searchCaseStore(t, r, 800)
	for _, p := range []string{"xs/", "xt/", "xr/"} {
		for _, k := range keysOf(t, c, p) {
			b.Delete(k)
		}
	}
	checkSearch(t, s, all, r, "kind:auth")
	rec := keysOf(t, c, "xr/")[0]
	// An index of another version is not read, nor verified: the next
	// search rebuilds it.
	b.Corrupt(rec, []byte(`{"version":0}`))
	if _, err := s.Verify(context.Background(), func(w, d string) { t.Errorf("%s: %s", w, d) }); err != nil {
		t.Fatal(err)
	}
	checkSearch(t, s, all, r, "kind:auth -user:root")
	if v, _ := b.Get(rec); !strings.Contains(string(v), fmt.Sprintf(`"version":%d`, eventstore.SearchVersion)) {
		t.Fatalf("the record after the rebuild: %s", v)
	}
}

// FuzzParseSearch: any text either parses or says why; a parsed query
// reads any event without panicking, and a word or phrase clause always
// has terms to look up (else the index would select every event).
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{`src:1.2.3.4 kind:http status:500 "UNION SELECT"`, `-user:root after:2024-01-01 before:2024-01-02T10:00`,
		`"unclosed`, `field:"quoted \" value"`, `-`, `a:`, `artefact:zz`, `%20%41`, "ü.ß-x_y@z"} {
		f.Add(s)
	}
	e := &parse.Event{Kind: "http", Action: "GET", Src: "1.2.3.4", User: "root", Time: time.Unix(1700000000, 0),
		Fields:   map[string]string{"path": "/index.php?id=1%20UNION%20SELECT", "status": "500"},
		Citation: parse.Citation{Artefact: "sha256:00", Parser: "apache-access/1"}}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := eventstore.ParseSearch(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		q.Matches(e)
		for _, c := range q.Clauses {
			if c.Artefact == "" && c.Parser == "" && c.Indicator == "" && len(c.Terms) == 0 {
				t.Fatalf("%q: clause %+v has nothing to look up", text, c)
			}
		}
	})
}

func TestSearchExamples(t *testing.T) {
	e := &parse.Event{Kind: "http", Action: "GET", Src: "1.2.3.4", User: "Root", Time: time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC),
		Fields:   map[string]string{"path": "/index.php?id=1%20UNION%20SELECT%201", "status": "500", "host": "www.Example.com"},
		Citation: parse.Citation{Artefact: "sha256:abcdef", Parser: "apache-access/1"}}
	for q, want := range map[string]bool{
		`src:1.2.3.4 kind:http status:500 "UNION SELECT"`: true,
		`"select union"`: false, `union`: true, `index.php`: true, `index`: true, `php`: true, `example.com`: false,
		`www.example.com`: true, `host:www.example.com`: true, `user:root`: true, `-user:root`: false, `method:get`: true,
		`after:2024-01-01 before:2024-01-01T10:00`: false, `after:2024-01-01T10:00`: true, `parser:apache-access`: true,
		`artefact:abc`: true, `-artefact:abc`: false, `1.2.3.4`: true, `1.2.3`: false, `"id 1 union"`: true,
	} {
		sq, err := eventstore.ParseSearch(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := sq.Matches(e); got != want {
			t.Errorf("%s: matches %v, want %v", q, got, want)
		}
	}
	for _, bad := range []string{`"open`, `after:yesterday`, `src:`, `-after:2024-01-01`, `artefact:xyz`} {
		if _, err := eventstore.ParseSearch(bad); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}

// TestSavedSearches: saving is a custody entry; a change is a new entry
// (the earlier stays), an empty query removes the name; a query that does
// not parse is refused; Verify notices a saved search the log does not
// account for.
func TestSavedSearches(t *testing.T) {
	c, b := newCase(t)
	s := eventstore.New(c)
	ctx := context.Background()
	for _, sv := range [][2]string{{"logins", "kind:auth outcome:success"}, {"web", "kind:http status:500"}, {"logins", "kind:auth outcome:success -user:deploy"}, {"web", ""}} {
		if _, err := eventstore.SaveSearch(ctx, c, sv[0], sv[1], "T"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eventstore.SaveSearch(ctx, c, "bad", `"open`, "T"); err == nil {
		t.Fatal("a query that does not parse was saved")
	}
	all, err := eventstore.SavedSearches(c)
	if err != nil || len(all) != 1 || all[0].Name != "logins" || all[0].Query != "kind:auth outcome:success -user:deploy" || all[0].Actor != "T" {
		t.Fatalf("saved: %+v, %v", all, err)
	}
	n := 0
	c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == eventstore.KindSearchSaved {
			n++
		}
		return nil
	})
	if n != 4 {
		t.Fatalf("%d search.saved entries, want 4 (nothing edited in place)", n)
	}
	var ps []string
	add := func(w, d string) { ps = append(ps, w+": "+d) }
	if _, err := s.Verify(ctx, add); err != nil || len(ps) != 0 {
		t.Fatalf("intact: %v %v", ps, err)
	}
	b.Corrupt([]byte("ss/forged"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	if _, err := s.Verify(ctx, add); err != nil || len(ps) == 0 || !strings.Contains(ps[0], "no search.saved entry") {
		t.Fatalf("forged saved search: %v %v", ps, err)
	}
}
