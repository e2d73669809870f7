package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/s3blobs"
)

// blobsFlags are init's flags for keeping artefacts in object storage.
type blobsFlags struct {
	url, endpoint, region, retention string
	legalHold, allowUnlocked         bool
}

func addBlobsFlags(cmd *cobra.Command, f *blobsFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.url, "blobs", "", "keep artefact chunks in S3-compatible object storage, s3://BUCKET/PREFIX (a bucket with Object Lock); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE")
	fl.StringVar(&f.endpoint, "s3-endpoint", "", "S3 endpoint URL, e.g. http://127.0.0.1:7070 (default: AWS)")
	fl.StringVar(&f.region, "s3-region", "", "S3 region (default: the endpoint's)")
	fl.StringVar(&f.retention, "retention", "", "Object Lock retention of every object written, compliance:DAYS or governance:DAYS (default: the bucket's)")
	fl.BoolVar(&f.legalHold, "legal-hold", false, "write every object under legal hold (lift it with casefile hold release)")
	fl.BoolVar(&f.allowUnlocked, "allow-unlocked", false, "accept a bucket without Object Lock (its objects can be overwritten or deleted; verify says so)")
}

// config turns the flags into the bucket configuration; nil without --blobs.
func (f *blobsFlags) config(cmd *cobra.Command) (*s3blobs.Config, error) {
	if f.url == "" {
		for _, n := range []string{"s3-endpoint", "s3-region", "retention", "legal-hold", "allow-unlocked"} {
			if cmd.Flags().Changed(n) {
				return nil, usagef("--%s needs --blobs s3://BUCKET/PREFIX", n)
			}
		}
		return nil, nil
	}
	cfg, err := s3blobs.ParseURL(f.url)
	if err != nil {
		return nil, usageError{fmt.Errorf("--blobs: %w", err)}
	}
	cfg.Endpoint, cfg.Region = strings.TrimRight(f.endpoint, "/"), f.region
	cfg.LegalHold, cfg.AllowUnlocked = f.legalHold, f.allowUnlocked
	if f.retention != "" {
		if cfg.Retention, cfg.RetentionDays, err = s3blobs.ParseRetention(f.retention); err != nil {
			return nil, usageError{fmt.Errorf("--retention: %w", err)}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	return &cfg, nil
}

// holdCmd applies or lifts legal holds on the case's objects.
func (a *app) holdCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hold set|release|status --case DIR [--reason TEXT]",
		Short: "Put the case's objects in object storage under legal hold, or lift it (a custody entry)",
	}
	for _, on := range []bool{true, false} {
		var reason string
		use, short := "set", "Apply a legal hold to every object of the case"
		if !on {
			use, short = "release", "Lift the legal hold from every object of the case"
		}
		sub := &cobra.Command{
			Use: use + " --case DIR --reason TEXT", Short: short, Args: noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if strings.TrimSpace(reason) == "" {
					return usagef("--reason is required: say why (a litigation hold notice, its reference), it goes in the custody log")
				}
				if err := singleLine("reason", reason); err != nil {
					return err
				}
				h, err := a.openCase(cmd, true)
				if err != nil {
					return err
				}
				defer h.Close()
				if h.Blobs == nil {
					return withHint(fmt.Errorf("case %s keeps its artefacts in local pack files: legal holds apply to object storage", h.Dir), "create the case with casefile init --blobs s3://BUCKET/PREFIX")
				}
				e, p, err := a.applyHold(cmd, h, on, reason)
				if err != nil {
					return err
				}
				a.wrote = true
				if a.json {
					return json.NewEncoder(a.out).Encode(map[string]any{"entry": e.Index, "kind": e.Kind, "objects": p.Objects, "storage": p.Storage})
				}
				verb := map[bool]string{true: "set on", false: "released from"}[on]
				fmt.Fprintf(a.out, "Legal hold %s %d objects of %s (entry %d, %s)\n", verb, p.Objects, p.Storage, e.Index, e.Kind)
				return nil
			},
		}
		sub.Flags().StringVar(&reason, "reason", "", "why, as it will stand in the custody log")
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(&cobra.Command{
		Use: "status --case DIR", Short: "Say whether the case's objects are under legal hold", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			if h.Blobs == nil {
				return fmt.Errorf("case %s keeps its artefacts in local pack files: legal holds apply to object storage", h.Dir)
			}
			sr, err := storageStatus(cmd, h.Case, h.Blobs, "")
			if err != nil {
				return err
			}
			if a.json {
				return json.NewEncoder(a.out).Encode(sr)
			}
			printStorage(a, sr)
			return nil
		},
	})
	return cmd
}

// applyHold applies or lifts the legal hold on every object of the case,
// makes the objects written from now on carry it or not, and records it
// in the custody log.
func (a *app) applyHold(cmd *cobra.Command, h *casedir.Handle, on bool, reason string) (*evidence.Entry, *s3blobs.HoldPayload, error) {
	if !h.Blobs.Locked() {
		return nil, nil, fmt.Errorf("bucket %s has no Object Lock: it cannot hold objects", h.Blobs.Config().Bucket)
	}
	if err := h.SetBlobsLegalHold(on); err != nil {
		return nil, nil, err
	}
	n, err := h.Blobs.SetLegalHold(ctx(cmd), on)
	if err != nil {
		return nil, nil, err
	}
	verb, kind := "set on", s3blobs.KindHoldSet
	if !on {
		verb, kind = "released from", s3blobs.KindHoldReleased
	}
	p := &s3blobs.HoldPayload{
		Summary: fmt.Sprintf("legal hold %s %d objects of %s: %s", verb, n, h.Blobs.Config().URL(), reason),
		Reason:  reason, Storage: h.Blobs.Config().URL(), Objects: n,
	}
	es, err := h.Append(ctx(cmd), evidence.Draft{Kind: kind, Actor: a.actor(), Payload: p})
	if err != nil {
		return nil, nil, err
	}
	return es[0], p, nil
}

// storageReport is what verify says about the bucket: its Object Lock and
// the legal hold, as the log records it and as the bucket has it.
type storageReport struct {
	URL        string            `json:"url"`
	ObjectLock bool              `json:"object_lock"`
	Hold       string            `json:"legal_hold"` // set, released or none
	HoldEntry  *uint64           `json:"legal_hold_entry,omitempty"`
	HoldReason string            `json:"legal_hold_reason,omitempty"`
	Count      s3blobs.HoldCount `json:"objects"`
	// History is how the log relates to every checkpoint the bucket kept.
	History *s3blobs.HistoryReport `json:"history"`
}

// storageStatus reads what the bucket says of the case c; readVersion is
// the checkpoint version a copy read from the bucket was read from ("" for
// a case directory: see Store.CheckHistory).
func storageStatus(cmd *cobra.Command, c *evidence.Case, st *s3blobs.Store, readVersion string) (*storageReport, error) {
	sr := &storageReport{URL: st.Config().URL(), ObjectLock: st.Locked(), Hold: "none"}
	e, p, err := s3blobs.LastHold(c)
	if err != nil {
		return nil, err
	}
	if e != nil {
		sr.Hold = map[bool]string{true: "set", false: "released"}[e.Kind == s3blobs.KindHoldSet]
		sr.HoldEntry, sr.HoldReason = &e.Index, p.Reason
	}
	if sr.Count, err = st.LegalHolds(ctx(cmd)); err != nil {
		return nil, err
	}
	if sr.History, err = st.CheckHistory(ctx(cmd), c, readVersion); err != nil {
		return nil, err
	}
	return sr, nil
}

// check turns what the bucket holds against what the log says into problems.
func (sr *storageReport) check(r *evidence.Report) {
	if sr.Hold == "set" && sr.Count.Held < sr.Count.Objects {
		r.AddProblem(evidence.ProblemStore, sr.URL, fmt.Sprintf("the case is under legal hold but %d of its %d objects are not held: the hold was lifted outside casefile", sr.Count.Objects-sr.Count.Held, sr.Count.Objects))
	}
	for _, p := range sr.History.Problems {
		r.AddProblem(evidence.ProblemCheckpoint, sr.URL+"/checkpoint", p)
	}
	if !sr.ObjectLock {
		r.NotProven = append(r.NotProven, "that the objects in "+sr.URL+" were never overwritten or deleted and rewritten: the bucket has no Object Lock (accepted at init with --allow-unlocked)")
		return
	}
	if h := sr.History; h.Versions > 0 && len(h.Problems) == 0 && r.Trusted == nil {
		// The locked versions of the checkpoint are checkpoints kept out
		// of reach of whoever holds the case key.
		r.NotProven = []string{fmt.Sprintf("that the log was not shortened or rewritten by someone able to delete locked object versions (once their retention ends, or with the governance bypass permission): the %d checkpoints the bucket kept under Object Lock are each an unchanged prefix of this log", h.Versions)}
		if r.Entries > h.Largest {
			r.NotProven = append(r.NotProven, fmt.Sprintf("anything about entries %d to %d beyond the case key: they are not published to the bucket yet (the next command that writes publishes them)", h.Largest, r.Entries-1))
		}
	}
}

func printStorage(a *app, sr *storageReport) {
	lock := "Object Lock on"
	if !sr.ObjectLock {
		lock = "NO Object Lock (accepted with --allow-unlocked): objects there can be overwritten or deleted"
	}
	fmt.Fprintf(a.out, "  storage      %s, %s\n", sr.URL, lock)
	if !sr.ObjectLock {
		return // no legal hold without Object Lock
	}
	hold := "none"
	switch {
	case sr.Hold == "set":
		hold = fmt.Sprintf("SET by entry %d (%s)", *sr.HoldEntry, sr.HoldReason)
	case sr.Hold == "released":
		hold = fmt.Sprintf("released by entry %d (%s)", *sr.HoldEntry, sr.HoldReason)
	}
	fmt.Fprintf(a.out, "  legal hold   %s; %d of %d object versions held\n", hold, sr.Count.Held, sr.Count.Objects)
	if h := sr.History; h != nil && h.Versions > 0 {
		fmt.Fprintf(a.out, "  history      %d published checkpoints kept in the bucket (sizes %d to %d), each an unchanged prefix of this log\n", h.Versions, h.Smallest, h.Largest)
	}
	if h := sr.History; h != nil && h.Later > 0 {
		fmt.Fprintf(a.out, "               %d checkpoints published since this copy was read (not checked: verify again to include them)\n", h.Later)
	}
}

// verifyFrom verifies the copy of a case published in a bucket, without
// any local case: the key comes from --key, or from the bucket when its
// fingerprint is the one given with --fingerprint.
func (a *app) verifyFrom(cmd *cobra.Command, from, endpoint, keyFile, fingerprint string, opt evidence.VerifyOptions) error {
	cfg, err := s3blobs.ParseURL(from)
	if err != nil {
		return usageError{fmt.Errorf("--from: %w", err)}
	}
	cfg.Endpoint, cfg.AllowUnlocked = strings.TrimRight(endpoint, "/"), true // verify says whether it is locked
	if keyFile == "" && fingerprint == "" {
		return usagef("--from needs the case's key: --key public-key.pem, or --fingerprint F (the fingerprint written down at init) to accept the key published in the bucket")
	}
	st, err := s3blobs.Open(ctx(cmd), cfg)
	if err != nil {
		return err
	}
	a.boundMemory(copyMemoryLimit)
	var pubPEM []byte
	if keyFile != "" {
		pubPEM, err = os.ReadFile(keyFile)
	} else {
		pubPEM, err = st.PublicKey(ctx(cmd))
	}
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	pub, err := keys.PublicKey(pubPEM)
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	fp, err := keys.Fingerprint(pub)
	if err != nil {
		return err
	}
	if fingerprint != "" && !strings.EqualFold(strings.TrimSpace(fingerprint), fp) {
		return verifyError{fmt.Errorf("verification failed: the key (%s) has fingerprint %s, not %s", map[bool]string{true: keyFile, false: cfg.URL() + "/public-key.pem"}[keyFile != ""], fp, fingerprint)}
	}
	cp, err := s3blobs.ReadCopy(ctx(cmd), st, func(origin string) (note.Verifier, error) { return keys.Verifier(pub, origin) }, "")
	if err != nil {
		return verifyError{fmt.Errorf("verification failed: %w", err)}
	}
	defer cp.Close()
	info, err := cp.Info()
	if err != nil {
		return verifyError{fmt.Errorf("verification failed: %w", err)}
	}
	opt.Expect = &evidence.CaseExpect{Title: info.Title, CaseID: info.CaseID, Origin: cp.Log().Origin(), KeyFingerprint: fp}
	r, err := cp.Verify(ctx(cmd), opt)
	if err != nil {
		return err
	}
	sr, err := storageStatus(cmd, cp.Case, st, cp.CheckpointVersion)
	if err != nil {
		return err
	}
	sr.check(r)
	return a.finishVerify(cfg.URL(), r, verifyExtras{storage: sr}, opt.SkipContent)
}

// storageSentence is the export report's line on the bucket: where the
// artefacts are, Object Lock, and the legal hold; "" for pack files.
func storageSentence(cmd *cobra.Command, h *casedir.Handle) (string, error) {
	if h.Blobs == nil {
		return "", nil
	}
	sr, err := storageStatus(cmd, h.Case, h.Blobs, "")
	if err != nil {
		return "", err
	}
	if !sr.ObjectLock {
		return fmt.Sprintf("The artefacts are kept in %s, a bucket without Object Lock: its objects can be overwritten or deleted.", sr.URL), nil
	}
	s := fmt.Sprintf("The artefacts and a copy of the log are kept in %s, under Object Lock", sr.URL)
	switch {
	case sr.Hold == "set":
		s += fmt.Sprintf("; legal hold set by custody entry %d (%s), %d of %d object versions held.", *sr.HoldEntry, sr.HoldReason, sr.Count.Held, sr.Count.Objects)
	case sr.Hold == "released":
		s += fmt.Sprintf("; the legal hold was released by custody entry %d (%s).", *sr.HoldEntry, sr.HoldReason)
	default:
		s += "; no legal hold."
	}
	return s, nil
}

// startPublishLoop, while a server holds a case kept in object storage,
// publishes each new checkpoint to the bucket within a poll of its commit
// (commits in between go together): the workbench's writes and the
// commands the server runs for clients would otherwise reach the bucket
// only when the server stops. A publication writes the checkpoint after
// the tiles it names, so the bucket holds a complete copy at every moment.
func (a *app) startPublishLoop(ctx context.Context, h *casedir.Handle, poll time.Duration) (stop func()) {
	if h.Blobs == nil {
		return func() {}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		followLog(lctx, h, poll, func(uint64) (uint64, error) {
			res, err := h.PublishBlobs(lctx)
			if err != nil {
				if lctx.Err() == nil {
					fmt.Fprintf(a.err, "casefile: warning: the log was not published to %s: %v (tried again in a while)\n", h.Blobs.Config().URL(), err)
				}
				return 0, err
			}
			return res.To, nil
		})
	}()
	return func() {
		cancel()
		<-done
	}
}
