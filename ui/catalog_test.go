package ui

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestCatalogQueryByIndex: a list filtered by kind or by artefact, read
// through the catalog's indexes, is the list a walk of every entry gives,
// whatever the order, offset, limit and other filters.
func TestCatalogQueryByIndex(t *testing.T) {
	f := newFixture(t, "")
	other := "sha256:" + fmt.Sprintf("%064x", 7)
	var drafts []evidence.Draft
	for i := range 300 {
		art := f.auth.String()
		if i%3 == 0 {
			art = other
		}
		kind := []string{KindEvidenceViewed, "export.created", "note.written"}[i%5%3]
		actor := []string{"ann", "bob"}[i%2]
		drafts = append(drafts, evidence.Draft{Kind: kind, Actor: actor, Payload: map[string]any{"artefact": art, "offset": i}})
	}
	if _, err := f.h.Case.Append(context.Background(), drafts...); err != nil {
		t.Fatal(err)
	}
	k := f.srv.cat
	walk := func(fl logFilter) ([]uint64, int) {
		var all []uint64
		k.with(func(k *catalog) error {
			for _, e := range k.entries {
				if (fl.Kind == "" || e.Kind == fl.Kind) && (fl.Actor == "" || e.Actor == fl.Actor) && (fl.Artefact == "" || e.Artefact == fl.Artefact) {
					all = append(all, e.Index)
				}
			}
			return nil
		})
		if fl.Newest {
			slices.Reverse(all)
		}
		total := len(all)
		all = all[min(fl.Offset, len(all)):]
		if fl.Limit > 0 {
			all = all[:min(fl.Limit, len(all))]
		}
		return all, total
	}
	hx := f.auth.Hex()
	for _, fl := range []logFilter{
		{Kind: "export.created"}, {Kind: "export.created", Newest: true, Limit: 20}, {Kind: KindEvidenceViewed, Offset: 30, Limit: 10},
		{Artefact: hx}, {Artefact: hx, Newest: true, Offset: 5, Limit: 7}, {Artefact: other[7:], Kind: "note.written"},
		{Artefact: other[7:], Actor: "bob", Limit: 3}, {Kind: "no.such.kind"}, {Artefact: fmt.Sprintf("%064x", 8)}, {Limit: 5, Newest: true},
	} {
		page, total, err := k.query(fl)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, l := range page {
			got = append(got, l.Index)
		}
		want, wantTotal := walk(fl)
		if !slices.Equal(got, want) || total != wantTotal {
			t.Errorf("%+v: got %v (%d), want %v (%d)", fl, got, total, want, wantTotal)
		}
	}
	if total := k.kinds["export.created"]; total == 0 {
		t.Fatal("no export entries made")
	}
}
