package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// artefact is one exported artefact and what the entries say about it.
type artefact struct {
	digest   evidence.Digest
	size     int64
	names    []string // as recorded (escaped when escaped is set), sorted, unique
	paths    []string
	sources  []string
	escaped  bool
	md5      string
	sha1     string
	entries  []uint64 // its artefact.ingested entries
	received time.Time
	// number is its exhibit number: its rank in custody order among all
	// the case's artefacts (first preserved is 1), the same in every
	// package of the case, complete or selective.
	number int
}

// exhibit names it as the report and the manifest do: "E3".
func (a *artefact) exhibit() string { return fmt.Sprintf("E%d", a.number) }

// state is the case as the package shows it.
type state struct {
	size        uint64 // checkpoint size: entries [0, size) are considered
	ckMsg       []byte
	ck          evidence.Checkpoint
	time        time.Time // time of entry size-1: the only time in the package
	info        evidence.CaseInfo
	entries     []*evidence.Entry // included, ascending
	included    []uint64
	artefacts   []*artefact // in custody order (by exhibit number)
	complete    bool
	indicators  []string
	prevSize    uint64
	prevCkMsg   []byte
	consistency tlog.TreeProof
	proved      []uint64 // sizes the package proves consistency from (addConsistency)
	witnessing  []string // the witnessing files of the package (addWitnessing)
	witnessKeys []string // the cosigner vkeys of the witnessing policy

	// What the findings rest on and which of them the package shows.
	assessment    *evidence.Entry   // the latest assessment.recorded entry before the checkpoint
	firstAssessed time.Time         // the time of the first one
	history       *history          // per source, from the kept leaves of each
	dstOnly       map[string]bool   // findings seen only as a destination
	findings      []Finding         // of the selected sources (all in a complete export)
	sources       []string          // the selected sources (selective exports)
	cited         map[uint64]bool   // entries the selected findings cite
	others        map[string]bool   // lower-cased values of every other source
	withheld      []withheld        // cited or matching entries that also name others
	leaves        []provenLeaf      // the findings' leaves in the assessment entry, by index
	leafSets      []leafSet         // every leaf of the assessment entry (complete packages)
	provenAt      map[string]string // finding → the leaf file (and line) proving it
}

// readState fixes the checkpoint, checks the log against it, and decides
// what the package holds.
func readState(ctx context.Context, c *evidence.Case, o Options) (*state, error) {
	st := &state{size: o.AsOf, history: newHistory()}
	if st.size == 0 {
		st.size = c.Log().Size()
	}
	if st.size == 0 {
		return nil, errors.New("export: the case has no entries")
	}
	var err error
	st.ckMsg, st.ck, err = c.CheckpointAt(st.size)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	st.info, err = c.Info()
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}

	// Pass 1: the whole log up to the checkpoint. Check the hash chain and
	// the Merkle root, note parse runs, ingests and the last export.
	var (
		chain    evidence.ChainChecker
		runs     = map[string]bool{}
		index    = evidence.NewArtefactIndex()
		lastTime time.Time
	)
	for e, err := range c.Walk(0, st.size) {
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			err = chain.Add(e)
		}
		if err == nil {
			err = index.Add(e)
			if err != nil {
				err = fmt.Errorf("entry %d: %w", e.Index, err)
			}
		}
		if err == nil {
			lastTime = e.Time
			err = st.notePass1(c, e, runs)
		}
		if err != nil {
			return nil, fmt.Errorf("export: the case does not verify (run casefile verify): %w", err)
		}
	}
	if err := chain.CheckCheckpoint(st.ck); err != nil {
		return nil, fmt.Errorf("export: the case does not verify (run casefile verify): %w", err)
	}
	ingested := map[evidence.Digest]*artefact{}
	for _, a := range index.All() {
		first := a.First()
		ingested[a.Digest] = &artefact{digest: a.Digest, size: a.Size(), md5: first.MD5, sha1: first.SHA1, received: first.Time,
			number: a.Number, entries: a.Entries(), names: sorted(a.Names()), paths: sorted(a.Paths()), sources: sorted(a.Sources()),
			escaped: a.Escaped()}
	}
	st.time = lastTime

	// What is selected.
	selected := map[evidence.Digest]bool{}
	st.indicators = sortedUnique(o.Indicators)
	st.complete = len(st.indicators) == 0 && len(o.Artefacts) == 0
	if st.complete {
		for d := range ingested {
			selected[d] = true
		}
	}
	for _, d := range o.Artefacts {
		if ingested[d] == nil {
			return nil, fmt.Errorf("export: artefact %s is not in the case (as of checkpoint %d)", d, st.size)
		}
		selected[d] = true
	}
	if len(st.indicators) > 0 {
		if err := selectByIndicator(c, st.indicators, runs, ingested, selected); err != nil {
			return nil, err
		}
	}
	if err := st.scope(eventstore.New(c), o, ingested, selected); err != nil {
		return nil, err
	}
	if err := st.citeObservations(c, o.Observations); err != nil {
		return nil, err
	}
	if o.Leaves != nil {
		if err := st.proveFindings(o.Leaves); err != nil {
			return nil, err
		}
	}
	if err := st.markDestinations(eventstore.New(c)); err != nil {
		return nil, err
	}
	// Pass 2: the entries the package holds. An included (or withheld)
	// entry that records observations brings the dataset it names; the
	// pass is repeated when that adds an artefact, for its entries.
	for {
		added, err := st.pass2(c, selected, ingested)
		if err != nil {
			return nil, err
		}
		if !added {
			break
		}
	}
	if len(st.provenAt) > 0 && !slices.Contains(st.included, st.assessment.Index) {
		return nil, fmt.Errorf("export: assessment entry %d names sources outside the selection (an assessment of some sources only): record an assessment of the whole case first (casefile assess)", st.assessment.Index)
	}
	if err := st.proveObservations(c, o.Observations); err != nil {
		return nil, err
	}
	for d := range selected {
		st.artefacts = append(st.artefacts, ingested[d])
	}
	sort.Slice(st.artefacts, func(i, j int) bool { return st.artefacts[i].number < st.artefacts[j].number })
	if !st.complete && len(st.entries) == 1 {
		return nil, errors.New("export: the selection matches no artefact and no entry")
	}

	if st.prevSize > 0 && st.prevSize <= st.size {
		st.prevCkMsg, _, err = c.CheckpointAt(st.prevSize)
		if err == nil {
			st.consistency, err = c.ConsistencyProof(st.prevSize, st.size)
		}
		if err != nil {
			return nil, fmt.Errorf("export: previous export: %w", err)
		}
	} else {
		st.prevSize = 0
	}
	return st, nil
}

// notePass1 notes what pass 1 needs of an entry besides its artefact:
// parse runs, assessments and the last export.
func (st *state) notePass1(c *evidence.Case, e *evidence.Entry, runs map[string]bool) error {
	switch e.Kind {
	case eventstore.KindEventsParsed:
		var r struct {
			Run string `json:"run"`
		}
		if e.DecodePayload(&r) == nil && r.Run != "" {
			runs[r.Run] = true
		}
	case kindAssessment:
		st.assessment = e
		if st.firstAssessed.IsZero() {
			st.firstAssessed = e.Time
		}
		return st.history.add(c, e)
	case KindExportCreated:
		var p struct {
			Size uint64 `json:"checkpoint_size"`
		}
		if e.DecodePayload(&p) == nil {
			st.prevSize = p.Size
		}
	}
	return nil
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// pass2 collects the entries the package shows or withholds, and reports
// whether they named a dataset not selected yet (then selected).
func (st *state) pass2(c *evidence.Case, selected map[evidence.Digest]bool, ingested map[evidence.Digest]*artefact) (bool, error) {
	st.entries, st.included, st.withheld = nil, nil, nil
	hexes := make([]string, 0, len(selected))
	for d := range selected {
		hexes = append(hexes, d.Hex())
	}
	added := false
	for e, err := range c.Walk(0, st.size) {
		if err != nil {
			return false, fmt.Errorf("export: %w", err)
		}
		if !st.complete && !st.cited[e.Index] && !includeEntry(e, st.indicators, hexes, selected) {
			continue
		}
		if !st.complete && e.Kind != evidence.KindArtefactIngested {
			var p struct {
				Dataset string `json:"dataset"`
			}
			if e.DecodePayload(&p) == nil {
				if d, err := evidence.ParseDigest(p.Dataset); err == nil && ingested[d] != nil && !selected[d] {
					selected[d], added = true, true
				}
			}
		}
		if !st.complete && e.Kind != evidence.KindCaseCreated && e.Kind != evidence.KindArtefactIngested {
			if why := st.withhold(e); why != "" {
				st.withheld = append(st.withheld, withheld{index: e.Index, kind: e.Kind, leaf: e.LeafHash(), reason: why})
				continue
			}
		}
		st.entries = append(st.entries, e)
		st.included = append(st.included, e.Index)
	}
	return added, nil
}

// selectByIndicator adds the artefacts whose parsed events mention one of
// the indicators, considering only parse runs recorded before the
// checkpoint.
func selectByIndicator(c *evidence.Case, inds []string, runs map[string]bool, ingested map[evidence.Digest]*artefact, selected map[evidence.Digest]bool) error {
	es := eventstore.New(c)
	all, err := es.Runs()
	if err != nil {
		return fmt.Errorf("export: parse runs: %w", err)
	}
	for _, r := range all {
		if !runs[r.ID] {
			continue
		}
		d, err := evidence.ParseDigest(r.Artefact)
		if err != nil || ingested[d] == nil || selected[d] {
			continue
		}
		for _, ind := range inds {
			found := false
			err := es.Events(eventstore.Query{Indicator: ind, Artefact: r.Artefact, Limit: 1}, func(*parse.Event) error {
				found = true
				return nil
			})
			if err != nil {
				return fmt.Errorf("export: events of %s: %w", r.Artefact, err)
			}
			if found {
				selected[d] = true
				break
			}
		}
	}
	return nil
}

// includeEntry applies the selection rule to one entry of a selective
// export.
func includeEntry(e *evidence.Entry, inds, hexes []string, selected map[evidence.Digest]bool) bool {
	switch e.Kind {
	case evidence.KindCaseCreated:
		return e.Index == 0
	case evidence.KindArtefactIngested, eventstore.KindEventsParsed:
		d, ok := evidence.EntryArtefact(e)
		return ok && selected[d]
	case KindExportCreated:
		// Earlier handovers are not part of this one.
		return false
	}
	var v any
	if json.Unmarshal(e.Payload, &v) != nil {
		return false
	}
	return names(v, inds, hexes, 0)
}

// names reports whether a string in v equals an indicator or contains a
// selected artefact's hash.
func names(v any, inds, hexes []string, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := v.(type) {
	case string:
		for _, i := range inds {
			if strings.EqualFold(x, i) {
				return true
			}
		}
		l := strings.ToLower(x)
		for _, h := range hexes {
			if strings.Contains(l, h) {
				return true
			}
		}
	case []any:
		for _, y := range x {
			if names(y, inds, hexes, depth+1) {
				return true
			}
		}
	case map[string]any:
		for _, y := range x {
			if names(y, inds, hexes, depth+1) {
				return true
			}
		}
	}
	return false
}

func addUnique(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	s = append(s, v)
	sort.Strings(s)
	return s
}

func sortedUnique(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = addUnique(out, s)
		}
	}
	return out
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
