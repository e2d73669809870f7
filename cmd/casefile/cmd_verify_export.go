package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/export"
)

func (a *app) verifyExportCmd() *cobra.Command {
	var trusted, held []string
	var tsaRoots string
	cmd := &cobra.Command{
		Use:   "verify-export PATH [--json] [--witness VKEY]… [--checkpoint FILE|SIZE:ROOT]… [--tsa-roots FILE]",
		Short: "Check an export package offline; exit 1 naming the first bad file",
		Long: `Check an export package (a directory, .tar.gz or .zip) without a network
connection: every file against the signed manifest, the manifest's signature,
the checkpoint's signature, every entry's inclusion proof, the artefacts against
the custody entries, the consistency proof from a previous export and the
trusted timestamp when present, and that a selective package's STIX names only
its sources. Nothing is extracted: the signed files are read first, then only
the files the signed manifest lists, each no further than its listed size.

--checkpoint names a checkpoint you hold (the checkpoint.txt of an earlier
package, or SIZE:ROOT as written down): the package's checkpoint must extend
it, by the consistency proofs in the package (exit 1 when it cannot be proven
or the log was rewritten). Ask the sender for a package that proves it with
'casefile export --consistency-from SIZE'.

--tsa-roots names the certificates (PEM) of the time-stamping authorities or
CAs you trust: the package must hold a timestamp, and every timestamp in it
must chain to one of them (without it, a timestamp's time is only its
signer's word).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("verify-export takes one package path, got %d", len(args))
			}
			var hold []evidence.TrustedCheckpoint
			for _, arg := range held {
				t, err := readTrustedCheckpoint(arg)
				if err != nil {
					return usageError{err}
				}
				hold = append(hold, t)
			}
			roots, err := loadTimestampRoots(tsaRoots)
			if err != nil {
				return err
			}
			r, err := export.Verify(ctx(cmd), args[0])
			if err != nil {
				return err
			}
			for _, t := range hold {
				r.CheckHeld(t)
			}
			if roots != nil {
				r.CheckTimestampRoots(roots)
			}
			if a.json {
				if err := json.NewEncoder(a.out).Encode(r); err != nil {
					return err
				}
			} else {
				printExportReport(a.out, args[0], r)
			}
			if !r.OK {
				p := r.First()
				return verifyError{fmt.Errorf("package verification failed: %w", *p)}
			}
			return requireWitnesses(r, trusted)
		},
	}
	cmd.Flags().StringArrayVar(&held, "checkpoint", nil, "a checkpoint you hold (a checkpoint file, or SIZE:ROOT) that the package's checkpoint must extend (repeatable)")
	cmd.Flags().StringVar(&tsaRoots, "tsa-roots", "", "certificates (PEM) of the time-stamping authorities you trust: the package's timestamps must chain to one")
	cmd.Flags().StringArrayVar(&trusted, "witness", nil, "a witness key you trust (as 'casefile witness serve' prints it) that must have cosigned the package's checkpoint (repeatable)")
	return cmd
}

func jsonOut(a *app, v any) error { return json.NewEncoder(a.out).Encode(v) }

func printExportReport(w io.Writer, where string, r *export.Report) {
	fmt.Fprintf(w, "Package %s\n", where)
	fmt.Fprintf(w, "  files        %d, %s hashed against the signed manifest\n", r.Files, evidence.HumanBytes(r.Bytes))
	if r.KeyFingerprint != "" {
		fmt.Fprintf(w, "  signed by    %s (confirm this fingerprint with the sender)\n", r.KeyFingerprint)
	}
	if r.Checkpoint != nil {
		fmt.Fprintf(w, "  checkpoint   size %d, root %s, signature checked\n", r.Checkpoint.Size, r.Checkpoint.Root)
		fmt.Fprintf(w, "  entries      %d, each proven included in the signed log\n", r.Entries)
		fmt.Fprintf(w, "  artefacts    %d, each matching the custody entry that preserved it\n", r.Artefacts)
	}
	switch {
	case r.FindingsProven > 0:
		fmt.Fprintf(w, "  findings     %d, each proven against the assessment entry by its leaf, and stated as the leaf says\n", r.FindingsProven)
	case r.Findings > 0:
		fmt.Fprintf(w, "  findings     %d, not proven per source (an assessment entry of an earlier version, or a package without its leaves)\n", r.Findings)
	}
	if r.Previous > 0 {
		fmt.Fprintf(w, "  previous     the log of the previous export (checkpoint %d) is a prefix of this one\n", r.Previous)
	}
	if r.Timestamp != "" {
		fmt.Fprintf(w, "  timestamp    RFC 3161, %s%s\n", r.Timestamp, trustedNote(r, "checkpoint.tsr"))
	}
	printExportWitnessing(w, r)
	if r.Witnessing != nil && len(r.Witnessing.Provable) > 0 {
		fmt.Fprintf(w, "  provable     consistency from sizes %v (check against yours with --checkpoint)\n", r.Witnessing.Provable)
	}
	for _, h := range r.Held {
		if h.Extends {
			fmt.Fprintf(w, "  you hold     checkpoint %d (root %s): this package's log extends it, proof checked\n", h.Size, h.Root)
		}
	}
	if r.OK {
		fmt.Fprintln(w, "INTACT: every file, signature and proof checks out.")
		return
	}
	notExtended := 0
	for _, h := range r.Held {
		if !h.Extends {
			notExtended++
		}
	}
	if notExtended == len(r.Problems) && r.Dropped == 0 {
		fmt.Fprintln(w, "NOT PROVEN: the package is intact, but it does not show that its log extends the checkpoint you hold:")
	} else {
		fmt.Fprintf(w, "DAMAGED: %d problem(s) found\n", len(r.Problems)+r.Dropped)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %-10s %s: %s\n", p.Kind, p.Where, p.Detail)
	}
}

// trustedNote says whether the timestamp in file came from an authority
// the recipient named with --tsa-roots.
func trustedNote(r *export.Report, file string) string {
	if slices.Contains(r.TrustedTimestamps, file) {
		return " (an authority you trust)"
	}
	return ""
}
