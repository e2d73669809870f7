package badgerstore_test

import (
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/storetest"
)

func TestBackendContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) evidence.Backend {
		s, err := badgerstore.Open(t.TempDir(), badgerstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
