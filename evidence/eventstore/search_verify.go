package eventstore

import (
	"bytes"
	"fmt"

	"github.com/casefile/casefile/evidence/parse"
)

// searchVerifier rebuilds a run's search index from its stored events, as
// Verify reads them, and compares it part by part with what is stored:
// every chunk key and value, and the time column. A posting flipped,
// removed or added shows as a chunk that differs.
type searchVerifier struct {
	s        *Store
	id       [8]byte
	r        *Run
	rec      *searchRecord
	cur      *partBuilder
	part     uint32
	terms    int64
	problems []string
	err      error
}

// newSearchVerifier returns nil when the run has no search index to check
// (parsed before it existed and not searched since).
func (s *Store) newSearchVerifier(id [8]byte, r *Run) *searchVerifier {
	rec, err := s.readSearchRecord(id)
	v := &searchVerifier{s: s, id: id, r: r, rec: rec, err: err}
	if err != nil {
		return v
	}
	if rec != nil && rec.Version != SearchVersion {
		// Another version defined its terms otherwise: it cannot be
		// recomputed here, and a search rebuilds it before reading it.
		return nil
	}
	if rec == nil {
		if r.Search == 0 {
			return nil
		}
		v.problems = append(v.problems, fmt.Sprintf("the search index of run %s is missing (its entry says it was written)", r.ID))
		return v
	}
	return v
}

func (v *searchVerifier) add(e *parse.Event) {
	if v.rec == nil || v.err != nil {
		return
	}
	if v.cur == nil {
		v.cur = newPartBuilder()
	}
	v.cur.add(e)
	if len(v.cur.times) == partEvents {
		v.checkPart()
	}
}

func (v *searchVerifier) checkPart() {
	if v.cur == nil {
		return
	}
	want := v.cur.ops(v.id, v.part)
	v.terms += int64(len(v.cur.terms))
	var have [][2][]byte
	for _, p := range [][]byte{prefixSearch, prefixTimes} {
		err := v.s.c.Derived().Scan(blockKey(p, v.id, v.part), nil, func(k, val []byte) error {
			have = append(have, [2][]byte{bytes.Clone(k), bytes.Clone(val)})
			return nil
		})
		if err != nil {
			v.err = err
			return
		}
	}
	bad := len(have) != len(want)
	for i := 0; !bad && i < len(want); i++ {
		bad = !bytes.Equal(have[i][0], want[i].Key) || !bytes.Equal(have[i][1], want[i].Value)
	}
	if bad {
		v.problems = append(v.problems, fmt.Sprintf("the search index of part %d of run %s does not name the events that have its terms", v.part, v.r.ID))
	}
	v.part++
	v.cur = nil
}

// finish checks the last part, that no part lies beyond it, and the
// record; it returns the problems found.
func (v *searchVerifier) finish() ([]string, error) {
	if v.err != nil || v.rec == nil {
		return v.problems, v.err
	}
	v.checkPart()
	extra := 0
	for _, p := range [][]byte{prefixSearch, prefixTimes} {
		prefix := append(bytes.Clone(p), v.id[:]...)
		err := v.s.c.Derived().Keys(prefix, blockKey(p, v.id, v.part), func([]byte) error { extra++; return nil })
		if err != nil {
			return v.problems, err
		}
	}
	if extra > 0 {
		v.problems = append(v.problems, fmt.Sprintf("the search index of run %s has %d keys beyond its events", v.r.ID, extra))
	}
	if v.rec.Parts != int(v.part) || v.rec.Events != v.r.Events || v.rec.Terms != v.terms {
		v.problems = append(v.problems, fmt.Sprintf("the search record of run %s (%d parts, %d events, %d postings) does not match its events (%d, %d, %d)",
			v.r.ID, v.rec.Parts, v.rec.Events, v.rec.Terms, v.part, v.r.Events, v.terms))
	}
	return v.problems, nil
}
