package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/rawtext"
)

func (a *app) iocCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ioc add|remove|list",
		Short: "The curated list of indicators to share, each with a TLP marking",
		Long: `The curated IOC list holds the indicators the team decides to share. When it
is not empty, 'casefile notify' builds the MISP event from it (TLP from each
item) and 'casefile export' writes it as iocs.csv and as STIX indicators with
their TLP marking. Each change is a custody entry.`,
		Args: noArgs,
	}
	var typ, tlp, comment string
	add := &cobra.Command{
		Use:   "add --case DIR INDICATOR [--type T] [--tlp clear|green|amber|amber+strict|red] [--comment C]",
		Short: "List an indicator, or change its TLP or comment",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("ioc add takes one INDICATOR")
			}
			return a.annotateWith(cmd, func(_ *evidence.Case, st *annotate.State) (annotate.Change, error) {
				return st.PlanIOC(annotate.IOCDraft{Indicator: args[0], Type: typ, TLP: tlp, Comment: comment})
			})
		},
	}
	add.Flags().StringVar(&typ, "type", "", "indicator type ("+strings.Join(annotate.IOCTypes, ", ")+"); inferred when not given")
	add.Flags().StringVar(&tlp, "tlp", "", "TLP marking: "+strings.Join(annotate.TLPLevels, ", ")+" (default "+annotate.DefaultTLP+")")
	add.Flags().StringVar(&comment, "comment", "", "why the indicator is shared, for the recipient")
	remove := &cobra.Command{
		Use:   "remove --case DIR INDICATOR",
		Short: "Take an indicator off the list (a new entry; its listing stays in the log)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("ioc remove takes one INDICATOR")
			}
			return a.annotateWith(cmd, func(_ *evidence.Case, st *annotate.State) (annotate.Change, error) {
				return st.PlanUnlistIOC(args[0])
			})
		},
	}
	list := &cobra.Command{
		Use:   "list --case DIR",
		Short: "The curated indicators with their TLP",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.readAnnotations(cmd)
			if err != nil {
				return err
			}
			iocs := st.IOCs()
			if a.json {
				return a.writeJSON(map[string]any{"iocs": iocs})
			}
			if len(iocs) == 0 {
				fmt.Fprintln(a.out, "The IOC list is empty.")
			}
			for _, x := range iocs {
				fmt.Fprintf(a.out, "%-40s %-10s TLP:%-12s #%-5d %s\n", rawtext.Display(x.Indicator), x.Type, strings.ToUpper(x.TLP), x.Entry, rawtext.Display(x.Comment))
			}
			return nil
		},
	}
	cmd.AddCommand(add, remove, list)
	return cmd
}
