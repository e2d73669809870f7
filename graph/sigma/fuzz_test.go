package sigma

import (
	"errors"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// FuzzParse: no rule file makes the compiler panic; an error is always an
// *Error naming the file; a compiled rule runs on events without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range BuiltinFiles() {
		f.Add(s.Data)
	}
	f.Add([]byte(head + "  s:\n    path|contains|all: [a, b]\n  condition: 1 of s* and not (s or s) | count(user) by src, dst > 2\n  timeframe: 1m\n"))
	f.Add([]byte(head + "  s:\n    path: 'a*b?\\\\*'\n  condition: all of them | beacon() by src, dst >= 3\n"))
	f.Add([]byte("title: [\n"))
	evs := []parse.Event{httpEv("/a*b?c", "200", "sqlmap"), authFail("192.0.2.1", "root", 0, 1), authFail("192.0.2.1", "x", 30, 2),
		{Kind: parse.KindFlow, Src: "10.0.0.1", Dst: "203.0.113.1", Fields: map[string]string{"conn_state": "S0"}, Citation: parse.Citation{Parser: "zeek/1"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := New("fuzz", []Source{{Name: "f.yml", Data: data}})
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.File != "f.yml" {
				t.Fatalf("error %v is not an *Error naming the file", err)
			}
			return
		}
		r := e.Start()
		for i := range evs {
			r.Match(&evs[i], func(*Rule) {})
		}
		finish(t, r)
	})
}
