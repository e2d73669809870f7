package export

import (
	"context"

	"github.com/casefile/casefile/evidence"
)

// kindObservations is the entry kind that records observations, owned by
// enrich/observe (evidence never imports enrich): its entries commit to
// their observations per leaf (observations_root).
const kindObservations = "observations.recorded"

// Observations is what export needs of the observations the enrichment
// layer keeps beside the log (enrich/observe.ForExport implements it).
type Observations interface {
	// Verify checks the observations and their index against the log, as
	// casefile verify does, adding what it finds to r.
	Verify(ctx context.Context, c *evidence.Case, r *evidence.Report) error
	// EntryLeaves returns, by entry, the leaves of every observations entry
	// that commits to its observations per leaf, in leaf order.
	EntryLeaves(c *evidence.Case) (map[uint64][]evidence.ItemLeaf, error)
	// EntriesAbout returns the observations entries that record something
	// about an indicator.
	EntriesAbout(c *evidence.Case, indicator string) ([]uint64, error)
}
