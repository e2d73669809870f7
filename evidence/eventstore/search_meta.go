package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// partMeta is a part's time column, decoded, with its range.
type partMeta struct {
	times    []int64
	min, max int64 // over the events with a time; 0 when none has one
	zero     bool  // some event has no time
	sorted   bool  // every event has a time, in order (most logs)
	// chunks are the last terms of the part's chunks of postings, in
	// order (each names its chunk's key): a lookup finds its chunk here,
	// not by a seek in the store.
	chunks []string
}

// within tells whether every event of the part is inside q's time range.
func (m *partMeta) within(q *SearchQuery) bool {
	lo, hi := bounds(q)
	return !m.zero && m.min >= lo && m.max < hi
}

// metaCache keeps decoded time columns: every query reads them all, and
// they never change (a run's id names its content). It is shared by the
// Stores of a process and bounded by the events it holds.
var metaCache = struct {
	sync.Mutex
	m      map[[12]byte]*partMeta
	events int
}{m: map[[12]byte]*partMeta{}}

// maxCachedEvents bounds metaCache: 8 bytes an event.
const maxCachedEvents = 32 << 20

func (s *Store) partMeta(id [8]byte, part uint32) (*partMeta, error) {
	var k [12]byte
	copy(k[:], blockKey(nil, id, part))
	metaCache.Lock()
	m := metaCache.m[k]
	metaCache.Unlock()
	if m != nil {
		return m, nil
	}
	v, err := s.c.Derived().Get(blockKey(prefixTimes, id, part))
	if err != nil {
		return nil, fmt.Errorf("search index of run %x part %d: times: %w", id, part, err)
	}
	ts, err := decodeTimes(v)
	if err != nil {
		return nil, fmt.Errorf("run %x part %d: %w", id, part, err)
	}
	m = &partMeta{times: ts}
	prefix := blockKey(prefixSearch, id, part)
	err = s.c.Derived().Keys(prefix, nil, func(k []byte) error {
		m.chunks = append(m.chunks, string(k[len(prefix):]))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search index of run %x part %d: %w", id, part, err)
	}
	first := true
	m.sorted = true
	for i, t := range ts {
		m.sorted = m.sorted && t != 0 && (i == 0 || t >= ts[i-1])
		switch {
		case t == 0:
			m.zero = true
		case first:
			m.min, m.max, first = t, t, false
		default:
			m.min, m.max = min(m.min, t), max(m.max, t)
		}
	}
	metaCache.Lock()
	if metaCache.events+len(ts) > maxCachedEvents {
		clear(metaCache.m)
		metaCache.events = 0
	}
	metaCache.m[k] = m
	metaCache.events += len(ts)
	metaCache.Unlock()
	return m, nil
}

// building serialises the indexing of runs parsed before the index
// existed, so that two searches do not build the same index together.
var building sync.Mutex

// ensureIndex builds the search index of a run parsed before it existed,
// on its first search (or one of another SearchVersion): from the stored
// events, written like a parse run writes it, the record last. When the store cannot be written (a case
// opened read-only by another process's lock), the error says so.
func (s *Store) ensureIndex(ctx context.Context, r *Run) error {
	id := r.id()
	if ok, err := s.indexed(id); err != nil || ok {
		return err
	}
	building.Lock()
	defer building.Unlock()
	if ok, err := s.indexed(id); err != nil || ok {
		return err
	}
	return s.BuildIndex(ctx, r)
}

// indexed tells whether a run has a search index of the current version.
// An index of another version (its terms defined otherwise) is rebuilt
// before use, never read.
func (s *Store) indexed(id [8]byte) (bool, error) {
	rec, err := s.readSearchRecord(id)
	return rec != nil && rec.Version == SearchVersion, err
}

// BuildIndex (re)writes the search index of a run from its stored events.
func (s *Store) BuildIndex(ctx context.Context, r *Run) error {
	id := r.id()
	// An interrupted build or parse wrote the same keys with the same
	// values (they follow from the events): writing them again is safe.
	w := &searchWriter{c: s.c, id: id}
	err := s.scanRun(r, 0, Query{}, func(e *parse.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.add(e)
	})
	if err != nil {
		return fmt.Errorf("index run %s for search: %w", r.ID, err)
	}
	rec, err := w.finish()
	if err == nil {
		err = s.c.WriteDerived([]evidence.Op{rec}, true)
	}
	if err != nil {
		return fmt.Errorf("index run %s for search: %w", r.ID, err)
	}
	return nil
}

// readSearchRecord returns a run's search record (nil: none).
func (s *Store) readSearchRecord(id [8]byte) (*searchRecord, error) {
	v, err := s.c.Derived().Get(searchRecKey(id))
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var rec searchRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("search record of run %x: %w", id, err)
	}
	return &rec, nil
}

// Unindexed returns the current runs that have no search index of the
// current version yet (parsed before it existed, or indexed otherwise): a search indexes them first, which needs a
// store open for writing.
func (s *Store) Unindexed() ([]*Run, error) {
	runs, err := s.Current()
	if err != nil {
		return nil, err
	}
	var out []*Run
	for _, r := range runs {
		ok, err := s.indexed(r.id())
		if err != nil {
			return nil, err
		}
		if !ok && r.Events > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
