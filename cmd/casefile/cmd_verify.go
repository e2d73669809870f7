package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/witness"
	"github.com/casefile/casefile/ui"
)

func (a *app) verifyCmd() *cobra.Command {
	var skipContent, offline bool
	var trusted []string
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
			users, err := ui.VerifyUsers(ctx(cmd), h.Case, r) // workbench users and tokens against their entries
			if err != nil {
				return err
			}
			wr, err := a.checkWitnessing(cmd, h, offline, trusted)
			if err != nil {
				return err
			}
			if a.json {
				out := struct {
					*evidence.Report
					Derived    *observe.DerivedReport `json:"derived,omitempty"`
					Users      *ui.UsersReport        `json:"users"`
					Witnessing *witness.Report        `json:"witnessing,omitempty"`
				}{r, d, users, wr}
				if err := json.NewEncoder(a.out).Encode(out); err != nil {
					return err
				}
			} else {
				abs, _ := filepath.Abs(h.Dir)
				printReport(a, abs, r, d, users, skipContent)
				printWitnessing(a, wr)
			}
			if !r.OK {
				p := r.First()
				return verifyError{fmt.Errorf("verification failed: %s: %s", p.Where, p.Detail)}
			}
			if wr != nil && !wr.OK() {
				return verifyError{fmt.Errorf("verification failed: witnessing: %s", wr.Problems[0])}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&trusted, "witness", nil, "a witness you trust, URL+VKEY, to ask as well as the case's own (catches a case rewritten to before its witnesses were configured)")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the case's witnesses what they cosigned; check only the cosignatures and timestamps stored in the case")
	cmd.Flags().BoolVar(&skipContent, "skip-content", false, "check the log and checkpoints only, not the artefact bytes nor the events and observations derived from them")
	return cmd
}

func printReport(a *app, where string, r *evidence.Report, d *observe.DerivedReport, u *ui.UsersReport, skipContent bool) {
	fmt.Fprintf(a.out, "Case %s\n", where)
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
	if u != nil {
		fmt.Fprintf(a.out, "  users        %d, %d API tokens, checked against their entries\n", u.Users, u.Tokens)
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
		fmt.Fprintf(a.out, "  %-10s %s: %s\n", p.Kind, p.Where, p.Detail)
	}
	if r.Dropped > 0 {
		fmt.Fprintf(a.out, "  … and %d more\n", r.Dropped)
	}
}
