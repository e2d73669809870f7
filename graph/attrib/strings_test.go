package attrib

import (
	"encoding/json"
	"testing"
	"unsafe"
)

// TestStringsShareRepeatedTexts: a result held whole keeps one copy of a
// text its sources repeat, and says exactly what it said before.
func TestStringsShareRepeatedTexts(t *testing.T) {
	in := genInput(20_000, 2_000)
	res, err := Assess(nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := p.Head()
	if err := p.Each(func(s *Source) error { plain.Sources = append(plain.Sources, *s); return nil }); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(res)
	b, _ := json.Marshal(plain)
	if string(a) != string(b) {
		t.Fatal("sharing strings changed the result")
	}
	first := map[string]*byte{} // a recommendation → where its bytes are
	shared := 0
	for i := range res.Sources {
		r := res.Sources[i].Recommendation
		if at, ok := first[r]; !ok {
			first[r] = unsafe.StringData(r)
		} else if at != unsafe.StringData(r) {
			t.Fatalf("source %d: its recommendation is a copy of its own", i)
		} else {
			shared++
		}
	}
	if shared == 0 {
		t.Fatal("no two sources share a recommendation: the test proves nothing")
	}
}
