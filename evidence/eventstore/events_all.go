package eventstore

import (
	"bytes"
	"fmt"

	"github.com/casefile/casefile/evidence/parse"
)

// EachEvent gives every event of the case's current runs to fn, in the
// order Events gives them for an empty query, decoding the blocks ahead
// in a goroutine of its own while fn runs: a pass of an assessment over
// 10^7 events spends a third of its time decompressing and decoding, and
// a sharded one reads them several times. A few blocks of events are
// held at once.
func (s *Store) EachEvent(fn func(*parse.Event) error) error {
	runs, err := s.Current()
	if err != nil {
		return err
	}
	type batch struct {
		evs []parse.Event
		err error
	}
	ch := make(chan batch, 4)
	stop := make(chan struct{})
	go func() {
		defer close(ch)
		dec := parse.NewEventDecoder()
		for _, r := range runs {
			id := r.id()
			err := s.c.Derived().Scan(append(bytes.Clone(prefixBlock), id[:]...), nil, func(_, v []byte) error {
				lines, err := blockLines(v)
				if err != nil {
					return err
				}
				evs := make([]parse.Event, len(lines))
				for i, line := range lines {
					if err := dec.Decode(line, &evs[i]); err != nil {
						return fmt.Errorf("event block: %w", err)
					}
				}
				select {
				case ch <- batch{evs: evs}:
					return nil
				case <-stop:
					return errStop
				}
			})
			if err != nil {
				if err != errStop {
					select {
					case ch <- batch{err: err}:
					case <-stop:
					}
				}
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range ch { // let the reader finish its block and go
		}
	}()
	for b := range ch {
		if b.err != nil {
			return b.err
		}
		for i := range b.evs {
			if err := fn(&b.evs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
