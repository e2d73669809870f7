package observe

import (
	"context"

	"github.com/casefile/casefile/evidence"
)

// ForExport gives evidence/export the observations it checks and shows: it
// implements export.Observations (without importing it, so that export's
// own tests may use this package; evidence never imports enrich).
type ForExport struct{}

// Verify implements export.Observations with VerifyDerived.
func (ForExport) Verify(ctx context.Context, c *evidence.Case, r *evidence.Report) error {
	_, err := VerifyDerived(ctx, c, r)
	return err
}

// EntryLeaves implements export.Observations with EntryLeaves.
func (ForExport) EntryLeaves(c *evidence.Case) (map[uint64][]evidence.ItemLeaf, error) {
	all, err := EntryLeaves(c)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]evidence.ItemLeaf, len(all))
	for e, ls := range all {
		for _, l := range ls {
			out[e] = append(out[e], evidence.ItemLeaf{Index: l.Index, About: l.Indicator, JSON: l.JSON})
		}
	}
	return out, nil
}

// EntriesAbout implements export.Observations with LocatedOf.
func (ForExport) EntriesAbout(c *evidence.Case, indicator string) ([]uint64, error) {
	ls, err := LocatedOf(c, indicator)
	var out []uint64
	for _, l := range ls {
		if l.Entry >= 0 {
			out = append(out, uint64(l.Entry))
		}
	}
	return out, err
}
