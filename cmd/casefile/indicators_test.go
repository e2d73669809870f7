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

func TestObsSummaryNamesRDAPAbuseContact(t *testing.T) {
	j := indicatorJSON{Observations: []enrich.Observation{
		{SourceType: enrich.TypeWHOIS, Fields: map[string]any{"org": "RIPE NCC"}},
		{SourceType: enrich.TypeRDAP, Fields: map[string]any{"abuse_email": "abuse@ripe.net", "net_name": "RIPE-NCC"}},
		{SourceType: enrich.TypeRDAP, Fields: map[string]any{"not_found": true}},
	}}
	if got, want := obsSummary(j), "org RIPE NCC; abuse abuse@ripe.net"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
