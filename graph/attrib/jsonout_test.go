package attrib

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestJSONWriterIsEncoder: the result written one source at a time, as
// Prepare and Each give them, is byte for byte what `assess --json` wrote
// with a json.Encoder over the whole result (campaigns, rules not
// evaluated and an HTML-like character included).
func TestJSONWriterIsEncoder(t *testing.T) {
	for name, in := range map[string]Input{"golden": goldenCase().in, "pool": genInput(20000, 2000)} {
		res, err := Assess(DefaultModel(), in, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.NotEvaluated = []RuleEvents{{Rule: "r<1>&", Events: 3}}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			t.Fatal(err)
		}

		p, err := Prepare(DefaultModel(), in, nil)
		if err != nil {
			t.Fatal(err)
		}
		head := p.Head()
		head.NotEvaluated = res.NotEvaluated
		var got bytes.Buffer
		w := NewJSONWriter(&got, head)
		if err := p.Each(w.Source); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if name == "pool" && len(res.Campaigns) == 0 {
			t.Fatal("the pool case has no campaign: the test misses them")
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: streamed JSON differs from the encoder's (%d and %d bytes)", name, got.Len(), want.Len())
		}
		if err := p.Each(w.Source); err == nil {
			t.Errorf("%s: a second Each judged the sources again", name)
		}
	}
}
