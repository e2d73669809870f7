package enrich

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

func stdJSON(t *testing.T, o *Observation) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

type named string

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	d := time.Date(2026, 11, 20, 9, 2, 19, 120000000, time.UTC)
	obs := []Observation{
		{},
		{Dataset: "sha256:ab", DatasetDate: d, Indicator: "81.2.69.142", Network: "81.2.69.128/26", Reliability: "B",
			Source: "GeoIP2-City", SourceType: TypeMMDB, Fields: map[string]any{
				"city_name": "London <&>", "latitude": 51.5142, "longitude": -0.0931, "accuracy_radius": int64(10),
				"subdivision_iso_codes": []string{"ENG"}, "is_anycast": true, "none": nil, "empty": []string{},
				"nil_list": []string(nil), "u": uint64(math.MaxUint64), "i": -7, "f32": float32(0.1),
				"tiny": 1e-7, "huge": 1e21, "neg_tiny": -2.5e-9, "zero": 0.0, "ctl": "\x01\b\f\n\r\t\"\\\u2028é\xff",
				"any": []any{"a", 1.5, false, map[string]any{"z": 1, "a": []any{}}}, "named": named("x"),
				"nested": map[string]any{"b": map[string]any{}, "a": map[string]any(nil)},
			}},
		{Dataset: "sha256:cd", DatasetDate: d.In(time.FixedZone("x", 3600)), ValidAt: d.Add(time.Hour), Indicator: "1.2.3.4",
			Source: "tor-exit-addresses", SourceType: TypeTorExits, Reliability: "A", Fields: map[string]any{"within_24h": true}},
		{DatasetDate: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for i := range obs {
		got, err := obs[i].AppendJSON(nil)
		if i == len(obs)-1 {
			if err == nil {
				t.Errorf("observation %d: year 10000 encoded as %s; encoding/json refuses it", i, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("observation %d: %v", i, err)
		}
		if want := stdJSON(t, &obs[i]); !bytes.Equal(got, want) {
			t.Errorf("observation %d:\n got %s\nwant %s", i, got, want)
		}
	}
	bad := Observation{Fields: map[string]any{"nan": math.NaN()}}
	if _, err := bad.AppendJSON(nil); err == nil {
		t.Error("NaN encoded without error")
	}
}

func FuzzObservationAppendJSON(f *testing.F) {
	f.Add("London", "city", 51.5, int64(3), true, int64(0))
	f.Add("\xff\u2029<", "", 1e-7, int64(-1), false, int64(1e18))
	f.Fuzz(func(t *testing.T, s, key string, fl float64, n int64, b bool, when int64) {
		if math.IsNaN(fl) || math.IsInf(fl, 0) {
			return
		}
		o := Observation{Dataset: s, DatasetDate: time.Unix(when%(1<<34), n%1e9).UTC(), Indicator: s, Network: key,
			Fields: map[string]any{key: s, key + "f": fl, key + "n": n, key + "b": b, key + "l": []string{s, key},
				key + "a": []any{fl, map[string]any{s: n}}, key + "32": float32(fl)}}
		if math.IsInf(float64(float32(fl)), 0) {
			delete(o.Fields, key+"32")
		}
		got, err := o.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdJSON(t, &o); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}
