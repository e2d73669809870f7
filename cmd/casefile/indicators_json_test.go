package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/casefile/casefile/enrich"
)

// TestIndicatorsJSONStreamed: indicators --json written one indicator at
// a time is what the encoder wrote for the whole listing, empty included.
func TestIndicatorsJSONStreamed(t *testing.T) {
	all := []indicatorJSON{
		{Value: "203.0.113.7", Type: "ip", Count: 3, FirstSeen: "2026-11-20T01:02:03Z", LastSeen: "2026-11-20T04:05:06Z", Artefacts: []string{"sha256:ab"}, Observations: []enrich.Observation{}},
		{Value: "<b>&x", Type: "user", Count: 1, Artefacts: []string{"sha256:cd"}, Observations: []enrich.Observation{}},
	}
	for n := 0; n <= len(all); n++ {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"indicators": all[:n]}); err != nil {
			t.Fatal(err)
		}
		err := writeIndicatorsJSON(&got, func(fn func(indicatorJSON) error) error {
			for _, j := range all[:n] {
				if err := fn(j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d indicators: got\n%s\nwant\n%s", n, got.String(), want.String())
		}
	}
}
