package memstore_test

import (
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/storetest"
)

func TestBackendContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) evidence.Backend { return memstore.New() })
}
