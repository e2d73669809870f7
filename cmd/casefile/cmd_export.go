package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// exportFindings assesses the case as it stands and records that
// assessment (unless the latest recorded one has the same result, which is
// then the one the package rests on), so that the package's report and
// STIX bundle rest on a recorded conclusion that the package itself
// contains. It returns the findings and the leaves of the recorded result
// tree, by which the package proves each finding against the entry. An
// entry recorded by an earlier version (one digest over the whole result)
// is never the same: the assessment is recorded again, per source.
func (a *app) exportFindings(cmd *cobra.Command, h *casedir.Handle) ([]export.Finding, [][]byte, error) {
	size := h.Log().Size()
	m := attrib.DefaultModel()
	res, err := graph.Assess(ctx(cmd), h.Case, m, nil)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Sources) == 0 {
		return nil, nil, nil
	}
	root, leaves, err := graph.ResultRoot(res)
	if err != nil {
		return nil, nil, err
	}
	if last, err := graph.Latest(h.Case); err != nil {
		return nil, nil, err
	} else if !last.Records(res, root) {
		if _, err := graph.Record(ctx(cmd), h.Case, res, size, nil, a.actor()); err != nil {
			return nil, nil, err
		}
	}
	fs := graph.Findings(res)
	byInd := map[string]*attrib.Source{}
	for i := range res.Sources {
		byInd[res.Sources[i].Indicator] = &res.Sources[i]
	}
	for i := range fs {
		fs[i].ValidFor = validFor(m, byInd[fs[i].Indicator])
	}
	return fs, leaves, nil
}

// validFor is how long an indicator of a source stays valid after it was
// last seen: the shortest staleness half-life of the data behind the
// factors that support its role (a Tor exit listing goes stale in a day,
// a WHOIS organisation in a year); the longest half-life of the model when
// none of them decays.
func validFor(m *attrib.Model, s *attrib.Source) time.Duration {
	days := 0.0
	for _, f := range s.Factors {
		spec, ok := m.Factors[f.ID]
		if !ok || spec.Kind == "" || !f.Diagnostic || f.Nats.Get(s.Role) <= 0 {
			continue
		}
		if hl := m.HalfLifeDays[spec.Kind]; hl > 0 && (days == 0 || hl < days) {
			days = hl
		}
	}
	if days == 0 {
		for _, hl := range m.HalfLifeDays {
			days = max(days, hl)
		}
	}
	return time.Duration(days * 24 * float64(time.Hour))
}

type exportFlags struct {
	out, format, recipient, purpose, authorization, tlp, tsa string
	indicators, artefacts, consistencyFrom                   []string
}

func (a *app) exportCmd() *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export --case DIR --out PATH [--recipient TEXT] [--purpose TEXT] [--authorization TEXT] [--indicator X]… [--artefact SHA256]… [--format dir|tar.gz|zip] [--tlp LEVEL] [--tsa URL] [--consistency-from SIZE]…",
		Short: "Write the signed package for law enforcement or counsel",
		Long: `Write a signed evidence package that anyone can verify offline: the custody
entries with inclusion proofs against the signed checkpoint, the artefacts byte
for byte, CASE/UCO JSON-LD, a STIX 2.1 bundle, a printable report, SHA256SUMS
signed with the case key, verify.sh (coreutils and OpenSSL only) and VERIFY.txt
with the steps.

The case is verified first, derived events and observations included; a case
that verify rejects is not exported (exit 1). The assessment the package rests
on is recorded as custody unless the latest recorded one has the same result.

The whole case is exported by default. --indicator and --artefact select part of
it: the named artefacts and those whose events mention an indicator, with their
custody entries and the entries that name them; the findings, STIX, CASE and
report of the selected sources only, with what those findings cite (the
assessment entry, datasets, WHOIS answers). An entry that also names sources
outside the selection is withheld and proven by its hash. Each entry carries a
proof that it belongs to the complete signed log. The export itself is recorded
in the custody log.

The package proves that its checkpoint extends the checkpoint of every earlier
export of the case; --consistency-from SIZE adds a proof from a size the
recipient holds a checkpoint of (they check it with 'casefile verify-export
--checkpoint').`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.out == "" {
				return usagef("no output given: pass --out PATH (a directory, or a .tar.gz or .zip file)")
			}
			for _, fl := range []struct{ name, value string }{{"recipient", f.recipient}, {"purpose", f.purpose}, {"authorization", f.authorization}} {
				if err := singleLine(fl.name, fl.value); err != nil {
					return err
				}
			}
			var digests []evidence.Digest
			for _, s := range f.artefacts {
				d, err := evidence.ParseDigest(s)
				if err != nil {
					return usagef("--artefact: %v", err)
				}
				digests = append(digests, d)
			}
			var from []uint64
			for _, s := range f.consistencyFrom {
				n, err := strconv.ParseUint(s, 10, 64)
				if err != nil || n == 0 {
					return usagef("--consistency-from %q: want a tree size (a positive number of entries)", s)
				}
				from = append(from, n)
			}
			switch f.format {
			case "", export.FormatDir, export.FormatTarGz, export.FormatZip:
			default:
				return usagef("--format %q: want dir, tar.gz or zip", f.format)
			}
			switch f.tlp {
			case "", "white", "clear", "green", "amber", "red":
			default:
				return usagef("--tlp %q: want white, green, amber or red", f.tlp)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			pub, err := os.ReadFile(filepath.Join(h.Dir, casedir.PublicKeyFile))
			if err != nil {
				return err
			}
			storage, err := storageSentence(cmd, h)
			if err != nil {
				return err
			}
			assess := func(context.Context) ([]export.Finding, [][]byte, error) { return a.exportFindings(cmd, h) }
			res, err := export.Build(ctx(cmd), h.Case, export.Options{Observations: observe.ForExport{},
				Expect: h.Expect(),
				Out:    f.out, Format: f.format, Recipient: f.recipient, Purpose: f.purpose, Authorization: f.authorization,
				TLP: f.tlp, Indicators: f.indicators, Artefacts: digests, Assess: assess,
				Signer: h.Signer, PublicKeyPEM: pub, Actor: a.actor(), TSA: f.tsa, ConsistencyFrom: from,
				Storage: storage,
			})
			if err != nil {
				if errors.Is(err, export.ErrCaseDamaged) {
					return verifyError{err}
				}
				if errors.Is(err, os.ErrExist) {
					return withHint(err, "choose another --out; an existing package is never overwritten")
				}
				return err
			}
			if a.json {
				return jsonOut(a, map[string]any{
					"out": res.Out, "format": res.Format, "manifest_sha256": res.ManifestSHA256, "files": res.Files,
					"bytes": res.Bytes, "entries": res.Entries, "artefacts": res.Artefacts,
					"checkpoint_size": res.CheckpointSize, "previous_export": res.Previous, "consistent_from": res.ConsistentFrom, "entry": res.Entry.Index,
				})
			}
			fmt.Fprintf(a.out, "wrote %s (%s): %d custody entries, %d artefacts, %d files, %s\n",
				res.Out, res.Format, res.Entries, res.Artefacts, res.Files, evidence.HumanBytes(res.Bytes))
			fmt.Fprintf(a.out, "  manifest sha256:%s, signed; proofs against checkpoint %d", res.ManifestSHA256, res.CheckpointSize)
			if res.Previous > 0 {
				fmt.Fprintf(a.out, "; consistent with the previous export (checkpoint %d)", res.Previous)
			}
			if len(res.ConsistentFrom) > 0 {
				fmt.Fprintf(a.out, "; consistency proven from sizes %v", res.ConsistentFrom)
			}
			fmt.Fprintf(a.out, "\n  recorded as custody entry #%d\n", res.Entry.Index)
			fmt.Fprintf(a.out, "  check it with: casefile verify-export %s   (or the commands in VERIFY.txt)\n", res.Out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "where to write the package: a directory, or a .tar.gz or .zip file (never overwritten)")
	fl.StringVar(&f.format, "format", "", "dir, tar.gz or zip (default: from the --out extension, else dir)")
	fl.StringVar(&f.recipient, "recipient", "", "to whom the package goes")
	fl.StringVar(&f.purpose, "purpose", "", "why it is handed over")
	fl.StringVar(&f.authorization, "authorization", "", "the authorization it is handed over under (warrant, court order, engagement)")
	fl.StringVar(&f.tlp, "tlp", "amber", "Traffic Light Protocol marking: white, green, amber or red")
	fl.StringVar(&f.tsa, "tsa", "", "URL of an RFC 3161 time-stamping authority to timestamp the checkpoint (contacts that server)")
	fl.StringArrayVar(&f.indicators, "indicator", nil, "export only what concerns this indicator (repeatable)")
	fl.StringArrayVar(&f.consistencyFrom, "consistency-from", nil, "also prove consistency from this tree size, one the recipient holds a checkpoint of (repeatable)")
	fl.StringArrayVar(&f.artefacts, "artefact", nil, "export only this artefact, by SHA-256 (repeatable)")
	return cmd
}
