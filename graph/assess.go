// Package graph explains a case: it builds the provenance graph (what was
// derived from what, and which custody entries each step rests on) and runs
// the attribution model of graph/attrib over the case's events and
// observations.
//
// Everything here is derived from the custody log and the data it
// commits; nothing is written except the assessment.recorded entry that
// says what was concluded, when, from which state of the log, with which
// model.
//
//	size := c.Log().Size()
//	res, err := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
//	…
//	entry, err := graph.Record(ctx, c, res, size, nil, "Ann Analyst <ann@example.org>")
//
// (ExampleAssess runs it.) graph/pipeline runs the whole analyst's
// pipeline, from the logs to the recorded assessment, in one call.
package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/resultleaves"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
)

// KindAssessment is the entry kind that records an assessment.
const KindAssessment = "assessment.recorded"

// caseFacts is what one pass over the custody log tells the assessment.
type caseFacts struct {
	entryOf  map[string]int64 // artefact digest → first artefact.ingested entry
	names    map[string]string
	vantage  map[string]string // artefact → the examiner's vantage statement
	datasets []attrib.Dataset
	parsed   map[string]int64            // artefact → its latest events.parsed entry
	observed map[string]int64            // dataset digest → first observations.recorded entry
	override map[string]*attrib.Examiner // indicator → the latest examiner's verdict
	size     uint64
}

// AffectsAssessment reports whether an entry of this kind can change an
// assessment: the kinds readFacts reads (what was preserved, parsed,
// observed, and the examiners' verdicts). An assessment recorded over the
// first n entries therefore still holds, under the same model and rules,
// while no entry of these kinds follows. Keep it in step with readFacts.
func AffectsAssessment(kind string) bool {
	switch kind {
	case evidence.KindArtefactIngested, KindOverride, eventstore.KindEventsParsed, observe.KindObservations:
		return true
	}
	return false
}

func readFacts(c *evidence.Case) (*caseFacts, error) {
	f := &caseFacts{entryOf: map[string]int64{}, names: map[string]string{}, vantage: map[string]string{},
		parsed: map[string]int64{}, observed: map[string]int64{}, override: map[string]*attrib.Examiner{}, size: c.Log().Size()}
	seen := map[string]bool{}
	arts := evidence.NewArtefactIndex()
	err := c.Entries(0, func(e *evidence.Entry) error {
		if err := arts.Add(e); err != nil && !errors.Is(err, evidence.ErrArtefactSize) {
			return fmt.Errorf("entry %d: %w", e.Index, err)
		}
		switch e.Kind {
		case KindOverride:
			ind, x, err := readOverride(e)
			if err != nil {
				return err
			}
			f.override[ind] = x
		case eventstore.KindEventsParsed:
			var r eventstore.Run
			if err := e.DecodePayload(&r); err == nil {
				f.parsed[r.Artefact] = int64(e.Index)
			}
		case observe.KindObservations:
			var p struct { // the observations themselves are read through the index
				Dataset     string `json:"dataset"`
				DatasetDate string `json:"dataset_date"`
				Source      string `json:"source"`
				SourceType  string `json:"source_type"`
			}
			if err := e.DecodePayload(&p); err != nil {
				return err
			}
			if _, ok := f.observed[p.Dataset]; !ok && p.Dataset != "" {
				f.observed[p.Dataset] = int64(e.Index)
			}
			key := p.Dataset + "\x00" + p.Source
			if !seen[key] && p.Dataset != "" {
				seen[key] = true
				d := attrib.Dataset{Source: p.Source, SourceType: p.SourceType, Digest: p.Dataset}
				if t, err := parseTime(p.DatasetDate); err == nil {
					d.Date = t
				}
				f.datasets = append(f.datasets, d)
			}
		}
		return nil
	})
	for _, a := range arts.All() {
		d := a.Digest.String()
		f.entryOf[d], f.names[d] = int64(a.First().Entry), a.First().Name
		if v := a.Vantage(); v != "" {
			f.vantage[d] = v
		}
	}
	return f, err
}

// Assess runs the attribution model over the whole case: every parsed
// event (streamed, not held in memory), every recorded observation, the
// datasets consulted, and the examiner's vantage statements. only limits
// the result to some indicators.
func Assess(ctx context.Context, c *evidence.Case, m *attrib.Model, only []string) (*attrib.Result, error) {
	return AssessWith(ctx, c, m, nil, only)
}

// AssessWith is Assess with a Sigma rule set for the behaviour factors
// (nil: the built-in set; `casefile assess --rules DIR` joins the user's
// rules to it).
func AssessWith(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string) (*attrib.Result, error) {
	f, err := readFacts(c)
	if err != nil {
		return nil, err
	}
	return assess(ctx, c, m, rules, only, f)
}

func assess(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string, f *caseFacts) (*attrib.Result, error) {
	p, err := prepare(ctx, c, m, rules, only, f)
	if err != nil {
		return nil, err
	}
	return attrib.Collect(p.Head(), p.Len(), p.Each)
}

// AssessEach is AssessWith giving the result piecewise, for a case too
// large to hold every source's assessment at once: head first (the result
// without its sources), then each source in the order of Result.Sources.
// The pieces put together are what AssessWith returns.
func AssessEach(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string,
	head func(*attrib.Result) error, each func(*attrib.Source) error) error {
	return AssessEachProgress(ctx, c, m, rules, only, nil, head, each)
}

// pending is an attrib.Pending that attaches the examiners' verdicts to
// the sources it gives.
type pending struct {
	*attrib.Pending
	override map[string]*attrib.Examiner
}

func (p pending) Each(fn func(*attrib.Source) error) error {
	return p.Pending.Each(func(s *attrib.Source) error {
		attachOverride(s, p.override)
		return fn(s)
	})
}

// prepare reads the case's events (streamed, not held in memory) and
// observations into an attrib.Pending.
func prepare(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string, f *caseFacts) (pending, error) {
	return prepareCounted(ctx, c, m, rules, only, f, nil)
}

// prepareCounted is prepare counting the events it reads in pr (nil: not
// counted).
func prepareCounted(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string, f *caseFacts, pr *progressCounter) (pending, error) {
	obs := &caseObservations{c: c}
	es := eventstore.New(c)
	var streamErr error
	in := attrib.Input{
		Rules:          rules,
		EachObserved:   obs.each,
		ObservationsOf: obs.of,
		ObservedIn:     obs.recordedIn,
		Datasets:       f.datasets,
		VantageProxy:   map[string]bool{},
		EntryOf: func(d string) (int64, bool) {
			i, ok := f.entryOf[d]
			return i, ok
		},
		Stream: func(yield func(parse.Event) bool) {
			// An assessment that learns it must shard stops reading and
			// reads the events again: keep the first real failure.
			if pr != nil {
				pr.pass()
				defer pr.passDone()
			}
			err := es.EachEvent(func(e *parse.Event) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if pr != nil {
					pr.read()
				}
				if !yield(*e) {
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop && streamErr == nil {
				streamErr = err
			}
		},
	}
	for a := range f.vantage {
		in.VantageProxy[a] = true
	}
	if v := os.Getenv("CASEFILE_ASSESS_SHARD_SOURCES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return pending{}, fmt.Errorf("CASEFILE_ASSESS_SHARD_SOURCES=%q: not a number of sources", v)
		}
		in.ShardSources = n
	}
	p, err := attrib.Prepare(m, in, only)
	if err != nil {
		return pending{}, err
	}
	if streamErr != nil {
		return pending{}, streamErr
	}
	return pending{p, f.override}, nil
}

var errStop = fmt.Errorf("stop")

// AssessmentPayload is the payload of an assessment.recorded entry.
//
// The entry commits to the result per source: ResultRoot is the RFC 6962
// root over one leaf per assessed source (Leaves), so that an export can
// show and prove the assessment of one source without the others, and the
// entry itself says nothing of any source (no per-role totals). Entries
// recorded before carry Digest (SHA-256 of the whole result) and Roles
// instead; they are still read.
type AssessmentPayload struct {
	Model       string   `json:"model"`
	ModelDigest string   `json:"model_digest"`
	Rules       string   `json:"rules,omitempty"`        // the Sigma rule set behind the behaviour factors
	RulesDigest string   `json:"rules_digest,omitempty"` // and its digest
	TreeSize    uint64   `json:"tree_size"`              // the log size the assessment rests on
	ResultRoot  string   `json:"result_root,omitempty"`  // base64 root over Leaves
	Sources     int      `json:"sources"`                // the number of leaves
	Only        []string `json:"only,omitempty"`
	Summary     string   `json:"summary"`
	// LeavesKept says the leaves are kept beside the log
	// (evidence/resultleaves), committed with this entry, so that verify
	// misses them if they go and an export may date each source by them.
	// Entries recorded before leaves were kept do not carry it.
	LeavesKept bool `json:"leaves_kept,omitempty"`

	// Earlier entries: the whole result's digest and the sources per role.
	Digest string         `json:"result_digest,omitempty"`
	Roles  map[string]int `json:"roles,omitempty"`
}

// Digest is the SHA-256 of the result's canonical JSON (what earlier
// assessment entries recorded).
func Digest(res *attrib.Result) (string, error) {
	b, err := evidence.Canonical(res)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:]), nil
}

// Leaves are the leaves of an assessment's result tree: the canonical JSON
// of each source's assessment, sorted by indicator.
func Leaves(res *attrib.Result) ([][]byte, error) {
	return LeavesOf(len(res.Sources), func(i int) string { return res.Sources[i].Indicator },
		func(i int) (*attrib.Source, error) { return &res.Sources[i], nil })
}

// LeavesOf is Leaves of an assessment not held whole: n sources, the
// indicator of each, and each source read when its leaf is made.
func LeavesOf(n int, indicator func(i int) string, source func(i int) (*attrib.Source, error)) ([][]byte, error) {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return indicator(idx[i]) < indicator(idx[j]) })
	out := make([][]byte, n)
	for k, i := range idx {
		if k > 0 && indicator(i) == indicator(idx[k-1]) {
			return nil, fmt.Errorf("assessment: source %s is assessed twice", indicator(i))
		}
		s, err := source(i)
		if err != nil {
			return nil, err
		}
		b, err := evidence.Canonical(s)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}

// ResultRoot is the root an assessment entry records for res, with the
// leaves it is computed over.
func ResultRoot(res *attrib.Result) (string, [][]byte, error) {
	leaves, err := Leaves(res)
	if err != nil {
		return "", nil, err
	}
	root, err := RootOf(leaves)
	return root, leaves, err
}

// RootOf is the result root over leaves (Leaves, LeavesOf).
func RootOf(leaves [][]byte) (string, error) {
	t, err := evidence.NewLeafTree(leaves)
	if err != nil {
		return "", err
	}
	return evidence.EncodeRoot(t.Root()), nil
}

// Record appends the assessment.recorded entry: which model, over which
// state of the log (treeSize, as returned by the log before assessing),
// with which result (its per-source root), and keeps the leaves of that
// root beside the log in the same atomic commit.
func Record(ctx context.Context, c *evidence.Case, res *attrib.Result, treeSize uint64, only []string, actor string) (*evidence.Entry, error) {
	leaves, err := Leaves(res)
	if err != nil {
		return nil, err
	}
	return RecordLeaves(ctx, c, res, leaves, treeSize, only, actor)
}

// RecordLeaves is Record of the assessment head describes (its Sources
// are not read) whose leaves are given, for an assessment not held whole.
func RecordLeaves(ctx context.Context, c *evidence.Case, head *attrib.Result, leaves [][]byte, treeSize uint64, only []string, actor string) (*evidence.Entry, error) {
	w := resultleaves.NewWriter(c)
	for _, l := range leaves {
		if err := w.Add(l); err != nil {
			return nil, err
		}
	}
	root, op, err := w.Finish()
	if err != nil {
		return nil, err
	}
	return appendAssessment(ctx, c, head, root, len(leaves), op, treeSize, only, actor)
}

// AssessAndRecord is what `casefile assess` does and the workbench's
// "Record this assessment": assess the case as it stands (AssessWith) and
// record the result (Record), resting on the log size before assessing.
func AssessAndRecord(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string, actor string) (*attrib.Result, *evidence.Entry, error) {
	size := c.Log().Size()
	res, err := AssessWith(ctx, c, m, rules, only)
	if err != nil {
		return nil, nil, err
	}
	e, err := Record(ctx, c, res, size, only, actor)
	if err != nil {
		return nil, nil, err
	}
	return res, e, nil
}

// Records reports whether the recorded assessment p is res: the same
// result root under the same model, over every source. What is handed over
// or shown as recorded must rest on such an entry; otherwise it is a
// preview, to be recorded first. root is res's ResultRoot.
func (p *AssessmentPayload) Records(res *attrib.Result, root string) bool {
	return p != nil && p.ResultRoot == root && p.ModelDigest == res.ModelDigest && len(p.Only) == 0
}

// Latest is the payload of the case's latest assessment.recorded entry
// (nil: none).
func Latest(c *evidence.Case) (*AssessmentPayload, error) {
	var last *AssessmentPayload
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindAssessment {
			p, err := ReadAssessment(e)
			if err != nil {
				return err
			}
			last = p
		}
		return nil
	})
	return last, err
}

// ReadAssessment decodes the payload of an assessment.recorded entry.
func ReadAssessment(e *evidence.Entry) (*AssessmentPayload, error) {
	var p AssessmentPayload
	if err := e.DecodePayload(&p); err != nil {
		return nil, fmt.Errorf("entry %d: %w", e.Index, err)
	}
	return &p, nil
}

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }
