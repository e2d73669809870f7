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

	mu     sync.Mutex
	recent [recentObserved]observedEntries // the indicators read last by of, oldest replaced first
	next   int
}

// recentObserved is how many indicators' entries of keeps: sources are
// judged on several processors at once, each reading its source's
// observations and then asking where each was recorded.
const recentObserved = 16

// observedEntries is, for one indicator, the observations.recorded entry of
// each dataset that said something about it.
type observedEntries struct {
	ind  string
	from map[string]int64
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
	list, _, err := o.read(ind)
	return list, err
}

// read reads ind's observations and the entries that recorded them, and
// keeps the entries for recordedIn.
func (o *caseObservations) read(ind string) ([]enrich.Observation, map[string]int64, error) {
	located, err := observe.LocatedOf(o.c, ind)
	if err != nil {
		return nil, nil, err
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
	o.recent[o.next] = observedEntries{ind, from}
	o.next = (o.next + 1) % recentObserved
	o.mu.Unlock()
	return list, from, nil
}

// entriesOf is the entries of ind when of read it lately.
func (o *caseObservations) entriesOf(ind string) (map[string]int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.recent {
		if r.from != nil && r.ind == ind {
			return r.from, true
		}
	}
	return nil, false
}

// recordedIn is attrib.Input.ObservedIn: the entry that recorded what
// dataset said about ind.
func (o *caseObservations) recordedIn(ind, dataset string) (int64, bool) {
	from, ok := o.entriesOf(ind)
	if !ok {
		var err error
		if _, from, err = o.read(ind); err != nil {
			return 0, false
		}
	}
	i, ok := from[dataset]
	return i, ok
}
