package attrib

import (
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// feedBatch is the number of events the rules run ahead of the folding by.
const feedBatch = 256

// matched is a batch of events with the plain rules each matched: the
// hits of event k are hits[ends[k-1]:ends[k]].
type matched struct {
	evs  []parse.Event
	hits []*sigma.Rule
	ends []int
}

// feed reads every event of in into a; with limit > 0 it stops, false,
// once a holds more than limit sources.
//
// The rules run on a goroutine of their own, a few batches ahead of the
// folding, and the stream's reading and decoding on a third: the rules
// cost as much as the rest of an event's aggregation together, and a
// case of 10^8 events is otherwise bound by one processor. The events
// are folded in the order they come, each with its own hits, so the
// result is the one a single goroutine gives.
func (a *aggregator) feed(in *Input, limit int) bool {
	reset := func(b *matched) { b.evs, b.hits, b.ends = b.evs[:0], b.hits[:0], b.ends[:0] }
	produce := func(bp **matched, send func() bool) {
		collect := func(r *sigma.Rule) { (*bp).hits = append((*bp).hits, r) }
		each := func(e *parse.Event) bool {
			a.run.Match(e, collect)
			b := *bp
			b.evs = append(b.evs, *e)
			b.ends = append(b.ends, len(b.hits))
			return len(b.evs) < feedBatch || send()
		}
		for i := range in.Events {
			if !each(&in.Events[i]) {
				return
			}
		}
		if in.Stream != nil {
			// One variable for every event: the loop's own would be a
			// new one each time, put on the heap since Match keeps its
			// address (10^8 allocations of an event at 10^8 events).
			var cur parse.Event
			for e := range in.Stream {
				cur = e
				if !each(&cur) {
					return
				}
			}
		}
		if len((*bp).evs) > 0 {
			send()
		}
	}
	return ahead(func() *matched { return &matched{} }, reset, produce, func(b *matched) bool {
		start := 0
		for k := range b.evs {
			a.hits = b.hits[start:b.ends[k]:b.ends[k]]
			start = b.ends[k]
			a.add(&b.evs[k])
			if limit > 0 && len(a.aggs) > limit {
				return false
			}
		}
		clear(b.evs) // let the events' strings go while the batch waits
		return true
	})
}

// ahead runs produce on a goroutine of its own, a few batches ahead of
// consume, which is given them in order. produce fills *b and calls send
// to hand it over and get a fresh one (false: consume has stopped, and
// produce should return); the batches consume is done with come back to
// produce, reset, rather than new ones. ahead returns false when consume
// did (it stopped early).
func ahead[B any](fresh func() *B, reset func(*B), produce func(b **B, send func() bool), consume func(*B) bool) bool {
	batches := make(chan *B, 4)
	free := make(chan *B, 6)
	stop := make(chan struct{})
	go func() {
		defer close(batches)
		b := fresh()
		produce(&b, func() bool {
			select {
			case batches <- b:
			case <-stop:
				return false
			}
			select {
			case b = <-free:
				reset(b)
			default:
				b = fresh()
			}
			return true
		})
	}()
	defer func() {
		close(stop)
		for range batches { // let produce see stop and go
		}
	}()
	for b := range batches {
		if !consume(b) {
			return false
		}
		select {
		case free <- b:
		default:
		}
	}
	return true
}
