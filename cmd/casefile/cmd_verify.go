package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/rawtext"
	"github.com/casefile/casefile/evidence/witness"
	"github.com/casefile/casefile/ui"
)

func (a *app) verifyCmd() *cobra.Command {
	var skipContent, fullHash, doRecover, offline bool
	var checkpoint, tsaRoots string
	var from, endpoint, keyFile, fingerprint string
	var witnesses []string
	cmd := &cobra.Command{
		Use:   "verify --case DIR | --from s3://BUCKET/PREFIX --key FILE|--fingerprint F [--json] [--checkpoint FILE|SIZE:ROOT] [--tsa-roots FILE]",
		Short: "Recompute and check everything; exit 1 naming the first problem",
		Long: `Recompute and check everything from the stored bytes; exit 1 naming the first
problem. The case is opened read-only: verify never creates, changes or deletes
a file, so it runs on a write-protected copy.

Without --checkpoint, verify cannot tell a log shortened (or rewritten) by
whoever holds the case key from an intact one: give a checkpoint kept outside
the case (a file from an export or a witness, or SIZE:ROOT as written down) to
prove the log extends it. A case with witnesses is also checked against what
they cosigned (--offline: only the cosignatures stored in the case).

A timestamp proves its time only through an authority you trust: --tsa-roots
names the certificates (PEM) of the time-stamping authorities or CAs you
trust, and every timestamp of the case must chain to one of them.

--from s3://BUCKET/PREFIX verifies the copy of a case published in object
storage (casefile init --blobs), on any machine and without the case
directory: the checkpoint's signature, the tiles against its root, every
entry's chain, every artefact and chunk re-hashed from the bucket, Object
Lock and legal hold. Give the case key (--key public-key.pem) or the
fingerprint written down at init (--fingerprint).

An artefact's content is proven through the chunk list its custody entry
commits to (record_sha256): its record, each chunk-list page and each chunk
must hash to what names it, on every core, each byte hashed once. Artefacts
ingested before record_sha256 existed have their whole SHA-256 (and recorded
MD5/SHA-1) recomputed. --full-hash recomputes the whole-content SHA-256, MD5
and SHA-1 of every artefact as well, for whoever asks for the standard digests
recomputed (one pass per artefact, on one core: slower on big artefacts).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var trusted *evidence.TrustedCheckpoint
			if checkpoint != "" {
				t, err := readTrustedCheckpoint(checkpoint)
				if err != nil {
					return usageError{err}
				}
				trusted = &t
			}
			if from != "" {
				return a.verifyFrom(cmd, from, endpoint, keyFile, fingerprint, evidence.VerifyOptions{SkipContent: skipContent, FullHash: fullHash, Trusted: trusted})
			}
			roots, err := loadTimestampRoots(tsaRoots)
			if err != nil {
				return err
			}
			h, err := a.openCaseWith(casedir.OpenOptions{Recover: doRecover, CheckFiles: !skipContent})
			if errors.Is(err, evidence.ErrStoreDamaged) {
				r := &evidence.Report{Problems: []evidence.Problem{}}
				r.AddProblem(evidence.ProblemStore, "store", err.Error())
				return a.finishVerify(a.caseDir, r, verifyExtras{}, skipContent)
			}
			if err != nil {
				return err
			}
			defer h.Close()
			r, err := h.Verify(ctx(cmd), evidence.VerifyOptions{SkipContent: skipContent, FullHash: fullHash, Trusted: trusted})
			if err != nil {
				return err
			}
			var d *observe.DerivedReport
			if !skipContent {
				if d, err = observe.VerifyDerived(ctx(cmd), h.Case, r); err != nil {
					if ctx(cmd).Err() != nil {
						return err
					}
					// What could not be read is damage the report names.
					r.AddProblem(evidence.ProblemStore, "derived data", err.Error())
				}
			}
			users, err := ui.VerifyUsers(ctx(cmd), h.Case, r) // workbench users and tokens against their entries
			if err := damageReported(cmd, r, "workbench users", err); err != nil {
				return err
			}
			wr, err := a.checkWitnessing(cmd, h, offline, witnesses, roots)
			if err := damageReported(cmd, r, "witnessing", err); err != nil {
				return err
			}
			if wr != nil {
				for _, p := range wr.Problems {
					r.AddProblem(evidence.ProblemCheckpoint, "witnessing", p)
				}
				if w := vouchingWitness(wr, r); w != "" && r.Trusted == nil {
					r.NotProven = []string{"that the log was not rewritten by whoever holds the case key before its witnesses were configured: " + w +
						" vouches that the log grew append-only since it first cosigned (verify --witness URL+VKEY also asks a witness you trust)"}
				}
				if len(wr.Timestamps) > 0 && roots == nil {
					r.NotProven = append(r.NotProven, fmt.Sprintf("the times of %d timestamps: their authority was not checked against authorities you trust (--tsa-roots FILE)", len(wr.Timestamps)))
				}
			}
			var sr *storageReport
			if h.Blobs != nil {
				if sr, err = storageStatus(cmd, h.Case, h.Blobs, ""); err != nil {
					return err
				}
				sr.check(r)
			}
			return a.finishVerify(h.Dir, r, verifyExtras{d, users, wr, sr}, skipContent)
		},
	}
	cmd.Flags().StringArrayVar(&witnesses, "witness", nil, "a witness you trust, URL+VKEY, to ask as well as the case's own (catches a case rewritten to before its witnesses were configured)")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the case's witnesses what they cosigned; check only the cosignatures and timestamps stored in the case")
	cmd.Flags().BoolVar(&skipContent, "skip-content", false, "check the log and checkpoints only, not the artefact bytes nor the events and observations derived from them")
	cmd.Flags().BoolVar(&fullHash, "full-hash", false, "also recompute every artefact's whole-content SHA-256 (and the MD5/SHA-1 recorded), not only its chunks against the chunk list the log commits to")
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "a checkpoint kept outside the case (a checkpoint file, or SIZE:ROOT as written down): prove the log extends it")
	cmd.Flags().StringVar(&tsaRoots, "tsa-roots", "", "certificates (PEM) of the time-stamping authorities you trust: every timestamp must chain to one")
	cmd.Flags().StringVar(&from, "from", "", "verify the copy of a case in object storage, s3://BUCKET/PREFIX, without the case directory")
	cmd.Flags().StringVar(&endpoint, "s3-endpoint", "", "with --from: the S3 endpoint URL (default: AWS)")
	cmd.Flags().StringVar(&keyFile, "key", "", "with --from: the case's public-key.pem")
	cmd.Flags().StringVar(&fingerprint, "fingerprint", "", "with --from: the key fingerprint written down at init (accepts the key published in the bucket if it matches)")
	cmd.Flags().BoolVar(&doRecover, "recover", false, "first let the database replay the log a killed command left (this writes to the case; needed once after a crash)")
	return cmd
}

// damageReported adds err to the report when it is damage of the store
// (entries that cannot be read, which Verify has named already) and
// returns nil; any other error it returns, to stop the command.
func damageReported(cmd *cobra.Command, r *evidence.Report, what string, err error) error {
	if err == nil || ctx(cmd).Err() != nil || !errors.Is(err, evidence.ErrStoreDamaged) {
		return err
	}
	r.AddProblem(evidence.ProblemStore, what, err.Error())
	return nil
}

// readTrustedCheckpoint reads --checkpoint: SIZE:ROOT, or a file.
func readTrustedCheckpoint(arg string) (evidence.TrustedCheckpoint, error) {
	if t, err := evidence.ParseTrustedCheckpoint(arg); err == nil {
		return t, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return evidence.TrustedCheckpoint{}, fmt.Errorf("--checkpoint: want a checkpoint file or SIZE:ROOT: %w", err)
	}
	defer f.Close()
	msg, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return evidence.TrustedCheckpoint{}, fmt.Errorf("--checkpoint: %w", err)
	}
	return evidence.ParseTrustedCheckpointNote(msg)
}

// vouchingWitness names a witness that, asked now, cosigned the case's
// latest checkpoint: it would have refused a truncated or forked log.
func vouchingWitness(wr *witness.Report, r *evidence.Report) string {
	if !wr.OK() || r.Checkpoint == nil {
		return ""
	}
	for _, o := range wr.Asked {
		if !o.Refused && o.Err == "" && o.Size == uint64(r.Checkpoint.Size) {
			return o.Who
		}
	}
	return ""
}

// verifyExtras are the checks beside the log's own: derived data, the
// workbench's users, witnesses and timestamps (each nil when not run).
type verifyExtras struct {
	derived    *observe.DerivedReport
	users      *ui.UsersReport
	witnessing *witness.Report
	storage    *storageReport // the bucket, for a case in object storage
}

// finishVerify prints the report and turns damage into exit 1.
func (a *app) finishVerify(dir string, r *evidence.Report, x verifyExtras, skipContent bool) error {
	if a.json {
		out := struct {
			*evidence.Report
			Derived    *observe.DerivedReport `json:"derived,omitempty"`
			Users      *ui.UsersReport        `json:"users,omitempty"`
			Witnessing *witness.Report        `json:"witnessing,omitempty"`
			Storage    *storageReport         `json:"storage,omitempty"`
		}{r, x.derived, x.users, x.witnessing, x.storage}
		if err := json.NewEncoder(a.out).Encode(out); err != nil {
			return err
		}
	} else {
		abs := dir
		if !strings.HasPrefix(dir, "s3://") {
			abs, _ = filepath.Abs(dir)
		}
		printReport(a, abs, r, x, skipContent)
	}
	if !r.OK {
		p := r.First()
		return verifyError{fmt.Errorf("verification failed: %w", *p)}
	}
	return nil
}

func printReport(a *app, where string, r *evidence.Report, x verifyExtras, skipContent bool) {
	d := x.derived
	fmt.Fprintf(a.out, "Case %s\n", rawtext.Display(where))
	if r.KeyFingerprint != "" {
		fmt.Fprintf(a.out, "  key          %s (public-key.pem; compare it with the fingerprint written down at init)\n", r.KeyFingerprint)
	}
	fmt.Fprintf(a.out, "  entries      %d (canonical form, hash chain and Merkle tree recomputed)\n", r.Entries)
	if r.Checkpoint != nil {
		fmt.Fprintf(a.out, "  checkpoints  %d signatures checked; latest: size %d, root %s\n", r.Checkpoints, r.Checkpoint.Size, r.Checkpoint.Root)
	}
	if skipContent {
		fmt.Fprintf(a.out, "  artefacts    %d (content not re-hashed: --skip-content)\n", r.Artefacts)
	} else {
		fmt.Fprintf(a.out, "  artefacts    %d, %s re-hashed; %d chunks checked\n", r.Artefacts, evidence.HumanBytes(r.Bytes), r.Chunks)
		if r.ByChunkList > 0 {
			fmt.Fprintf(a.out, "               %d proven chunk by chunk against the chunk list their entries commit to (--full-hash also recomputes their whole SHA-256)\n", r.ByChunkList)
		}
	}
	if t := r.Trusted; t != nil {
		state := "NOT extended"
		if t.Extended {
			state = "extended: its first entries hash to the trusted root"
			if t.Consistent {
				state += "; consistency proof to the latest checkpoint checked"
			}
		}
		fmt.Fprintf(a.out, "  trusted      checkpoint size %d, root %s: log %s\n", t.Size, t.Root, state)
	}
	if d != nil {
		fmt.Fprintf(a.out, "  events       %d in %d parse run(s), re-hashed against their entries; indicator postings checked\n", d.Events, d.Runs)
		fmt.Fprintf(a.out, "  observations %d in %d entries, their index checked\n", d.Observations, d.ObservationEntries)
		if d.AssessmentLeaves > 0 {
			fmt.Fprintf(a.out, "  assessments  %d with their per-source leaves kept, re-hashed to their result_root\n", d.AssessmentLeaves)
		}
	}
	if u := x.users; u != nil {
		fmt.Fprintf(a.out, "  users        %d, %d API tokens, checked against their entries\n", u.Users, u.Tokens)
	}
	printWitnessing(a, x.witnessing)
	if x.storage != nil {
		printStorage(a, x.storage)
	}
	if r.OK {
		if d != nil {
			fmt.Fprintln(a.out, "INTACT: every entry, checkpoint, artefact and chunk matches, and so do the events and observations derived from them.")
		} else {
			fmt.Fprintln(a.out, "INTACT: every entry, checkpoint, artefact and chunk matches.")
		}
		for _, u := range r.NotProven {
			fmt.Fprintf(a.out, "  not proven: %s\n", u)
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
