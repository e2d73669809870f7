package observe

import (
	"bytes"
	"encoding/json"
	"testing"
)

// splitObjects agrees with encoding/json on the arrays of objects an index
// value holds: it splits an array json.Unmarshal accepts into the same
// parts, and an array it splits into valid parts is one json.Unmarshal
// accepts.
func FuzzSplitObjects(f *testing.F) {
	for _, s := range []string{
		`[{"a":1}]`, `[{"a":"}"},{"b":["{",{}]}]`, `[{"a":"\"}"}]`, `[{"a":"\\"},{}]`, `[]`, `[{}`, `[{}]]`,
		`[{},]`, `[{} ,{}]`, `[{"a":1}}{"b":2}]`, `[{"a":[}]`, `[1]`, `[{"a":"x\`, `{}`, `[{"a":"\u007d"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want []json.RawMessage
		werr := json.Unmarshal(b, &want)
		got, ok := splitObjects(b)
		objects := werr == nil && len(want) > 0
		for _, w := range want {
			if len(w) == 0 || w[0] != '{' {
				objects = false
			}
		}
		if bytes.ContainsAny(b, " \t\r\n") {
			objects = false // whitespace between parts is not the form values are written in
		}
		if objects {
			if !ok || len(got) != len(want) {
				t.Fatalf("%q: split %v %q, encoding/json %q", b, ok, got, want)
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%q: part %d is %q, encoding/json %q", b, i, got[i], want[i])
				}
			}
			return
		}
		if !ok {
			return
		}
		for _, p := range got {
			if !json.Valid(p) {
				return // refused by whoever reads the part
			}
		}
		if werr != nil {
			t.Fatalf("%q: split into valid parts %q, but encoding/json refuses it: %v", b, got, werr)
		}
	})
}
