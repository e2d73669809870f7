package graph

import (
	"sync"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
)

// caseObservations gives an assessment the case's observations without
// holding them all: every indicator's once, streamed in key order, then
// one source's again when it is judged, with the entries that recorded
// them (what its evidence cites). An enriched case of a million sources
// held whole took 4.7 GB.
type caseObservations struct {
	c *evidence.Case

	mu   sync.Mutex
	ind  string           // the indicator read last by of
	from map[string]int64 // its datasets → the observations.recorded entry
}

func (o *caseObservations) each(fn func(indicator string, obs []enrich.Observation) error) error {
	var list []enrich.Observation
	return observe.EachLocated(o.c, func(ind string, located []observe.Located) error {
		list = list[:0]
		for _, lo := range located {
			list = append(list, lo.Observation)
		}
		return fn(ind, list)
	})
}

func (o *caseObservations) of(ind string) ([]enrich.Observation, error) {
	located, err := observe.LocatedOf(o.c, ind)
	if err != nil {
		return nil, err
	}
	from := make(map[string]int64, len(located))
	list := make([]enrich.Observation, len(located))
	for i, lo := range located {
		list[i] = lo.Observation
		if lo.Entry >= 0 {
			from[lo.Dataset] = lo.Entry
		}
	}
	o.mu.Lock()
	o.ind, o.from = ind, from
	o.mu.Unlock()
	return list, nil
}

// recordedIn is attrib.Input.ObservedIn: the entry that recorded what
// dataset said about ind.
func (o *caseObservations) recordedIn(ind, dataset string) (int64, bool) {
	o.mu.Lock()
	same := o.ind == ind
	from := o.from
	o.mu.Unlock()
	if !same {
		if _, err := o.of(ind); err != nil {
			return 0, false
		}
		o.mu.Lock()
		from = o.from
		o.mu.Unlock()
	}
	i, ok := from[dataset]
	return i, ok
}
