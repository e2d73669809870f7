package enrich

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// sameAsEncodingJSON fails t unless DecodeJSON gives what json.Unmarshal
// gives for b: the same observation, and an error exactly when it does.
func sameAsEncodingJSON(t *testing.T, b []byte) {
	t.Helper()
	var want, got Observation
	werr := json.Unmarshal(b, &want)
	gerr := got.DecodeJSON(b)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: DecodeJSON error %v, encoding/json %v", b, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
	}
}

// decodeSeeds are the canonical observations AppendJSON writes, and
// variations that must take encoding/json's path and come out the same.
func decodeSeeds(t testing.TB) [][]byte {
	d := time.Date(2026, 11, 20, 9, 2, 19, 120000000, time.UTC)
	o := Observation{Dataset: "sha256:ab", DatasetDate: d, ValidAt: d.Add(time.Hour), Indicator: "81.2.69.142", Network: "81.2.69.128/26",
		Reliability: "B", Source: "GeoIP2-City", SourceType: TypeMMDB, Fields: map[string]any{
			"city_name": "Zürich", "latitude": 51.5142, "longitude": -0.0931, "accuracy_radius": int64(10),
			"subdivision_iso_codes": []string{"ENG"}, "is_anycast": true, "none": nil, "empty": []string{},
			"tiny": 1e-7, "huge": 1e21, "neg": -2.5e-9, "zero": 0.0, "any": []any{"a", 1.5, false, map[string]any{"z": 1, "a": []any{}}},
			"nested": map[string]any{"b": map[string]any{}, "a": map[string]any(nil)},
		}}
	canon, err := o.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{
		canon,
		[]byte(`{}`),
		[]byte(`{"indicator":"1.2.3.4","dataset_date":"2025-11-24T16:00:00Z","source":"s"}`), // keys out of order
		[]byte(`{"indicator":"a\"b","source":"s"}`),                                          // an escape
		[]byte(`{"Indicator":"x"}`),                                                          // a key spelt otherwise
		[]byte(`{"indicator":"x","indicator":"y"}`),                                          // a key twice
		[]byte(`{"fields":{"a":1},"fields":{"b":2}}`),                                        // merged by encoding/json
		[]byte(`{"fields":null}`),
		[]byte(`{"fields":[1]}`),
		[]byte(`{"fields":{"n":1e400}}`),
		[]byte(`{"fields":{"n":01}}`),
		[]byte(`{"fields":{"n":-}}`),
		[]byte(`{"fields":{"n":1.}}`),
		[]byte(`{"fields":{"n":1e+}}`),
		[]byte(`{"fields":{"k":"v","k":"w"}}`),
		[]byte(`{"indicator":null}`),
		[]byte(`{"indicator":1}`),
		[]byte(`{"dataset_date":"yesterday"}`),
		[]byte(`{"dataset_date":null}`),
		[]byte(`{"valid_at":"2025-11-24T16:00:00+01:00"}`),
		[]byte("{\"indicator\":\"\xff\"}"), // invalid UTF-8, replaced by encoding/json
		[]byte(`{"indicator":"x"} `),
		[]byte(` {"indicator":"x"}`),
		[]byte(`{"indicator":"x"}{}`),
		[]byte(`{"indicator":"x",}`),
		[]byte(`{"indicator" : "x"}`),
		[]byte(`[]`),
		[]byte(``),
		[]byte(`{"fields":{"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}`),
	}
}

func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	for _, b := range decodeSeeds(t) {
		sameAsEncodingJSON(t, b)
	}
	// The canonical form is decoded here, not handed to encoding/json.
	var o Observation
	if d := (obsDecoder{b: decodeSeeds(t)[0]}); !d.observation(&o) {
		t.Errorf("the canonical observation was left to encoding/json (stopped at byte %d)", d.i)
	}
}

func FuzzObservationDecodeJSON(f *testing.F) {
	for _, b := range decodeSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsEncodingJSON(t, b)
	})
}

// BenchmarkDecodeObservation compares DecodeJSON with encoding/json on a
// canonical observation.
func BenchmarkDecodeObservation(b *testing.B) {
	canon := decodeSeeds(b)[0]
	b.Run("DecodeJSON", func(b *testing.B) {
		for range b.N {
			var o Observation
			if err := o.DecodeJSON(canon); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for range b.N {
			var o Observation
			if err := json.Unmarshal(canon, &o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
