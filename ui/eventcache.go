package ui

import (
	"container/list"
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

const eventCachePages = 256

// eventCache keeps recent pages of events: reading a page far into a large
// case decodes every event before it, and analysts page back and forth.
// Pages are valid until the server ingests something (the generation
// changes); the server is the only writer while it holds the case.
type eventCache struct {
	// heavy admits event scans one per spare core, so that a burst of
	// expensive queries cannot starve every other request of CPU.
	heavy chan struct{}
	mu    sync.Mutex
	gen   uint64
	pages map[string]*list.Element
	order *list.List
}

type eventPage struct {
	key    string
	events []*parse.Event
}

func newEventCache() *eventCache {
	return &eventCache{pages: map[string]*list.Element{}, order: list.New(), heavy: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
}

// query returns the events q selects, from the cache when it can.
func (c *eventCache) query(ctx context.Context, s *eventstore.Store, gen uint64, q eventstore.Query) ([]*parse.Event, error) {
	key := fmt.Sprintf("%q|%q|%q|%q|%d|%d|%d|%d", q.Indicator, q.Artefact, q.Kind, q.Outcome, q.From.UnixNano(), q.To.UnixNano(), q.Offset, q.Limit)
	c.mu.Lock()
	if c.gen != gen {
		c.gen = gen
		clear(c.pages)
		c.order.Init()
	}
	if el, ok := c.pages[key]; ok {
		c.order.MoveToFront(el)
		evs := el.Value.(*eventPage).events
		c.mu.Unlock()
		return evs, nil
	}
	c.mu.Unlock()
	var evs []*parse.Event
	select {
	case c.heavy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	err := s.Events(q, func(e *parse.Event) error { evs = append(evs, e); return ctx.Err() })
	<-c.heavy
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		if _, ok := c.pages[key]; !ok {
			c.pages[key] = c.order.PushFront(&eventPage{key, evs})
			if c.order.Len() > eventCachePages {
				old := c.order.Back()
				c.order.Remove(old)
				delete(c.pages, old.Value.(*eventPage).key)
			}
		}
	}
	return evs, nil
}
