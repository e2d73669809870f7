package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/resultleaves"
)

// VerifyReport says what Verify checked.
type VerifyReport struct {
	Entries      int   `json:"entries"`
	Observations int64 `json:"observations"`
}

// Verify checks the observation index against the observations.recorded
// entries, reporting each problem through add with the entry or index key
// it concerns. An entry that commits to its observations per leaf
// (observations_root) must find exactly its leaves in the index, each
// under the key of its indicator and source, canonical, and hashing in
// leaf order to that root. In earlier entries, which hold their
// observations, every indicator an entry records observations of must be
// indexed, pointing at exactly those observations in that entry (or, in a
// case recorded before references, holding a copy of exactly them). No
// index value may hold observations that no entry accounts for. Index
// values of indicators a source had nothing about ("[]") are not checked
// against anything: entries count those, they do not list them.
func Verify(ctx context.Context, c *evidence.Case, add func(where, detail string)) (*VerifyReport, error) {
	rep := &VerifyReport{}
	expected := map[string]bool{} // index keys the entries account for
	rooted := map[uint64]*rootedEntry{}
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != KindObservations {
			return nil
		}
		rep.Entries++
		where := fmt.Sprintf("entry %d", e.Index)
		if r, err := readRooted(e.Payload); err != nil {
			add(where, "observations.recorded payload: "+err.Error())
			return nil
		} else if r != nil {
			rooted[e.Index] = r
			rep.Observations += int64(r.count)
			return ctx.Err()
		}
		spans, key, err := entrySpans(e.Payload)
		if err != nil {
			add(where, "observations.recorded payload: "+err.Error())
			return nil
		}
		for _, sp := range spans {
			rep.Observations += int64(sp.n)
			k := obsKey(sp.ind, key)
			expected[string(k)] = true
			v, err := c.Derived().Get(k)
			if err != nil {
				add(where, fmt.Sprintf("the observations of %s are not indexed (%v)", sp.ind, err))
				continue
			}
			span := e.Payload[sp.off : sp.off+sp.len]
			switch {
			case len(v) > 0 && v[0] == '[':
				if len(v) < 2 || v[len(v)-1] != ']' || !bytes.Equal(v[1:len(v)-1], span) {
					add(where, fmt.Sprintf("the index copy of the observations of %s differs from the entry", sp.ind))
				}
			default:
				r, err := parseRef(v)
				if err != nil || r.entry != e.Index || r.off != sp.off || r.n != sp.len {
					add(where, fmt.Sprintf("the index of %s does not point at its observations in this entry", sp.ind))
				}
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return rep, err
	}
	err = c.Derived().Scan(prefixObs, nil, func(k, v []byte) error {
		if expected[string(k)] || bytes.Equal(v, []byte("[]")) {
			return nil
		}
		ind, src, _ := bytes.Cut(k[len(prefixObs):], []byte{0})
		if len(v) > 0 && v[0] == leavesTag {
			if run, err := parseLeaves(v); err == nil && rooted[run.entry] != nil {
				rooted[run.entry].add(string(ind), string(src), run, add)
				return nil
			}
		}
		add(fmt.Sprintf("observation index %s", ind), "holds observations that no entry records there")
		return nil
	})
	if err != nil {
		return rep, err
	}
	for i, r := range rooted {
		r.check(fmt.Sprintf("entry %d", i), add)
	}
	return rep, nil
}

// rootedEntry is an entry that commits to its observations per leaf, and
// the leaves the index holds for it.
type rootedEntry struct {
	root   string
	count  int
	key    string // the source's index key
	hashes map[uint64]tlog.Hash
}

// readRooted reads the commitment of an entry (nil for an earlier entry,
// which holds its observations).
func readRooted(p []byte) (*rootedEntry, error) {
	var pl struct {
		Dataset    string `json:"dataset"`
		SourceType string `json:"source_type"`
		Count      int    `json:"observation_count"`
		Root       string `json:"observations_root"`
	}
	if err := json.Unmarshal(p, &pl); err != nil {
		return nil, err
	}
	if pl.Root == "" {
		return nil, nil
	}
	if _, err := evidence.ParseRoot(pl.Root); err != nil || pl.Count < 0 {
		return nil, fmt.Errorf("observations_root %q over %d observations", pl.Root, pl.Count)
	}
	return &rootedEntry{root: pl.Root, count: pl.Count, key: Source{Dataset: pl.Dataset, Type: pl.SourceType}.key(), hashes: map[uint64]tlog.Hash{}}, nil
}

// add takes the leaves one index value holds for the entry.
func (r *rootedEntry) add(ind, src string, run leafRun, add func(where, detail string)) {
	where := fmt.Sprintf("entry %d", run.entry)
	if src != r.key {
		add(where, fmt.Sprintf("the index holds observations of %s from another source under this entry", ind))
		return
	}
	for i, l := range run.leaves {
		var o struct {
			Indicator string `json:"indicator"`
		}
		n := run.first + uint64(i)
		if err := evidence.CheckCanonical(l); err != nil || json.Unmarshal(l, &o) != nil || o.Indicator != ind {
			add(where, fmt.Sprintf("observation %d, indexed under %s, is not a canonical observation of it", n, ind))
			return
		}
		if _, dup := r.hashes[n]; dup {
			add(where, fmt.Sprintf("observation %d is indexed twice", n))
			return
		}
		r.hashes[n] = tlog.RecordHash(l)
	}
}

// check compares the leaves found in the index with the entry's root.
func (r *rootedEntry) check(where string, add func(where, detail string)) {
	hs := make([]tlog.Hash, 0, len(r.hashes))
	for i := range uint64(r.count) {
		h, ok := r.hashes[i]
		if !ok {
			add(where, fmt.Sprintf("%d of its %d observations are indexed (observation %d is not)", len(r.hashes), r.count, i))
			return
		}
		hs = append(hs, h)
	}
	t, err := evidence.NewLeafTreeOfHashes(hs)
	switch {
	case len(r.hashes) != r.count:
		add(where, fmt.Sprintf("the index holds %d observations under it, it commits to %d", len(r.hashes), r.count))
	case err != nil || evidence.EncodeRoot(t.Root()) != r.root:
		add(where, "the observations the index holds for it are not those its observations_root commits to")
	}
}

// span is where one indicator's observations sit in an entry payload.
type span struct {
	ind      string
	off, len int
	n        int // observations
}

// entrySpans finds, in a canonical observations.recorded payload, the run
// of observations of each indicator, and the index key of the source.
func entrySpans(p []byte) ([]span, string, error) {
	var pl struct {
		Dataset      string            `json:"dataset"`
		SourceType   string            `json:"source_type"`
		Observations []json.RawMessage `json:"observations"`
	}
	if err := json.Unmarshal(p, &pl); err != nil {
		return nil, "", err
	}
	key := Source{Dataset: pl.Dataset, Type: pl.SourceType}.key()
	// The payload is canonical: no whitespace, and the top-level
	// "observations" is the first array in it (the keys before it hold
	// strings and numbers), so its elements follow one another from there.
	const marker = `,"observations":[`
	at := bytes.Index(p, []byte(marker))
	if at < 0 {
		return nil, "", fmt.Errorf("no observations array")
	}
	pos := at + len(marker)
	var spans []span
	for i, raw := range pl.Observations {
		if i > 0 {
			pos++ // the comma
		}
		if pos+len(raw) > len(p) || !bytes.Equal(p[pos:pos+len(raw)], raw) {
			return nil, "", fmt.Errorf("observation %d is not where canonical JSON puts it", i)
		}
		var o struct {
			Indicator string `json:"indicator"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, "", fmt.Errorf("observation %d: %w", i, err)
		}
		if n := len(spans); n > 0 && spans[n-1].ind == o.Indicator {
			spans[n-1].len = pos + len(raw) - spans[n-1].off
			spans[n-1].n++
		} else {
			spans = append(spans, span{o.Indicator, pos, len(raw), 1})
		}
		pos += len(raw)
	}
	return spans, key, nil
}

// DerivedReport says what VerifyDerived checked.
type DerivedReport struct {
	Runs               int   `json:"runs"`
	Events             int64 `json:"events"`
	ObservationEntries int   `json:"observation_entries"`
	Observations       int64 `json:"observations"`
	AssessmentLeaves   int   `json:"assessment_leaves,omitempty"` // assessment entries whose kept leaves were checked
}

// VerifyDerived checks what Casefile reads besides the log itself against
// the entries that record it — the stored events and their postings
// (eventstore.Store.Verify), the observation index (Verify) and the kept
// leaves of assessment entries (resultleaves.Verify) — and adds
// each problem to r as a problem of the entry it concerns (of the store,
// for a stored record no entry accounts for), so that a changed event or a
// hidden observation fails verification like a changed entry does. Run it
// after evidence.Case.Verify.
func VerifyDerived(ctx context.Context, c *evidence.Case, r *evidence.Report) (*DerivedReport, error) {
	add := func(where, detail string) {
		kind := evidence.ProblemStore // a stored key no entry accounts for
		if strings.HasPrefix(where, "entry ") {
			kind = evidence.ProblemEntry
		}
		r.AddProblem(kind, where, detail)
	}
	ev, err := eventstore.New(c).Verify(ctx, add)
	if err != nil {
		return nil, err
	}
	ob, err := Verify(ctx, c, add)
	if err != nil {
		return nil, err
	}
	as, err := resultleaves.Verify(ctx, c, add)
	if err != nil {
		return nil, err
	}
	return &DerivedReport{Runs: ev.Runs, Events: ev.Events, ObservationEntries: ob.Entries, Observations: ob.Observations, AssessmentLeaves: as.Entries}, nil
}
