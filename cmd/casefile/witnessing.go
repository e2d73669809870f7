package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/tsa"
	"github.com/casefile/casefile/evidence/witness"
)

// witnessHTTP is the client for witnesses and timestamp authorities.
var witnessHTTP = &http.Client{Timeout: 20 * time.Second}

// publish sends the latest checkpoint to the witnesses and the TSA and
// reports on stderr; only a store error is an error.
func (a *app) publish(cmd *cobra.Command, h *casedir.Handle, p witness.Policy) error {
	res, err := witness.Publish(ctx(cmd), h.Case, p, witnessHTTP)
	if err != nil {
		return err
	}
	for _, o := range res.Witnesses {
		switch {
		case o.Refused:
			fmt.Fprintf(a.err, "casefile: WARNING: witness %s refused checkpoint %d: %s\n", o.Who, o.Size, o.Err)
		case o.Err != "":
			fmt.Fprintf(a.err, "casefile: warning: witness %s (%s) did not cosign checkpoint %d: %s\n", o.Who, o.URL, o.Size, o.Err)
		default:
			fmt.Fprintf(a.err, "casefile: checkpoint %d cosigned by %s\n", o.Size, o.Who)
		}
	}
	if t := res.Timestamp; t != nil {
		if t.Err != "" {
			fmt.Fprintf(a.err, "casefile: warning: no timestamp for checkpoint %d: %s\n", t.Size, t.Err)
		} else if t.Time != 0 {
			fmt.Fprintf(a.err, "casefile: checkpoint %d timestamped %s by %s\n", t.Size, time.Unix(t.Time, 0).UTC().Format(time.RFC3339), t.Who)
		}
	}
	if !res.QuorumMet() {
		fmt.Fprintf(a.err, "casefile: warning: checkpoint %d has %d of the %d cosignatures the policy asks for; the next command that writes tries again\n", res.Size, res.Cosigned, res.Quorum)
	}
	return nil
}

// witnessed reports whether the case has a witnessing policy.
func witnessed(h *casedir.Handle) bool {
	_, _, ok, err := witness.Load(h.Case)
	return ok || err != nil
}

// publishAfterWrite runs after a command that opened the case for
// writing: it reopens the case and, when witnessing is configured, sends
// the latest checkpoint (nothing is sent for a checkpoint already
// cosigned and timestamped).
func (a *app) publishAfterWrite(cmd *cobra.Command) error {
	if !a.wrote || a.caseDir == "" {
		return nil
	}
	a.wrote = false
	h, err := casedir.Open(a.caseDir, casedir.OpenOptions{Writable: true, Command: "casefile (witnessing the latest checkpoint)"})
	if err != nil {
		fmt.Fprintf(a.err, "casefile: warning: the latest checkpoint was not sent to the witnesses: %v\n", err)
		return nil
	}
	defer h.Close()
	if _, err := h.PublishBlobs(ctx(cmd)); err != nil {
		// The bucket keeps its previous complete copy; the next command
		// that writes publishes what is missing.
		fmt.Fprintf(a.err, "casefile: warning: the log was not published to %s: %v (the next command that writes will publish it)\n", h.Blobs.Config().URL(), err)
	}
	p, _, ok, err := witness.Load(h.Case)
	if err != nil || !ok {
		return err
	}
	return a.publish(cmd, h, p)
}

// checkWitnessing is verify's check of cosignatures and timestamps; nil
// when the case was never witnessed nor timestamped.
func (a *app) checkWitnessing(cmd *cobra.Command, h *casedir.Handle, offline bool, trusted []string, roots *x509.CertPool) (*witness.Report, error) {
	o := witness.CheckOptions{Offline: offline, HTTP: witnessHTTP}
	for _, s := range trusted {
		w, err := witness.ParseWitness(s)
		if err != nil {
			return nil, usageError{err}
		}
		o.Also = append(o.Also, w)
	}
	if offline && len(o.Also) > 0 {
		return nil, usagef("--witness asks a witness: it cannot go with --offline")
	}
	r, err := witness.Check(ctx(cmd), h.Case, o)
	if err != nil {
		return nil, err
	}
	if roots != nil {
		r.CheckTimestampRoots(roots)
	}
	if !r.Configured && len(r.Cosignatures) == 0 && len(r.Timestamps) == 0 && len(r.Asked) == 0 && r.OK() {
		return nil, nil
	}
	return r, nil
}

// printWitnessing says who witnessed what size when.
func printWitnessing(a *app, r *witness.Report) {
	if r == nil {
		return
	}
	fmt.Fprintf(a.out, "  witnessing   %s\n", r.Policy.Summary)
	for _, cs := range r.Cosignatures {
		fmt.Fprintf(a.out, "    size %-8d cosigned by %s at %s\n", cs.Size, cs.Witness, time.Unix(cs.Time, 0).UTC().Format(time.RFC3339))
	}
	for _, o := range r.Asked {
		switch {
		case o.Refused:
			fmt.Fprintf(a.out, "    asked now: %s REFUSED size %d (%s)\n", o.Who, o.Size, o.Err)
		case o.Err != "":
			fmt.Fprintf(a.out, "    asked now: %s not reachable\n", o.Who)
		default:
			fmt.Fprintf(a.out, "    asked now: %s cosigned size %d at %s\n", o.Who, o.Size, time.Unix(o.Time, 0).UTC().Format(time.RFC3339))
		}
	}
	for _, s := range r.Timestamps {
		trust := ""
		if s.Trusted {
			trust = " (an authority you trust)"
		}
		fmt.Fprintf(a.out, "    size %-8d timestamped %s by %s%s\n", s.Size, s.Time.Format(time.RFC3339), s.Authority, trust)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(a.out, "    warning: %s\n", w)
	}
}

// witnessPoll is how soon a long-running server sends a new checkpoint to
// the witnesses and the TSA after a commit; after a failure (a witness
// down, the quorum not met) it tries again every witnessRetries polls.
const (
	witnessPoll    = time.Second
	witnessRetries = 30
)

// startWitnessLoop runs witnessLoop until the returned stop is called.
func (a *app) startWitnessLoop(ctx context.Context, h *casedir.Handle, poll time.Duration) (stop func()) {
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		a.witnessLoop(lctx, h, poll)
		close(done)
	}()
	return func() {
		cancel()
		<-done
	}
}

// witnessLoop, while a server holds the case open, sends each new
// checkpoint to the witnesses and the TSA within a poll of its commit
// (commits in between go together), until ctx ends.
func (a *app) witnessLoop(ctx context.Context, h *casedir.Handle, poll time.Duration) {
	followLog(ctx, h, poll, func(size uint64) (uint64, error) {
		p, _, ok, err := witness.Load(h.Case)
		if err != nil || !ok {
			return 0, errRetry
		}
		res, err := witness.Publish(ctx, h.Case, p, witnessHTTP)
		if err != nil {
			fmt.Fprintf(a.err, "casefile: warning: witnessing checkpoint %d: %v\n", size, err)
			return 0, err
		}
		if !res.QuorumMet() {
			fmt.Fprintf(a.err, "casefile: warning: checkpoint %d has %d of the %d cosignatures the policy asks for\n", res.Size, res.Cosigned, res.Quorum)
			return 0, errRetry // try again later
		}
		return res.Size, nil
	})
}

// errRetry makes followLog try again later.
var errRetry = errors.New("try again later")

// followLog calls publish, until ctx ends, within a poll of each growth of
// the case's log (commits in between go together). publish returns the
// log size it brought out; after an error, which publish reports itself,
// the loop lets witnessRetries polls pass before it tries again.
func followLog(ctx context.Context, h *casedir.Handle, poll time.Duration, publish func(size uint64) (uint64, error)) {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var last uint64
	wait := 0 // polls to skip after a failure
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		size := h.Log().Size()
		if size == last {
			continue
		}
		if wait > 0 {
			wait--
			continue
		}
		done, err := publish(size)
		if err != nil {
			wait = witnessRetries
			continue
		}
		last = done
	}
}

// loadTimestampRoots reads --tsa-roots; nil when not given.
func loadTimestampRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	roots, err := tsa.LoadRoots(path)
	if err != nil {
		return nil, usageError{err}
	}
	return roots, nil
}
