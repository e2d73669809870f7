package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence/eventstore"
)

// indicatorCache holds the case's indicators, listed once per set of
// parse runs (seconds for a million events: an enrichment or a verdict
// does not list them again), by one listing at a time in the background,
// which a request waits for only as long as it chooses.
type indicatorCache struct {
	mu      sync.Mutex // not held while listing
	list    []*eventstore.Summary
	key     string // the parse runs list was made over (Server.runsKey)
	has     bool
	listing chan struct{} // closed when the listing under way ends; nil: none
	err     error         // the error of the last listing, for key errKey
	errKey  string
}

var errClosing = errors.New("the workbench is closing")

// indicators returns the case's indicators, most frequent first, waiting
// for them to be listed.
func (a *assessCache) indicators() ([]*eventstore.Summary, error) {
	inds, _, err := a.indicatorsWithin(context.Background(), time.Time{})
	return inds, err
}

// indicatorsWithin is indicators waiting for the listing only until the
// deadline (zero: none) or until ctx ends; false when not listed by then.
func (a *assessCache) indicatorsWithin(ctx context.Context, deadline time.Time) ([]*eventstore.Summary, bool, error) {
	key, err := a.s.runsKey()
	if err != nil {
		return nil, false, err
	}
	var timer <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timer = t.C
	}
	c := &a.inds
	for {
		c.mu.Lock()
		if c.has && c.key == key {
			list := c.list
			c.mu.Unlock()
			return list, true, nil
		}
		if c.err != nil && c.errKey == key {
			err := c.err
			c.err = nil // the next request lists them again
			c.mu.Unlock()
			return nil, false, err
		}
		if c.listing == nil && !a.listIndicators(key) {
			c.mu.Unlock()
			return nil, false, errClosing
		}
		ch := c.listing
		c.mu.Unlock()
		select {
		case <-ch:
		case <-timer:
			return nil, false, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

// listIndicators starts listing the indicators of the parse runs key in
// the background; false when the server closes. a.inds.mu is held.
func (a *assessCache) listIndicators(key string) bool {
	a.mu.Lock()
	closed := a.closed
	if !closed {
		a.runs.Add(1)
	}
	a.mu.Unlock()
	if closed {
		return false
	}
	c := &a.inds
	ch := make(chan struct{})
	c.listing = ch
	go func() {
		defer a.runs.Done()
		list, err := a.s.events.Indicators()
		c.mu.Lock()
		defer c.mu.Unlock()
		if err == nil {
			c.list, c.key, c.has = list, key, true
		} else {
			c.err, c.errKey = err, key
		}
		c.listing = nil
		close(ch)
	}()
	return true
}
