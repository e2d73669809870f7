package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteGoodVector writes a known-good package made by this writer (as
// a directory, a .tar.gz and a .zip) into the directory named by
// CASEFILE_EXPORT_VECTOR_DIR. It is how testdata/vectors/*/good* were
// made; without the variable it is skipped.
func TestWriteGoodVector(t *testing.T) {
	dir := os.Getenv("CASEFILE_EXPORT_VECTOR_DIR")
	if dir == "" {
		t.Skip("set CASEFILE_EXPORT_VECTOR_DIR to write the good vectors")
	}
	tc := newTestCase(t)
	for _, name := range []string{"good", "good.tar.gz", "good.zip"} {
		o := tc.options(filepath.Join(dir, name))
		o.AsOf, o.NoRecord = 8, true
		if _, err := Build(context.Background(), tc.c, o); err != nil {
			t.Fatal(err)
		}
	}
}
