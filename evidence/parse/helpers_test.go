package parse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence/parse"
)

// collect is a Sink that keeps everything.
type collect struct {
	events []parse.Event
	mal    []parse.Malformed
}

func (c *collect) Event(ev parse.Event) error  { c.events = append(c.events, ev); return nil }
func (c *collect) Malformed(m parse.Malformed) { c.mal = append(c.mal, m) }

// runFile parses a file through parse.Run and checks the invariants every
// parse must keep.
func runFile(t *testing.T, path, format string, opts parse.Options) (parse.Result, *collect) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Name == "" {
		opts.Name = filepath.Base(path)
	}
	return runBytes(t, data, format, opts)
}

func runBytes(t testing.TB, data []byte, format string, opts parse.Options) (parse.Result, *collect) {
	t.Helper()
	c := &collect{}
	res, err := parse.Run(bytes.NewReader(data), format, opts, c)
	if err != nil {
		t.Fatalf("Run(%s): %v", format, err)
	}
	if int(res.Stats.Events) != len(c.events) || int(res.Stats.Malformed) != len(c.mal) {
		t.Fatalf("stats %+v but %d events, %d malformed received", res.Stats, len(c.events), len(c.mal))
	}
	for _, ev := range c.events {
		if want := fmt.Sprintf("%s/%d", res.Parser, res.Version); ev.Citation.Parser != want {
			t.Fatalf("citation parser %q, want %s", ev.Citation.Parser, want)
		}
		if ev.Outcome == "" || ev.Kind == "" {
			t.Fatalf("event without kind or outcome: %+v", ev)
		}
		checkJSONRoundTrip(t, &ev)
	}
	return res, c
}

// checkJSONRoundTrip: the event's JSON is valid UTF-8 and decodes to an
// event with the same JSON, so that the stored events, their index and
// their verification see the same text (rawtext).
func checkJSONRoundTrip(t testing.TB, ev *parse.Event) {
	t.Helper()
	js := ev.AppendJSON(nil)
	if !utf8.Valid(js) {
		t.Fatalf("event JSON is not UTF-8: %q", js)
	}
	var back parse.Event
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("event JSON does not decode: %v: %q", err, js)
	}
	if again := back.AppendJSON(nil); !bytes.Equal(again, js) {
		t.Fatalf("JSON round trip changed the event:\n%q\n%q", js, again)
	}
}

// distinct counts distinct non-empty values of f over events that pass keep.
func distinct(evs []parse.Event, keep func(parse.Event) bool, f func(parse.Event) string) int {
	seen := map[string]bool{}
	for _, ev := range evs {
		if keep == nil || keep(ev) {
			if v := f(ev); v != "" {
				seen[v] = true
			}
		}
	}
	return len(seen)
}

func count(evs []parse.Event, keep func(parse.Event) bool) int {
	n := 0
	for _, ev := range evs {
		if keep(ev) {
			n++
		}
	}
	return n
}

func countBy(evs []parse.Event, f func(parse.Event) string) map[string]int {
	m := map[string]int{}
	for _, ev := range evs {
		m[f(ev)]++
	}
	return m
}

func src(ev parse.Event) string { return ev.Src }

func keys(m map[string]int) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
