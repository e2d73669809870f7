package evidence_test

import (
	"testing"

	"github.com/casefile/casefile/evidence"
)

func TestCanonicalVectors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":"x"}`, `{"a":"x","b":1}`},
		{`{ "a" : [ 1 , 2 ] }`, `{"a":[1,2]}`},
		{`"\u00e9\u2028<>&"`, "\"é\u2028<>&\""},
		{`"\u0001\b\f\n\r\t\"\\/"`, `"\u0001\b\f\n\r\t\"\\/"`},
		{`1.0`, `1`},
		{`1e3`, `1000`},
		{`0.1`, `0.1`},
		{`-0`, `0`},
		{`1.5e-7`, `1.5e-7`},
		// RFC 8785 sorts by UTF-16 code units: U+1F600 (D83D DE00) sorts
		// before U+FF61, unlike in UTF-8 byte order.
		{`{"\uff61":1,"\ud83d\ude00":2,"z":3}`, "{\"z\":3,\"\U0001F600\":2,\"\uff61\":1}"},
	} {
		got, err := evidence.Canonical(jsonRaw(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Canonical(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if err := evidence.CheckCanonical(got); err != nil {
			t.Errorf("output of Canonical is not canonical: %s: %v", got, err)
		}
	}
	for _, bad := range []string{`{"a":1} `, `{"b":1,"a":2}`, `{"a":1.0}`, "\"\xff\"", `[1,]`, `{"a":1}{}`} {
		if evidence.CheckCanonical([]byte(bad)) == nil {
			t.Errorf("CheckCanonical accepted %q", bad)
		}
	}
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// FuzzCanonicalCheck compares the fast canonical-form checker with the
// reference (decode, re-encode, compare).
func FuzzCanonicalCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,false,null],"c":"x\n\u0001"}`, `{"b":1,"a":2}`, `1.5e-7`, `"\u00e9"`,
		`{"actor":"A","index":3,"kind":"k","payload":{},"prev":"00","time":"t"}`, `[1,2,{"x":{}}]`, `{"\ud83d\ude00":1,"\uff61":2}`, `-0`, `1E3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast := evidence.CheckCanonical(b) == nil
		ref, err := evidence.Canonical(jsonRaw(b))
		slow := err == nil && string(ref) == string(b)
		if fast != slow {
			t.Fatalf("fast %v, reference %v for %q", fast, slow, b)
		}
	})
}
