package witness

import (
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa"
)

// Stamp is a verified RFC 3161 timestamp of a checkpoint.
type Stamp struct {
	Size      uint64    `json:"size"`
	Time      time.Time `json:"time"`
	Authority string    `json:"authority"`
	// Trusted: the authority chains to the roots the examiner named
	// (CheckTimestampRoots); false when none were named.
	Trusted bool `json:"trusted,omitempty"`

	ts *timestamp.Timestamp
}

// Report is what Check found: the policy, every stored cosignature and
// timestamp that verifies, what the witnesses said when asked, and the
// problems (history rewritten after it was witnessed) and warnings
// (witnesses unreachable, quorum not met).
type Report struct {
	Configured   bool          `json:"configured"`
	Policy       Policy        `json:"policy"`
	Cosignatures []Cosignature `json:"cosignatures"`
	Timestamps   []Stamp       `json:"timestamps"`
	Asked        []Outcome     `json:"asked,omitempty"`
	Problems     []string      `json:"problems,omitempty"`
	Warnings     []string      `json:"warnings,omitempty"`
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

func (r *Report) warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// CheckOptions say whether and how to ask the witnesses.
type CheckOptions struct {
	Offline bool // only check what is stored
	// Also are witnesses the verifier trusts, asked besides the case's
	// own: a case rewritten from before its witnessing was configured
	// (so that it names no witness) is still caught by them.
	Also []Witness
	HTTP *http.Client // nil: a 30-second client
}

// Check verifies the stored cosignatures and timestamps against the
// case's checkpoints and, unless offline, asks each configured witness for
// the size it last cosigned and proves the case consistent with it: a
// case truncated or forked after a witness cosigned it fails here even
// when every stored trace of the witness was removed.
func Check(ctx context.Context, c *evidence.Case, o CheckOptions) (*Report, error) {
	r := &Report{Cosignatures: []Cosignature{}, Timestamps: []Stamp{}}
	p, idx, ok, err := Load(c)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyEntry(c, r, p, idx, ok); err != nil {
		return nil, err
	}
	r.Configured, r.Policy = ok, p
	vs, err := p.verifiers()
	if err != nil {
		r.problem("witnessing policy: %v", err)
		return r, nil
	}
	byHash := map[uint32]*Verifier{}
	for _, v := range vs {
		byHash[v.KeyHash()] = v
	}
	size := c.Log().Size()
	err = c.Derived().Scan(prefixCosig, nil, func(k, line []byte) error {
		if len(k) != len(prefixCosig)+12 {
			r.problem("malformed cosignature key %x", k)
			return nil
		}
		v := byHash[binary.BigEndian.Uint32(k[len(prefixCosig):])]
		at := binary.BigEndian.Uint64(k[len(prefixCosig)+4:])
		if v == nil {
			r.warn("a cosignature at size %d by a witness that is not configured was not checked", at)
			return nil
		}
		if at > size {
			r.problem("witness %s cosigned size %d, but the case has only %d entries: the log was truncated", v.Name(), at, size)
			return nil
		}
		ck, _, err := c.CheckpointAt(at)
		if err != nil {
			r.problem("witness %s cosigned size %d, but the case has no valid checkpoint of that size: %v", v.Name(), at, err)
			return nil
		}
		cs, err := openCosignature(ck, append([]byte(nil), line...), c.Verifier(), v)
		if err != nil {
			r.problem("the cosignature of %s at size %d is not over the case's checkpoint of that size: the log was rewritten", v.Name(), at)
			return nil
		}
		cs.Size = at
		r.Cosignatures = append(r.Cosignatures, cs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkTimestamps(c, r, size); err != nil {
		return nil, err
	}
	if !o.Offline {
		asked := p
		for _, w := range o.Also {
			v, err := NewVerifier(w.VKey)
			if err != nil {
				return nil, err
			}
			if byHash[v.KeyHash()] == nil {
				asked.Witnesses = append(append([]Witness(nil), asked.Witnesses...), w)
				vs = append(vs, v)
				byHash[v.KeyHash()] = v
			}
		}
		ask(ctx, c, r, asked, vs, o.HTTP)
	}
	checkQuorum(r, p, size)
	return r, nil
}

// checkPolicyEntry checks that the policy kept beside the log is the one
// the latest witnessing.configured entry records (reading the log from
// that entry on, or all of it when no policy is kept).
func checkPolicyEntry(c *evidence.Case, r *Report, p Policy, idx uint64, ok bool) error {
	var latest *evidence.Entry
	from := uint64(0)
	if ok && idx < c.Log().Size() {
		from = idx
	}
	err := c.Entries(from, func(e *evidence.Entry) error {
		if e.Kind == KindConfigured {
			latest = e
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case latest == nil && ok:
		r.problem("a witnessing policy is stored but no %s entry records it", KindConfigured)
	case latest != nil && !ok:
		r.problem("entry %d configures witnessing, but the policy kept beside the log is missing", latest.Index)
	case latest != nil:
		lp, err := policyOf(latest)
		if err != nil || latest.Index != idx || !samePolicy(lp, p) {
			r.problem("the witnessing policy kept beside the log is not the one entry %d records", latest.Index)
		}
	}
	return nil
}

func checkTimestamps(c *evidence.Case, r *Report, size uint64) error {
	return c.Derived().Scan(prefixTimestamp, nil, func(k, raw []byte) error {
		if len(k) != len(prefixTimestamp)+8 {
			r.problem("malformed timestamp key %x", k)
			return nil
		}
		at := binary.BigEndian.Uint64(k[len(prefixTimestamp):])
		if at > size {
			r.problem("a timestamp covers size %d, but the case has only %d entries: the log was truncated", at, size)
			return nil
		}
		ck, _, err := c.CheckpointAt(at)
		if err != nil {
			r.problem("a timestamp covers size %d, but the case has no valid checkpoint of that size", at)
			return nil
		}
		ts, err := tsa.Check(append([]byte(nil), raw...), ck)
		if err != nil {
			r.problem("timestamp of size %d: %v", at, err)
			return nil
		}
		r.Timestamps = append(r.Timestamps, Stamp{Size: at, Time: ts.Time.UTC(), Authority: tsa.Authority(ts), ts: ts})
		return nil
	})
}

// ask submits the latest checkpoint to each witness, starting from size 0
// so that a 409 answer names the size the witness last cosigned, then
// with a consistency proof from that size: a witness that cosigned a
// larger tree (truncation), another root (fork) or refuses the proof
// makes a problem. The witness ends up cosigning the case's latest
// checkpoint when it is consistent, as tlog-witness intends.
func ask(ctx context.Context, c *evidence.Case, r *Report, p Policy, vs []*Verifier, hc *http.Client) {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	ck, size := c.Log().Checkpoint(), c.Log().Size()
	if size == 0 {
		return
	}
	for i, v := range vs {
		url := p.Witnesses[i].URL
		o := Outcome{Who: v.Name(), URL: url, Size: size}
		var known uint64
		sigs, err := AddCheckpoint(ctx, hc, url, 0, nil, ck)
		var ce *ConflictError
		if errors.As(err, &ce) {
			known = ce.Known
			if known > size {
				r.problem("witness %s has cosigned size %d, but the case has only %d entries: the log was truncated after it was witnessed", v.Name(), known, size)
				o.Refused, o.Err = true, fmt.Sprintf("cosigned size %d", known)
				r.Asked = append(r.Asked, o)
				continue
			}
			sigs, err = submit(ctx, c, hc, url, known, ck, size)
		}
		switch {
		case errors.As(err, &ce):
			r.problem("witness %s cosigned size %d with another root hash: the log was rewritten after it was witnessed", v.Name(), ce.Known)
			o.Refused, o.Err = true, err.Error()
		case isProofRefusal(err):
			r.problem("witness %s cosigned size %d, and the case is not an extension of that tree: the log was forked or rewritten", v.Name(), known)
			o.Refused, o.Err = true, err.Error()
		case err != nil:
			r.warn("witness %s at %s could not be asked: %v", v.Name(), url, err)
			o.Err = err.Error()
		default:
			cs, err := openCosignature(ck, sigs, c.Verifier(), v)
			if err != nil {
				r.warn("witness %s answered without a valid cosignature: %v", v.Name(), err)
				o.Err = err.Error()
			} else {
				o.Time = cs.Time
			}
		}
		r.Asked = append(r.Asked, o)
	}
}

// checkQuorum warns when fewer witnesses than the policy asks for cosigned
// the latest checkpoint (stored, or when asked).
func checkQuorum(r *Report, p Policy, size uint64) {
	if p.Quorum == 0 {
		return
	}
	got := map[string]bool{}
	for _, cs := range r.Cosignatures {
		if cs.Size == size {
			got[cs.Witness] = true
		}
	}
	for _, o := range r.Asked {
		if o.Err == "" && o.Time != 0 {
			got[o.Who] = true
		}
	}
	if len(got) < p.Quorum {
		r.warn("only %d of the %d witnesses the policy asks for have cosigned the latest checkpoint (size %d)", len(got), p.Quorum, size)
	}
}

// CheckTimestampRoots requires the case to hold a timestamp and every
// timestamp to come from an authority whose certificate chains to roots,
// the authorities the examiner trusts (tsa.Chains).
func (r *Report) CheckTimestampRoots(roots *x509.CertPool) {
	if len(r.Timestamps) == 0 {
		r.problem("the case holds no timestamp that verifies: there is no time to trust")
	}
	for i := range r.Timestamps {
		s := &r.Timestamps[i]
		if err := tsa.Chains(s.ts, roots); err != nil {
			r.problem("timestamp of size %d: %v", s.Size, err)
			continue
		}
		s.Trusted = true
	}
}
