package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
)

// loadModel reads --model FILE, or the defaults.
func loadModel(path string) (*attrib.Model, error) {
	if path == "" {
		return attrib.DefaultModel(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := attrib.LoadModel(f)
	if err != nil {
		return nil, withHint(fmt.Errorf("model %s: %w", path, err), "start from the defaults: casefile assess --print-model > model.json")
	}
	return m, nil
}

// loadRules compiles the built-in Sigma rules joined with those in --rules
// DIR. A rule that cannot be used is a usage error naming file and line.
func loadRules(dir string) (*sigma.Engine, error) {
	b := sigma.Builtin()
	if dir == "" {
		return b, nil
	}
	u, err := sigma.LoadDir(dir)
	if err == nil {
		u, err = b.Join(u)
	}
	var se *sigma.Error
	if errors.As(err, &se) {
		return nil, withHint(usagef("rules: %v", err), "the built-in rules show the fields Casefile's events have: casefile assess --print-rules")
	}
	if err != nil {
		return nil, usagef("rules: %v", err)
	}
	return u, nil
}

func (a *app) assessCmd() *cobra.Command {
	var modelPath, rulesDir string
	var printRules bool
	var printModel, noRecord bool
	var ov overrideFlags
	cmd := &cobra.Command{
		Use:   "assess --case DIR [--json] [INDICATOR…] | assess --set INDICATOR --role ROLE --rationale TEXT [--cite REF]…",
		Short: "What each source most likely is, how sure, what acting against it would risk, and why",
		Long: `Assess every source indicator of the case (or those named): the probability of
each role (perpetrator infrastructure, anonymising relay, compromised third
party, abused platform, undetermined), in words and with a separate analytic
confidence, the collateral risk, a lawful recommendation, what would change the
judgement, and the factors with the evidence they cite. Each run is recorded
as an assessment.recorded custody entry.

With --set, record the examiner's own verdict on one source instead (an
assessment.overridden custody entry: who, the role, why, citing what). It
never replaces the model's: both are shown side by side from then on.`,
		RunE: func(cmd *cobra.Command, only []string) error {
			if len(only) == 0 {
				only = nil // all sources
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			if printModel {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			if ov.set != "" || ov.role != "" || ov.rationale != "" || len(ov.cites) > 0 {
				return a.assessOverride(cmd, m, ov, only, noRecord)
			}
			rules, err := loadRules(rulesDir)
			if err != nil {
				return err
			}
			if printRules {
				for _, f := range sigma.BuiltinFiles() {
					fmt.Fprintf(a.out, "# %s\n%s\n", f.Name, f.Data)
				}
				return nil
			}
			a.boundMemory(assessMemoryLimit)
			h, err := a.openCase(cmd, !noRecord)
			if err != nil {
				return err
			}
			defer h.Close()
			// Each source is written as judged, and the leaves recorded are
			// sorted apart (graph.AssessRecordEach): memory does not grow
			// with the sources.
			var head *attrib.Result
			var jw *attrib.JSONWriter
			var tw *attrib.TextWriter
			dl := &displayLines{w: a.out}
			bar := a.assessProgress()
			onHead := func(r *attrib.Result) error {
				bar.done() // before the head is written
				head = r
				if a.json {
					jw = attrib.NewJSONWriter(a.out, r)
				}
				return nil
			}
			onSource := func(s *attrib.Source) error {
				if a.json {
					return jw.Source(s)
				}
				if tw == nil {
					tw = attrib.NewTextWriter(dl, head)
				}
				return tw.Source(s)
			}
			var e *evidence.Entry
			if noRecord {
				err = graph.AssessEachProgress(ctx(cmd), h.Case, m, rules, only, bar.reporter(), onHead, onSource)
			} else {
				e, err = graph.AssessRecordEach(ctx(cmd), h.Case, m, rules, only, a.actor(), bar.reporter(), onHead, onSource)
			}
			bar.done()
			if err != nil {
				return err
			}
			if a.json {
				return jw.Close()
			}
			if tw == nil {
				fmt.Fprintln(a.out, "No source indicators to assess: ingest logs first (casefile ingest).")
			} else if err := dl.Close(); err != nil {
				return err
			}
			if e != nil {
				fmt.Fprintf(a.out, "\nRecorded as custody entry #%d (%s, model %s; rules %s, %s).\n", e.Index, head.Model, head.ModelDigest, head.Rules, head.RulesDigest)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (priors, λ, half-lives, reliabilities); default: the built-in casefile-attrib/4")
	fl.BoolVar(&printModel, "print-model", false, "print the model in use and exit")
	fl.StringVar(&rulesDir, "rules", "", "directory of your own Sigma rules (.yml, .yaml) to run besides the built-in set")
	fl.BoolVar(&printRules, "print-rules", false, "print the built-in Sigma rules and exit")
	fl.BoolVar(&noRecord, "no-record", false, "do not record the assessment in the custody log (read-only)")
	fl.StringVar(&ov.set, "set", "", "record the examiner's own verdict on this source (with --role and --rationale)")
	fl.StringVar(&ov.role, "role", "", "with --set: the examiner's verdict, one of "+strings.Join(attrib.Verdicts(), ", "))
	fl.StringVar(&ov.rationale, "rationale", "", "with --set: why the examiner judges so")
	fl.StringArrayVar(&ov.cites, "cite", nil, "with --set: what the verdict rests on (entry:N, sha256:…#L12, a document); repeatable")
	return cmd
}

func (a *app) graphCmd() *cobra.Command {
	var format, out, source string
	top := -1
	cmd := &cobra.Command{
		Use:   "graph --case DIR --format dot|graphml|json [--source INDICATOR] [--out FILE]",
		Short: "The provenance graph: what was derived from what, citing custody entries",
		Long: `Write the provenance graph of the case: artefacts, events, indicators,
observations, infrastructure, hypotheses and campaigns, each citing the custody
entries it rests on.

With --source, write the explanation graph of one assessed source instead
(JSON "version": "` + graph.ExplanationVersion + `"): the source, each factor of its
assessment (kind "factor"; greyed when it moves no role), a "weighs" edge from
each factor to each role hypothesis it moved, labelled in words and nats, and
"rests-on" edges to what the factor cites (custody entries, datasets with their
date, artefact lines, Sigma rules). Each hypothesis node shows its prior, the
nats its factors added and its probability; the chosen one is the heaviest.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "dot" && format != "graphml" && format != "json" {
				return usagef("--format must be dot, graphml or json")
			}
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			m := attrib.DefaultModel()
			res, err := graph.Assess(ctx(cmd), h.Case, m, nil)
			if err != nil {
				return err
			}
			var g *graph.Graph
			if source != "" {
				g, err = graph.Explain(h.Case, res, m, source)
				if errors.Is(err, graph.ErrNotAssessed) {
					return withHint(usageError{err}, "the assessed sources: casefile assess")
				}
			} else {
				g, err = graph.Build(ctx(cmd), h.Case, res)
			}
			if err != nil {
				return err
			}
			if top < 0 && format == "dot" && source == "" {
				top = 100 // Graphviz lays out a few thousand nodes at most in reasonable time
			}
			if top > 0 && len(res.Sources) > top {
				fmt.Fprintf(a.err, "casefile: showing the %d most active of %d sources (--top 0 for all)\n", top, len(res.Sources))
				g = g.Top(top)
			}
			w := a.out
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			switch format {
			case "dot":
				err = g.WriteDOT(w)
			case "graphml":
				err = g.WriteGraphML(w)
			default:
				err = g.WriteJSON(w)
			}
			if err == nil && out != "" {
				fmt.Fprintf(a.err, "casefile: wrote %d nodes and %d edges to %s\n", len(g.Nodes), len(g.Edges), out)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "dot", "dot (Graphviz), graphml (Gephi, yEd) or json")
	cmd.Flags().StringVar(&out, "out", "", "write to this new file instead of stdout")
	cmd.Flags().StringVar(&source, "source", "", "the explanation graph of this assessed source (an address or domain) instead of the case graph")
	cmd.Flags().IntVar(&top, "top", -1, "only the N most active sources and what they rest on (default: 100 for dot, all otherwise; 0: all)")
	return cmd
}

type overrideFlags struct {
	set, role, rationale string
	cites                []string
}

// assessOverride records the examiner's verdict (assess --set).
func (a *app) assessOverride(cmd *cobra.Command, m *attrib.Model, ov overrideFlags, only []string, noRecord bool) error {
	switch {
	case ov.set == "":
		return usagef("--role, --rationale and --cite go with --set INDICATOR")
	case len(only) > 0:
		return usagef("--set takes no further indicators")
	case noRecord:
		return usagef("--set records a custody entry; it cannot be combined with --no-record")
	case ov.role == "" || strings.TrimSpace(ov.rationale) == "":
		return usagef("--set needs --role ROLE and --rationale TEXT")
	}
	h, err := a.openCase(cmd, true)
	if err != nil {
		return err
	}
	defer h.Close()
	e, p, err := graph.Override(ctx(cmd), h.Case, m, ov.set, ov.role, ov.rationale, ov.cites, a.actor())
	if errors.Is(err, graph.ErrOverride) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if a.json {
		enc := json.NewEncoder(a.out)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Entry uint64 `json:"entry"`
			*graph.OverridePayload
		}{e.Index, p})
	}
	fmt.Fprintf(a.out, "Recorded the examiner's verdict on %s as custody entry #%d: %s.\nThe model's verdict (%s, %s) is kept and shown beside it.\n", p.Indicator, e.Index, p.Role, p.ModelRole, p.Model)
	return nil
}
