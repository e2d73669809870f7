package main

import (
	"testing"

	"github.com/casefile/casefile/enrich"
)

func TestObsSummaryNamesEachFlag(t *testing.T) {
	j := indicatorJSON{Observations: []enrich.Observation{{SourceType: enrich.TypeMMDB,
		Fields: map[string]any{"country_iso_code": "IT", "flags": []any{"is_anonymous", "is_hosting_provider"}}}}}
	if got, want := obsSummary(j), "IT; is_anonymous,is_hosting_provider"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
