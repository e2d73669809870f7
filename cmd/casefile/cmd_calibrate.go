package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/graph/attrib"
)

func (a *app) calibrateCmd() *cobra.Command {
	var modelPath, out, weigh string
	var o attrib.FitOptions
	cmd := &cobra.Command{
		Use:   "calibrate DIR… --out FILE",
		Short: "Fit the model's likelihood ratios to labelled incidents and write the fitted model",
		Long: `Assess every labelled incident (directories written by 'casefile simulate', or
your own past cases laid out the same way: truth.json naming the logs and the
true role of each source, datasets/, whois/) with the starting model, then fit its likelihood
ratios λ to the true roles: the weighted mean Brier score plus a penalty on
the distance from the starting values is minimised, every λ stays on its side
of 1 (the factor table's direction is never flipped) and a λ of exactly 1 is
left alone. Priors, reliabilities, half-lives and thresholds are not changed.
Writes the fitted model to --out and prints what moved.

Fit on many seeds of every scenario and judge the result with 'casefile
evaluate --model FILE' on seeds you did not fit on.`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if len(dirs) == 0 || out == "" {
				return usagef("name the labelled incidents and --out FILE")
			}
			if weigh != "incident" && weigh != "source" {
				return usagef("--weigh is incident or source, not %q", weigh)
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			var samples []attrib.Sample
			for _, dir := range dirs {
				ev, res, err := assessIncident(ctx(cmd), dir, m)
				if err != nil {
					return fmt.Errorf("%s: %w", dir, err)
				}
				truth := map[string]string{} // the sources the roles judge (ev.Sources leaves internal ones out)
				for _, s := range ev.Sources {
					truth[s.Indicator] = s.Truth
				}
				w := 1.0
				if weigh == "incident" && len(truth) > 0 {
					w = 1 / float64(len(truth))
				}
				samples = append(samples, attrib.SamplesOf(res, truth, w)...)
			}
			fitted, rep, err := attrib.Fit(m, samples, o)
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(fitted, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
				return err
			}
			if a.json {
				return json.NewEncoder(a.out).Encode(map[string]any{"model": out, "digest": fitted.Digest(), "fit": rep})
			}
			fmt.Fprintf(a.out, "%d sources (%d distinct) from %d incidents, weighed by %s\n", rep.Samples, rep.Distinct, len(dirs), weigh)
			fmt.Fprintf(a.out, "Brier %.3f → %.3f, log-loss %.3f → %.3f\n", rep.BrierBefore, rep.BrierAfter, rep.LogLossBefore, rep.LogLossAfter)
			for _, c := range rep.Changes {
				fmt.Fprintf(a.out, "  %-26s %-28s λ %g → %g\n", c.Factor, c.Role, c.From, c.To)
			}
			var unfitted []string
			for id := range m.Factors {
				if rep.Support[id] == 0 {
					unfitted = append(unfitted, id)
				}
			}
			if len(unfitted) > 0 {
				slices.Sort(unfitted)
				fmt.Fprintf(a.out, "No sample had %s: their λ keep the starting values.\n", strings.Join(unfitted, ", "))
			}
			fmt.Fprintf(a.out, "Wrote %s (%s)\n", out, fitted.Digest())
			return nil
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "starting model (default: the built-in model)")
	cmd.Flags().StringVar(&out, "out", "", "file to write the fitted model to")
	cmd.Flags().StringVar(&weigh, "weigh", "incident", "incident: every incident counts the same; source: every source does")
	cmd.Flags().Float64Var(&o.Penalty, "penalty", 0, "weight of the squared distance (in ln λ) from the starting model (default 0.002)")
	cmd.Flags().IntVar(&o.Iterations, "iterations", 0, "gradient steps (default 400)")
	return cmd
}
