package eventstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// VerifyReport says what Verify checked.
type VerifyReport struct {
	Runs   int   `json:"runs"`
	Events int64 `json:"events"`
}

// Verify checks the stored events against the custody entries that record
// them, reporting each problem through add with the entry it concerns
// ("entry 41"): for every events.parsed entry, that its run record is
// stored and says the same, that the stored events hash to the entry's
// events_digest and number its events, and that the run's indicator
// postings are as many as the entry says and each names exactly the events
// that mention its indicator. A run record no entry accounts for is a
// problem too. The entries themselves are evidence.Case.Verify's concern.
//
// Postings are recomputed with the current indicator extraction. For a run
// indexed by an older version (Run.IndexVersion), an indicator only the
// newer extraction finds is not a problem; a changed posting, or fewer
// postings than the entry says, is.
func (s *Store) Verify(ctx context.Context, add func(where, detail string)) (*VerifyReport, error) {
	rep := &VerifyReport{}
	type recorded struct {
		entry uint64
		run   Run
	}
	var runs []recorded
	saved := map[string]uint64{}
	err := s.c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindSearchSaved {
			var p savedPayload
			if json.Unmarshal(e.Payload, &p) == nil && p.Name != "" {
				saved[p.Name] = e.Index
			}
			return nil
		}
		if e.Kind != KindEventsParsed {
			return nil
		}
		var r Run
		if err := json.Unmarshal(e.Payload, &r); err != nil {
			add(fmt.Sprintf("entry %d", e.Index), "events.parsed payload does not decode: "+err.Error())
			return nil
		}
		runs = append(runs, recorded{e.Index, r})
		return ctx.Err()
	})
	if err != nil {
		return rep, err
	}
	if err := s.verifySaved(saved, add); err != nil {
		return rep, err
	}
	stored, indicators, err := s.countPostings()
	if err != nil {
		return rep, err
	}
	known := map[string]bool{}
	for _, rr := range runs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		where := fmt.Sprintf("entry %d", rr.entry)
		known[rr.run.ID] = true
		id, ok := runIDOf(rr.run.ID)
		if !ok {
			add(where, fmt.Sprintf("run id %q is malformed", rr.run.ID))
			continue
		}
		rep.Runs++
		if have, err := s.run(id); err != nil {
			add(where, fmt.Sprintf("the record of run %s is missing or unreadable: %v", rr.run.ID, err))
		} else if have.Digest != rr.run.Digest || have.Events != rr.run.Events || have.Artefact != rr.run.Artefact || have.Indicators != rr.run.Indicators {
			add(where, fmt.Sprintf("the stored record of run %s differs from the entry", rr.run.ID))
		}
		n, err := s.verifyRun(id, &rr.run, where, stored[id], indicators[id], add)
		rep.Events += n
		if err != nil {
			return rep, err
		}
	}
	// Run records the log does not account for.
	err = s.c.Derived().Scan(prefixRun, nil, func(k, v []byte) error {
		var r Run
		if json.Unmarshal(v, &r) != nil || !known[r.ID] {
			add(fmt.Sprintf("run record %x", k[len(prefixRun):]), "no events.parsed entry records this run")
		}
		return nil
	})
	return rep, err
}

func runIDOf(s string) ([8]byte, bool) {
	var id [8]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 8 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}

// countPostings counts, in one pass over the keys, the postings stored per
// run (keys under j/, or parts of postings under jp/ for parted runs) and,
// for parted runs, the distinct indicators their parts name. The parts of
// one indicator's posting in one run are adjacent keys (jp/<type>\x00<value>
// \x00<run id><part>), so the distinct indicators are counted without a set
// that would grow with the case.
func (s *Store) countPostings() (stored, indicators map[[8]byte]int, err error) {
	stored, indicators = map[[8]byte]int{}, map[[8]byte]int{}
	err = s.c.Derived().Keys(prefixPosting, nil, func(k []byte) error {
		if _, _, id, ok := splitPostingKey(k); ok {
			stored[id]++
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var prev []byte // the previous part key without its part number
	err = s.c.Derived().Keys(prefixPart, nil, func(k []byte) error {
		if _, _, id, ok := splitPartKey(k); ok {
			stored[id]++
			if head := k[:len(k)-4]; !bytes.Equal(head, prev) {
				indicators[id]++
				prev = append(prev[:0], head...)
			}
		}
		return nil
	})
	return stored, indicators, err
}

// verifyRun hashes one run's event blocks and checks its postings
// (storedPostings: how many keys the run has under j/, or under jp/ for a
// parted run; storedIndicators: how many distinct indicators a parted
// run's stored parts name).
//
// It reads and decodes the blocks here, and recomputes the postings and
// the search index from the decoded events in two goroutines of their own
// (each compares its parts with the stored ones as it goes): on two cores
// a run of a million events verifies in about a third of the time it took
// in one goroutine.
func (s *Store) verifyRun(id [8]byte, r *Run, where string, storedPostings, storedIndicators int, add func(where, detail string)) (int64, error) {
	h := sha256.New()
	var n int64
	blockErr := false
	sv := s.newSearchVerifier(id, r)
	post := s.newPostingVerifier(id, r)
	var consumers sync.WaitGroup
	var feeds []chan []parse.Event
	consume := func(fn func([]parse.Event)) {
		feed := make(chan []parse.Event, 4)
		feeds = append(feeds, feed)
		consumers.Go(func() {
			for evs := range feed {
				fn(evs)
			}
		})
	}
	consume(post.add)
	if sv != nil {
		consume(func(evs []parse.Event) {
			for i := range evs {
				sv.add(&evs[i])
			}
		})
	}
	dec := parse.NewEventDecoder()
	err := s.c.Derived().Scan(append(bytes.Clone(prefixBlock), id[:]...), nil, func(k, v []byte) error {
		lines, err := blockLines(v)
		if err != nil {
			add(where, fmt.Sprintf("event block %x of run %s: %v", k[len(prefixBlock)+8:], r.ID, err))
			blockErr = true
			return nil
		}
		evs := make([]parse.Event, len(lines))
		for i, line := range lines {
			h.Write(line)
			h.Write([]byte{'\n'})
			if err := dec.Decode(line, &evs[i]); err != nil {
				add(where, fmt.Sprintf("event %d of run %s does not decode: %v", n, r.ID, err))
				blockErr = true
			}
			n++
		}
		if blockErr {
			return nil // the digest cannot match: the postings are not compared
		}
		for _, f := range feeds {
			f <- evs // read only, by each
		}
		return nil
	})
	for _, f := range feeds {
		close(f)
	}
	consumers.Wait()
	if err == nil {
		err = post.err
	}
	if err != nil {
		return n, err
	}
	if blockErr {
		return n, nil // already reported; the digest cannot match
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != r.Digest || n != r.Events {
		add(where, fmt.Sprintf("the stored events of run %s (%d, %s) do not match the entry (%d, %s)", r.ID, n, got, r.Events, r.Digest))
		return n, nil
	}
	if sv != nil {
		ps, err := sv.finish()
		if err != nil {
			return n, err
		}
		for _, p := range ps {
			add(where, p)
		}
	}
	if r.parted() {
		if post.checkPart(); post.err != nil {
			return n, post.err
		}
		parts, partProblems := post.parts, post.problems
		if storedPostings != parts {
			add(where, fmt.Sprintf("run %s has %d posting parts stored, its events give %d", r.ID, storedPostings, parts))
		}
		// Every part recomputed from the events is stored as it should be
		// and no other (the count): the stored parts name the indicators the
		// events mention.
		if len(partProblems) == 0 && storedPostings == parts && storedIndicators != r.Indicators {
			add(where, fmt.Sprintf("the events of run %s mention %d indicators, the entry says %d", r.ID, storedIndicators, r.Indicators))
		}
		for _, p := range partProblems {
			add(where, p)
		}
		return n, nil
	}
	if storedPostings != r.Indicators {
		add(where, fmt.Sprintf("run %s has %d indicator postings stored, the entry says %d", r.ID, storedPostings, r.Indicators))
	}
	want := post.want
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	current := r.IndexVersion >= extraction
	if current && len(want) != r.Indicators {
		add(where, fmt.Sprintf("the events of run %s mention %d indicators, the entry says %d", r.ID, len(want), r.Indicators))
	}
	for _, k := range keys {
		typ, val, _ := bytes.Cut([]byte(k), []byte{0})
		v, err := s.c.Derived().Get(postingKey(indicator.Type(typ), string(val), id))
		if err != nil {
			if current {
				add(where, fmt.Sprintf("the posting of %s %q in run %s is missing", typ, val, r.ID))
			}
			continue // an older run's extraction may not have indexed it; the count says if one was deleted
		}
		if !bytes.Equal(v, encodePosting(want[k])) {
			add(where, fmt.Sprintf("the posting of %s %q in run %s does not name the events that mention it", typ, val, r.ID))
		}
	}
	return n, nil
}

// postingVerifier recomputes a run's postings from its events, given in
// order; a parted run's are compared with the stored ones part by part as
// each is complete.
type postingVerifier struct {
	s        *Store
	id       [8]byte
	r        *Run
	want     map[string]*posting // the postings of the part being read (the whole run's when not parted)
	n        int64
	part     uint32
	parts    int      // postings recomputed in the parts compared
	problems []string // of the parts compared
	err      error
}

func (s *Store) newPostingVerifier(id [8]byte, r *Run) *postingVerifier {
	return &postingVerifier{s: s, id: id, r: r, want: map[string]*posting{}}
}

func (p *postingVerifier) add(evs []parse.Event) {
	for i := range evs {
		notePostings(p.want, &evs[i], uint32(p.n))
		p.n++
		if p.r.parted() && p.n%partEvents == 0 && p.err == nil {
			p.checkPart()
		}
	}
}

// checkPart compares the part read so far and starts the next.
func (p *postingVerifier) checkPart() {
	ps, k, err := p.s.checkPart(p.id, p.r, p.part, p.want)
	p.problems = append(p.problems, ps...)
	p.parts += k
	p.part++
	p.want = map[string]*posting{}
	if err != nil {
		p.err = err
	}
}

// extraction is the last IndexVersion that changed which indicators an
// event gives (EventIndicators); later versions changed only how postings
// are stored.
const extraction = 2

// checkPart compares one part of a parted run's postings, recomputed in
// want, with the stored keys; it returns the problems and how many
// postings the part has.
func (s *Store) checkPart(id [8]byte, r *Run, part uint32, want map[string]*posting) ([]string, int, error) {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var problems []string
	for _, k := range keys {
		typ, val, _ := strings.Cut(k, "\x00")
		v, err := s.c.Derived().Get(partKey(indicator.Type(typ), val, id, part))
		switch {
		case errors.Is(err, evidence.ErrNotFound):
			problems = append(problems, fmt.Sprintf("the posting of %s %q in part %d of run %s is missing", typ, val, part, r.ID))
		case err != nil:
			return problems, len(keys), err
		case !bytes.Equal(v, encodePosting(want[k])):
			problems = append(problems, fmt.Sprintf("the posting of %s %q in part %d of run %s does not name the events that mention it", typ, val, part, r.ID))
		}
	}
	return problems, len(keys), nil
}
