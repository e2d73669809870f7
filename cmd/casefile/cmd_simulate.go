package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/pipeline"
	"github.com/casefile/casefile/graph/scenario"
)

func (a *app) simulateCmd() *cobra.Command {
	var name, out string
	var seed int64
	cmd := &cobra.Command{
		Use:   "simulate --scenario NAME|all --seed N --out DIR",
		Short: "Write a realistic generated incident with its ground truth (for testing and calibration)",
		Long: `Write a generated incident: the victim's logs in real formats, the datasets an
analyst would consult (mmdb files, Tor exit list, cloud ranges, warninglists,
recorded WHOIS answers) and truth.json with the true role of every source.
Scenarios: ` + strings.Join(scenario.Names(), ", ") + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			names := []string{name}
			if name == "all" {
				names = scenario.Names()
			} else if !slices.Contains(scenario.Names(), name) {
				return usagef("unknown scenario %q; one of: all, %s", name, strings.Join(scenario.Names(), ", "))
			}
			for _, n := range names {
				dir := out
				if name == "all" {
					dir = filepath.Join(out, n)
				}
				t, err := scenario.Generate(n, seed, dir)
				if err != nil {
					return fmt.Errorf("%s: %w", n, err)
				}
				fmt.Fprintf(a.out, "%-18s seed %d: %d sources, %d logs → %s\n", n, seed, len(t.Sources), len(t.Logs), dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "scenario", "all", "scenario name, or all")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed (the same seed gives the same files)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write (must not exist or be empty)")
	return cmd
}

// evaluation is one incident's score in `evaluate --json`.
type evaluation struct {
	Dir      string            `json:"dir"`
	Scenario string            `json:"scenario"`
	Seed     int64             `json:"seed"`
	Metrics  scenario.Metrics  `json:"metrics"`
	Wrong    map[string]string `json:"wrong,omitempty"` // indicator → "true → stated"
	// Internal counts the sources whose truth is a verdict outside the role
	// model (scenario.Internal: the victim's own addresses). Their verdict
	// follows from the address, not from a judgement, so they are not
	// scored by Metrics; InternalWrong counts those stated otherwise (also
	// listed in Wrong).
	Internal      int `json:"internal,omitempty"`
	InternalWrong int `json:"internal_wrong,omitempty"`
	// Sources lists every scored source, the costliest (highest Brier)
	// first: what to look at when calibrating.
	Sources []sourceScore `json:"sources"`
}

// sourceScore is one source of an evaluated incident.
type sourceScore struct {
	Indicator     string             `json:"indicator"`
	Truth         string             `json:"truth"`
	Stated        string             `json:"stated"`
	Probabilities map[string]float64 `json:"probabilities"`
	Brier         float64            `json:"brier"`
}

func (a *app) evaluateCmd() *cobra.Command {
	var modelPath string
	cmd := &cobra.Command{
		Use:   "evaluate DIR…",
		Short: "Ingest, enrich and assess generated incidents; score the assessment against their truth",
		Long: `For each incident written by 'casefile simulate': build an in-memory case, ingest
and parse the logs, preserve and consult the datasets (WHOIS from the recorded
answers, served on 127.0.0.1), assess, and compare the stated roles and the
probabilities with truth.json. Prints per-role precision, recall and F1,
macro-F1, the multi-class Brier score and log-loss, per incident and pooled.`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if len(dirs) == 0 {
				return usagef("name one or more incident directories (casefile simulate --out DIR)")
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			var all []scenario.Metrics
			var evs []evaluation
			internal, internalWrong := 0, 0
			for _, dir := range dirs {
				ev, err := a.evaluateOne(cmd, dir, m)
				if err != nil {
					return fmt.Errorf("%s: %w", dir, err)
				}
				all = append(all, ev.Metrics)
				evs = append(evs, *ev)
				internal += ev.Internal
				internalWrong += ev.InternalWrong
				if !a.json {
					fmt.Fprintf(a.out, "%-40s %-18s n=%4d  macro-F1 %.3f  Brier %.3f  log-loss %.3f\n", dir, ev.Scenario, ev.Metrics.N, ev.Metrics.MacroF1, ev.Metrics.Brier, ev.Metrics.LogLoss)
				}
			}
			pooled := scenario.Merge(all...)
			if a.json {
				return json.NewEncoder(a.out).Encode(map[string]any{"model": m.Digest(), "incidents": evs, "pooled": pooled, "internal": internal, "internal_wrong": internalWrong})
			}
			fmt.Fprintf(a.out, "\nPooled over %d incidents, %d sources: macro-F1 %.3f, Brier %.3f (per class %.3f), log-loss %.3f\n",
				len(dirs), pooled.N, pooled.MacroF1, pooled.Brier, pooled.BrierPerClass, pooled.LogLoss)
			if internal > 0 {
				fmt.Fprintf(a.out, "Internal addresses (not scored, checked): %d of %d stated internal\n", internal-internalWrong, internal)
			}
			fmt.Fprintf(a.out, "%-28s %9s %7s %6s %8s\n", "role", "precision", "recall", "F1", "sources")
			for _, r := range attrib.Roles() {
				p, ok := pooled.PerRole[r]
				if !ok {
					continue // neither true nor stated anywhere
				}
				fmt.Fprintf(a.out, "%-28s %9.3f %7.3f %6.3f %8d\n", r, p.Precision, p.Recall, p.F1, p.Support)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model file to evaluate (default: the built-in model)")
	return cmd
}

func (a *app) evaluateOne(cmd *cobra.Command, dir string, m *attrib.Model) (*evaluation, error) {
	ev, _, err := assessIncident(ctx(cmd), dir, m)
	return ev, err
}

// assessIncident builds the incident's case in memory as an examiner
// would (investigate: the analyst's pipeline, assessing with the built-in
// rules, not recorded) and scores the assessment against the truth, for
// 'casefile evaluate', 'casefile calibrate' and the scenario target tests.
func assessIncident(ctx context.Context, dir string, m *attrib.Model) (*evaluation, *attrib.Result, error) {
	in, err := readIncident(dir)
	if err != nil {
		return nil, nil, err
	}
	c, err := memstore.NewCase(ctx, "evaluation of "+dir, "casefile evaluate")
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	run, err := investigate(ctx, c, in, pipeline.Options{Model: m, Actor: "casefile evaluate"})
	if err != nil {
		return nil, nil, err
	}
	res := run.Assessment
	stated := map[string]string{}
	probs := map[string]map[string]float64{}
	for _, s := range res.Sources {
		stated[s.Indicator] = s.Role
		p := map[string]float64{}
		for _, r := range attrib.Roles() {
			p[r] = s.Hypotheses.Get(r)
		}
		probs[s.Indicator] = p
	}
	roles := map[string]string{}
	for ind, role := range in.truth.Sources {
		if attrib.IsRole(role) {
			roles[ind] = role
		}
	}
	ev := &evaluation{Dir: dir, Scenario: in.truth.Scenario, Seed: in.truth.Seed,
		Metrics: scenario.ScoreStated(roles, stated, probs), Wrong: map[string]string{},
		Internal: len(in.truth.Sources) - len(roles)}
	for ind, role := range in.truth.Sources {
		if stated[ind] != role {
			ev.Wrong[ind] = role + " → " + stated[ind]
		}
		if !attrib.IsRole(role) {
			if stated[ind] != role {
				ev.InternalWrong++
			}
			continue
		}
		one := scenario.ScoreStated(map[string]string{ind: role}, stated, probs)
		ev.Sources = append(ev.Sources, sourceScore{ind, role, stated[ind], probs[ind], one.Brier})
	}
	slices.SortFunc(ev.Sources, func(a, b sourceScore) int {
		return cmp.Or(cmp.Compare(b.Brier, a.Brier), strings.Compare(a.Indicator, b.Indicator))
	})
	return ev, res, nil
}
