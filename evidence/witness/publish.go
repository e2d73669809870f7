package witness

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa"
)

var (
	prefixCosig     = []byte("wc/")
	prefixTimestamp = []byte("wt/")
)

func cosigPrefix(keyHash uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), prefixCosig...), keyHash)
}

func cosigKey(keyHash uint32, size uint64) []byte {
	return binary.BigEndian.AppendUint64(cosigPrefix(keyHash), size)
}

func timestampKey(size uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixTimestamp...), size)
}

// lastCosigned returns the largest size with a stored cosignature by the
// witness with keyHash (0 if none).
func lastCosigned(c *evidence.Case, keyHash uint32) (uint64, error) {
	k, _, err := c.Derived().Last(cosigPrefix(keyHash))
	if errors.Is(err, evidence.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(k) != len(prefixCosig)+12 {
		return 0, fmt.Errorf("malformed cosignature key %x", k)
	}
	return binary.BigEndian.Uint64(k[len(k)-8:]), nil
}

// Outcome is what one witness or the TSA did with the latest checkpoint.
type Outcome struct {
	Who  string `json:"who"` // witness name, or the TSA URL
	URL  string `json:"url"`
	Size uint64 `json:"size"`
	Time int64  `json:"time,omitempty"` // of the cosignature or timestamp
	Err  string `json:"error,omitempty"`
	// Refused is set when the witness has seen a larger or different tree:
	// the case's history was rewritten after the witness saw it.
	Refused bool `json:"refused,omitempty"`
}

// Published says who witnessed and timestamped the latest checkpoint.
type Published struct {
	Size      uint64    `json:"size"`
	Witnesses []Outcome `json:"witnesses"`
	Cosigned  int       `json:"cosigned"`
	Quorum    int       `json:"quorum"`
	Timestamp *Outcome  `json:"timestamp,omitempty"`
}

// QuorumMet reports whether enough witnesses cosigned the latest checkpoint.
func (p *Published) QuorumMet() bool { return p.Cosigned >= p.Quorum }

// Publish sends the case's latest signed checkpoint to the policy's
// witnesses (with a consistency proof from what each last cosigned) and
// to its timestamp authority, and stores the cosignatures and the
// timestamp beside the checkpoint. A witness or authority that cannot be
// reached is reported in the result, not returned as an error: the
// entries are committed whatever they say. hc nil uses a 30-second client.
func Publish(ctx context.Context, c *evidence.Case, p Policy, hc *http.Client) (*Published, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	ck, size := c.Log().Checkpoint(), c.Log().Size()
	res := &Published{Size: size, Quorum: p.Quorum}
	if size == 0 {
		return res, nil
	}
	vs, err := p.verifiers()
	if err != nil {
		return nil, err
	}
	var ops []evidence.Op
	for i, v := range vs {
		o := Outcome{Who: v.Name(), URL: p.Witnesses[i].URL, Size: size}
		cs, err := cosign(ctx, c, hc, p.Witnesses[i].URL, v, ck, size)
		var ce *ConflictError
		switch {
		case errors.As(err, &ce) && ce.Known > size:
			o.Refused = true
			o.Err = fmt.Sprintf("the witness has cosigned size %d, larger than this case's %d entries: the log was truncated after it was witnessed", ce.Known, size)
		case errors.As(err, &ce):
			o.Refused = true
			o.Err = fmt.Sprintf("the witness cosigned size %d with another root: the log was rewritten after it was witnessed", ce.Known)
		case isStatus(err, http.StatusNotFound):
			o.Err = "the witness does not know this case yet: its operator adds it with 'casefile witness add-log --dir DIR CASE/checkpoint.vkey'"
		case isProofRefusal(err):
			o.Refused = true
			o.Err = "the witness refused the consistency proof: the log is not an extension of what it cosigned"
		case err != nil:
			o.Err = err.Error()
		default:
			o.Time = cs.Time
			res.Cosigned++
			ops = append(ops, evidence.Op{Key: cosigKey(v.KeyHash(), size), Value: []byte(cs.Line)})
		}
		res.Witnesses = append(res.Witnesses, o)
	}
	if p.TSA != "" {
		o := &Outcome{Who: p.TSA, URL: p.TSA, Size: size}
		if has, err := c.Derived().Has(timestampKey(size)); err == nil && !has {
			if raw, err := tsa.Request(ctx, hc, p.TSA, ck); err != nil {
				o.Err = err.Error()
			} else {
				ts, _ := tsa.Check(raw, ck)
				o.Time, o.Who = ts.Time.Unix(), tsa.Authority(ts)
				ops = append(ops, evidence.Op{Key: timestampKey(size), Value: raw})
			}
		} else if err != nil {
			return nil, err
		}
		res.Timestamp = o
	}
	if len(ops) > 0 {
		if err := c.WriteDerived(ops, true); err != nil {
			return nil, fmt.Errorf("store cosignatures: %w", err)
		}
	}
	return res, nil
}

func isProofRefusal(err error) bool { return isStatus(err, http.StatusUnprocessableEntity) }

func isStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == code
}

// cosign gets the witness's cosignature on checkpoint ck of size: from
// the store when it is there, else by add-checkpoint with a consistency
// proof from the last size it cosigned for the case (learning that size
// from a 409 answer once, when the store does not know it).
func cosign(ctx context.Context, c *evidence.Case, hc *http.Client, url string, v *Verifier, ck []byte, size uint64) (Cosignature, error) {
	if line, err := c.Derived().Get(cosigKey(v.KeyHash(), size)); err == nil {
		return openCosignature(ck, line, c.Verifier(), v)
	}
	old, err := lastCosigned(c, v.KeyHash())
	if err != nil {
		return Cosignature{}, err
	}
	for try := 0; ; try++ {
		sigs, err := submit(ctx, c, hc, url, old, ck, size)
		var ce *ConflictError
		if errors.As(err, &ce) && try == 0 && ce.Known != old && ce.Known <= size {
			old = ce.Known
			continue
		}
		if err != nil {
			return Cosignature{}, err
		}
		cs, err := openCosignature(ck, sigs, c.Verifier(), v)
		cs.Size = size
		return cs, err
	}
}

// submit sends ck with a consistency proof from old.
func submit(ctx context.Context, c *evidence.Case, hc *http.Client, url string, old uint64, ck []byte, size uint64) ([]byte, error) {
	var proof tlog.TreeProof
	if old > 0 && old < size {
		p, err := c.ConsistencyProof(old, size)
		if err != nil {
			return nil, err
		}
		proof = p
	}
	return AddCheckpoint(ctx, hc, url, old, proof, ck)
}
