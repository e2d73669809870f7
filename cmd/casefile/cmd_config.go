package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/witness"
)

// witnessFlags are the witnessing flags of init and config.
type witnessFlags struct {
	witnesses []string
	quorum    int
	tsa       string
}

func addWitnessFlags(cmd *cobra.Command, f *witnessFlags) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.witnesses, "witness", nil, "a witness that cosigns every checkpoint: URL+VKEY, as 'casefile witness serve' prints it (repeatable)")
	fl.IntVar(&f.quorum, "witness-quorum", 0, "how many of the witnesses must cosign each checkpoint (default: all)")
	fl.StringVar(&f.tsa, "tsa", "", "RFC 3161 time-stamping authority URL that timestamps every checkpoint")
}

// changed reports whether any witnessing flag was given.
func (f *witnessFlags) changed(cmd *cobra.Command) bool {
	for _, n := range []string{"witness", "witness-quorum", "tsa"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// validate checks the flags before anything is written.
func (f *witnessFlags) validate(cmd *cobra.Command) error {
	if !f.changed(cmd) {
		return nil
	}
	_, err := f.policy(cmd, witness.Policy{})
	return err
}

// policy applies the flags given to the policy in force: --witness
// replaces the list, --tsa the authority (--tsa "" removes it).
func (f *witnessFlags) policy(cmd *cobra.Command, cur witness.Policy) (witness.Policy, error) {
	p := witness.Policy{Witnesses: cur.Witnesses, Quorum: cur.Quorum, TSA: cur.TSA}
	if cmd.Flags().Changed("witness") {
		p.Witnesses, p.Quorum = nil, 0
		for _, s := range f.witnesses {
			w, err := witness.ParseWitness(s)
			if err != nil {
				return p, usageError{err}
			}
			p.Witnesses = append(p.Witnesses, w)
		}
	}
	if cmd.Flags().Changed("witness-quorum") {
		p.Quorum = f.quorum
	}
	if cmd.Flags().Changed("tsa") {
		p.TSA = f.tsa
	}
	if err := p.Check(); err != nil {
		return p, usageError{err}
	}
	return p, nil
}

func (a *app) configCmd() *cobra.Command {
	var f witnessFlags
	cmd := &cobra.Command{
		Use:   "config --case DIR [--witness URL+VKEY]… [--witness-quorum K] [--tsa URL]",
		Short: "Show or change who witnesses and timestamps the case's checkpoints",
		Long: `Without flags, show the witnessing policy. With flags, record a new policy as a
custody entry and send the case's latest checkpoint to the witnesses and the
timestamp authority at once. From then on every command that writes to the
case does the same; a witness that cannot be reached is a warning, never a
lost write.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !f.changed(cmd) {
				h, err := a.openCase(cmd, false)
				if err != nil {
					return err
				}
				defer h.Close()
				p, _, ok, err := witness.Load(h.Case)
				if err != nil {
					return err
				}
				if a.json {
					return json.NewEncoder(a.out).Encode(map[string]any{"configured": ok, "policy": p})
				}
				if !ok {
					fmt.Fprintln(a.out, "No witnesses and no timestamp authority: only the case key vouches for the log.")
					return nil
				}
				fmt.Fprintln(a.out, p.Summary)
				return nil
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			return a.configureWitnessing(cmd, h, &f)
		},
	}
	addWitnessFlags(cmd, &f)
	return cmd
}

// configureWitnessing records the policy the flags make and publishes the
// latest checkpoint under it.
func (a *app) configureWitnessing(cmd *cobra.Command, h *casedir.Handle, f *witnessFlags) error {
	cur, _, _, err := witness.Load(h.Case)
	if err != nil {
		return err
	}
	p, err := f.policy(cmd, cur)
	if err != nil {
		return err
	}
	e, err := witness.Record(ctx(cmd), h.Case, a.actor(), p)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.err, "casefile: entry %d: %s\n", e.Index, p.Summary)
	a.wrote = false
	return a.publish(cmd, h, p)
}
