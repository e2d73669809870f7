package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/rawtext"
)

func (a *app) verifyCmd() *cobra.Command {
	var skipContent bool
	cmd := &cobra.Command{
		Use:   "verify --case DIR [--json]",
		Short: "Recompute and check everything; exit 1 naming the first problem",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			r, err := h.Verify(ctx(cmd), evidence.VerifyOptions{SkipContent: skipContent})
			if err != nil {
				return err
			}
			var d *observe.DerivedReport
			if !skipContent {
				if d, err = observe.VerifyDerived(ctx(cmd), h.Case, r); err != nil {
					return err
				}
			}
			if a.json {
				out := struct {
					*evidence.Report
					Derived *observe.DerivedReport `json:"derived,omitempty"`
				}{r, d}
				if err := json.NewEncoder(a.out).Encode(out); err != nil {
					return err
				}
			} else {
				abs, _ := filepath.Abs(h.Dir)
				printReport(a, abs, r, d, skipContent)
			}
			if !r.OK {
				p := r.First()
				return verifyError{fmt.Errorf("verification failed: %s: %s", p.Where, p.Detail)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&skipContent, "skip-content", false, "check the log and checkpoints only, not the artefact bytes nor the events and observations derived from them")
	return cmd
}

func printReport(a *app, where string, r *evidence.Report, d *observe.DerivedReport, skipContent bool) {
	fmt.Fprintf(a.out, "Case %s\n", rawtext.Display(where))
	fmt.Fprintf(a.out, "  entries      %d (canonical form, hash chain and Merkle tree recomputed)\n", r.Entries)
	if r.Checkpoint != nil {
		fmt.Fprintf(a.out, "  checkpoints  %d signatures checked; latest: size %d, root %s\n", r.Checkpoints, r.Checkpoint.Size, r.Checkpoint.Root)
	}
	if skipContent {
		fmt.Fprintf(a.out, "  artefacts    %d (content not re-hashed: --skip-content)\n", r.Artefacts)
	} else {
		fmt.Fprintf(a.out, "  artefacts    %d, %s re-hashed; %d chunks checked\n", r.Artefacts, evidence.HumanBytes(r.Bytes), r.Chunks)
	}
	if d != nil {
		fmt.Fprintf(a.out, "  events       %d in %d parse run(s), re-hashed against their entries; indicator postings checked\n", d.Events, d.Runs)
		fmt.Fprintf(a.out, "  observations %d in %d entries, their index checked\n", d.Observations, d.ObservationEntries)
	}
	if r.OK {
		if d != nil {
			fmt.Fprintln(a.out, "INTACT: every entry, checkpoint, artefact and chunk matches, and so do the events and observations derived from them.")
		} else {
			fmt.Fprintln(a.out, "INTACT: every entry, checkpoint, artefact and chunk matches.")
		}
		return
	}
	fmt.Fprintf(a.out, "DAMAGED: %d problem(s) found\n", len(r.Problems)+r.Dropped)
	for _, p := range r.Problems {
		fmt.Fprintf(a.out, "  %-10s %s: %s\n", p.Kind, rawtext.Display(p.Where), rawtext.Display(p.Detail))
	}
	if r.Dropped > 0 {
		fmt.Fprintf(a.out, "  … and %d more\n", r.Dropped)
	}
}
