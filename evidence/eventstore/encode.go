package eventstore

import (
	"runtime"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/parse"
)

// The writer's costliest work per event, its JSON line and the keys of
// the indicators it mentions, depends on the event alone: encoders do it
// for whole batches on every core, and one goroutine stores the results
// in the order the parser produced them (the digest, the blocks and the
// postings need that order). order carries, for each batch, the channel
// its result comes back on, in the order the batches were dispatched.

// encodedBatch is a batch of events as an encoder prepared it.
type encodedBatch struct {
	evs       []parse.Event
	lines     []byte // the events' JSON lines, each ending in '\n'
	lineEnds  []int  // lines[lineEnds[i-1]:lineEnds[i]] is event i's
	keys      []byte // the postings keys of the events' indicators, one after another
	keyEnds   []int  // keys[keyEnds[j-1]:keyEnds[j]] is key j
	eventKeys []int  // event i's keys are j < eventKeys[i] (from eventKeys[i-1])
}

type encodeJob struct {
	evs []parse.Event
	out chan *encodedBatch
}

func (w *runWriter) startEncoders() {
	n := runtime.GOMAXPROCS(0)
	w.jobs = make(chan encodeJob, 2*n)
	w.order = make(chan chan *encodedBatch, 4*n)
	w.done = make(chan error, 1)
	free := make(chan *encodedBatch, 6*n) // batches to reuse, so that encoding allocates little
	for range n {
		go func() {
			var x indicator.Extractor
			var enc parse.JSONEncoder
			for j := range w.jobs {
				var b *encodedBatch
				select {
				case b = <-free:
				default:
					b = &encodedBatch{}
				}
				b.encode(&x, &enc, j.evs)
				j.out <- b
			}
		}()
	}
	go func() {
		var err error
		for out := range w.order {
			b := <-out
			if err == nil {
				if err = w.store(b); err != nil {
					w.failed.Store(true)
				}
			}
			b.evs = nil
			select {
			case free <- b:
			default:
			}
		}
		w.done <- err
	}()
}

// dispatch hands a batch to the encoders.
func (w *runWriter) dispatch(evs []parse.Event) {
	out := make(chan *encodedBatch, 1)
	w.order <- out
	w.jobs <- encodeJob{evs, out}
}

func (b *encodedBatch) encode(x *indicator.Extractor, enc *parse.JSONEncoder, evs []parse.Event) {
	b.evs = evs
	b.lines, b.lineEnds = b.lines[:0], b.lineEnds[:0]
	b.keys, b.keyEnds, b.eventKeys = b.keys[:0], b.keyEnds[:0], b.eventKeys[:0]
	for i := range evs {
		e := &evs[i]
		b.lines = append(enc.Append(b.lines, e), '\n') // what encoding/json writes, without reflection
		b.lineEnds = append(b.lineEnds, len(b.lines))
		for _, ind := range eventIndicators(x, e) {
			b.keys = appendIndicatorKey(b.keys, ind)
			b.keyEnds = append(b.keyEnds, len(b.keys))
		}
		b.eventKeys = append(b.eventKeys, len(b.keyEnds))
	}
}
