package graph

import (
	"context"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
)

// Progress is how far an assessment has got, for a workbench that shows
// it while the assessment runs (10^8 events take about ten minutes). Only
// counted figures: the events read in the current reading of them out of
// those the current parse runs hold (the census reads them once; an
// assessment that shards its work reads them once more, Pass 2), then the
// sources judged out of those the census found.
type Progress struct {
	Pass    int   // the reading of the events under way: 1, 2; 0 before the first
	Read    int64 // events read in this pass
	Events  int64 // events the current parse runs hold, when the pass began
	Judged  int64 // sources judged, once the events are read
	Sources int64 // sources to judge (0 until the events are read)
}

// progressEvery is how many events or sources pass between two reports:
// reporting costs a call, not a figure per event.
const progressEvery = 1 << 16

// AssessEachProgress is AssessEach reporting its progress to progress
// (nil: none), from the goroutine that reads the events and then from the
// one that gives the sources, never from two at once.
func AssessEachProgress(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string,
	progress func(Progress), head func(*attrib.Result) error, each func(*attrib.Source) error) error {
	f, err := readFacts(c)
	if err != nil {
		return err
	}
	pr := newProgressCounter(c, progress)
	p, err := prepareCounted(ctx, c, m, rules, only, f, pr)
	if err != nil {
		return err
	}
	if err := head(p.Head()); err != nil {
		return err
	}
	return pr.judging(p, each)
}

// newProgressCounter counts for report, nil when report is.
func newProgressCounter(c *evidence.Case, report func(Progress)) *progressCounter {
	if report == nil {
		return nil
	}
	return &progressCounter{report: report, es: eventstore.New(c)}
}

// judging gives each source of p to each, counting them (pc nil: not).
func (pc *progressCounter) judging(p pending, each func(*attrib.Source) error) error {
	if pc == nil {
		return p.Each(each)
	}
	pc.p.Sources = int64(p.Len())
	pc.report(pc.p)
	err := p.Each(func(s *attrib.Source) error {
		pc.p.Judged++
		if pc.p.Judged%progressEvery == 0 {
			pc.report(pc.p)
		}
		return each(s)
	})
	if err == nil {
		pc.report(pc.p)
	}
	return err
}

// progressCounter counts what an assessment read and reports it now and
// then.
type progressCounter struct {
	report func(Progress)
	es     *eventstore.Store
	p      Progress
}

// pass starts a reading of the events.
func (pc *progressCounter) pass() {
	var n int64
	if runs, err := pc.es.Current(); err == nil {
		for _, r := range runs {
			n += r.Events
		}
	}
	pc.p = Progress{Pass: pc.p.Pass + 1, Events: n}
	pc.report(pc.p)
}

// read counts one event read.
func (pc *progressCounter) read() {
	pc.p.Read++
	if pc.p.Read%progressEvery == 0 {
		pc.report(pc.p)
	}
}

// passDone reports the end of a reading.
func (pc *progressCounter) passDone() { pc.report(pc.p) }
