// Package pipeline is the analyst's pipeline as one function: preserve and
// parse the logs (evidence/intake), preserve and consult the datasets and
// ask WHOIS and RDAP (enrich/observe), then assess every source
// (graph), and record the assessment when asked. The demo, 'casefile
// evaluate', 'casefile calibrate' and the scenario target tests all run
// it, so the model's targets are measured on the pipeline the product
// runs.
//
// It lives under graph because it ends in the assessment: graph may import
// evidence and enrich, while neither may import graph (ARCHITECTURE.md),
// so this is the lowest package that can see all three steps.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
)

// Log is one log to preserve and parse: the file at Path, or Body when it
// is set (Path is then only recorded). Meta.Name defaults to Path's base
// name, Meta.Path to Path; Parse.Name to Meta.Name. Actors left empty are
// Options.Actor.
type Log struct {
	Path   string
	Body   io.Reader
	Meta   evidence.ArtefactMeta
	Ingest evidence.IngestOptions
	Parse  eventstore.ParseOptions
	// Force parses the log even when it repeats, under another encoding,
	// one the case already holds (intake.Request.Force).
	Force bool
}

// Options control Run.
type Options struct {
	Logs []Log
	// Enrich says which datasets to consult and whether to ask WHOIS and
	// RDAP; its Actor defaults to Options.Actor.
	Enrich observe.Options
	Model  *attrib.Model // nil: attrib.DefaultModel()
	Rules  *sigma.Engine // nil: the built-in Sigma rules
	Actor  string
	// Record appends the assessment.recorded entry; otherwise the
	// assessment is computed and returned only.
	Record bool
	// Progress, when set, is told each step as it ends: every log once
	// preserved and parsed, the enrichment, the assessment.
	Progress func(Step)
}

// Stage names a step of the pipeline.
type Stage string

const (
	StageIngest Stage = "ingest" // one log preserved and parsed
	StageEnrich Stage = "enrich" // datasets, WHOIS and RDAP consulted
	StageAssess Stage = "assess" // every source assessed (and recorded)
)

// Step is what Progress is told: the stage that ended and the result so
// far (Log is the log just done, for StageIngest).
type Step struct {
	Stage  Stage
	Log    *LogResult
	Result *Result
}

// LogResult is what happened to one log.
type LogResult struct {
	Name string // Meta.Name
	*intake.Outcome
}

// Result is what each step did.
type Result struct {
	Logs       []*LogResult
	Enrichment *observe.Report
	Assessment *attrib.Result
	// Recorded is the assessment.recorded entry (nil unless Options.Record).
	Recorded *evidence.Entry
}

// Run runs the pipeline on c. A log that cannot be preserved or parsed
// stops it, since an assessment without that log's events would be
// silently partial; a log that repeats one already parsed (the same
// bytes, or a twin under another encoding) is preserved and reported in
// its Outcome, its events being in the case already. On an error, the
// Result holds the steps done so far.
func Run(ctx context.Context, c *evidence.Case, o Options) (*Result, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(Step) {}
	}
	res := &Result{}
	in := intake.New(c, eventstore.New(c))
	for _, l := range o.Logs {
		lr, err := ingest(ctx, in, l, o.Actor)
		if err != nil {
			return res, err
		}
		res.Logs = append(res.Logs, lr)
		progress(Step{Stage: StageIngest, Log: lr, Result: res})
	}

	eo := o.Enrich
	if eo.Actor == "" {
		eo.Actor = o.Actor
	}
	rep, err := observe.Run(ctx, c, eo)
	res.Enrichment = rep
	if err != nil {
		return res, fmt.Errorf("enrich: %w", err)
	}
	progress(Step{Stage: StageEnrich, Result: res})

	m := o.Model
	if m == nil {
		m = attrib.DefaultModel()
	}
	if o.Record {
		res.Assessment, res.Recorded, err = graph.AssessAndRecord(ctx, c, m, o.Rules, nil, o.Actor)
	} else {
		res.Assessment, err = graph.AssessWith(ctx, c, m, o.Rules, nil)
	}
	if err != nil {
		return res, fmt.Errorf("assess: %w", err)
	}
	progress(Step{Stage: StageAssess, Result: res})
	return res, nil
}

// ingest preserves and parses one log through the intake service.
func ingest(ctx context.Context, in *intake.Service, l Log, actor string) (*LogResult, error) {
	meta := l.Meta
	if meta.Name == "" {
		meta.Name = filepath.Base(l.Path)
	}
	if meta.Path == "" {
		meta.Path = l.Path
	}
	iopt, po := l.Ingest, l.Parse
	if iopt.Actor == "" {
		iopt.Actor = actor
	}
	if po.Actor == "" {
		po.Actor = actor
	}
	if po.Name == "" {
		po.Name = meta.Name
	}
	body := l.Body
	if body == nil {
		f, err := os.Open(l.Path)
		if err != nil {
			return nil, fmt.Errorf("ingest %s: %w", l.Path, err)
		}
		defer f.Close()
		body = f
	}
	out, err := in.Ingest(ctx, intake.Request{Body: body, Meta: meta, Options: iopt, Parse: po, Force: l.Force})
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", meta.Path, err)
	}
	if out.ParseErr != nil && !errors.Is(out.ParseErr, intake.ErrTwin) && !errors.Is(out.ParseErr, eventstore.ErrAlreadyParsed) {
		return nil, fmt.Errorf("parse %s: %w", meta.Path, out.ParseErr)
	}
	return &LogResult{Name: meta.Name, Outcome: out}, nil
}
