package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/rawtext"
)

func (a *app) logCmd() *cobra.Command {
	var kind string
	var from uint64
	cmd := &cobra.Command{
		Use:   "log --case DIR [--json]",
		Short: "The custody log: who did what, when, to which artefact, and why",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			enc := json.NewEncoder(a.out)
			return h.Entries(from, func(e *evidence.Entry) error {
				if kind != "" && e.Kind != kind {
					return nil
				}
				if a.json {
					return enc.Encode(evidence.NewLogLine(e, evidence.Describe(e)))
				}
				_, err := fmt.Fprintf(a.out, "#%-5d %s  %s  %s\n", e.Index, e.Time.Format("2006-01-02 15:04:05 UTC"), rawtext.Display(e.Actor), rawtext.Display(evidence.Describe(e)))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only entries of this kind (e.g. artefact.ingested)")
	cmd.Flags().Uint64Var(&from, "from", 0, "start at this entry index")
	return cmd
}
