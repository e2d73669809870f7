package ui

import (
	"testing"

	"github.com/casefile/casefile/graph/attrib"
)

// shownResult is the whole assessment the server shows, read back from
// its spill file.
func shownResult(t testing.TB, f *fixture) *attrib.Result {
	t.Helper()
	h, done, err := f.srv.assess.result(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	res, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	return res
}
