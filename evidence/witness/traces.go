package witness

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa"
)

// Traces are what the case holds about one checkpoint from outside: the
// configured witnesses' cosignatures on it and its RFC 3161 timestamp.
type Traces struct {
	Policy       Policy
	Cosignatures []Cosignature // verified, in the policy's order
	Timestamp    []byte        // DER TimeStampResp, nil when none
}

// Cosigned is the checkpoint with the cosignature lines appended: a C2SP
// cosigned checkpoint that x/mod's note.Open reads.
func (t *Traces) Cosigned(ck []byte) []byte {
	out := append([]byte(nil), ck...)
	for _, cs := range t.Cosignatures {
		out = append(out, cs.Line...)
	}
	return out
}

// TracesAt returns the stored, verified traces of the checkpoint of size.
func TracesAt(c *evidence.Case, size uint64) (*Traces, error) {
	p, _, _, err := Load(c)
	if err != nil {
		return nil, err
	}
	t := &Traces{Policy: p}
	ck, _, err := c.CheckpointAt(size)
	if err != nil {
		return nil, err
	}
	vs, err := p.verifiers()
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		line, err := c.Derived().Get(cosigKey(v.KeyHash(), size))
		if errors.Is(err, evidence.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cs, err := openCosignature(ck, line, c.Verifier(), v)
		if err != nil {
			return nil, fmt.Errorf("stored cosignature of %s at size %d: %w", v.Name(), size, err)
		}
		cs.Size = size
		t.Cosignatures = append(t.Cosignatures, cs)
	}
	raw, err := c.Derived().Get(timestampKey(size))
	switch {
	case err == nil:
		if _, err := tsa.Check(raw, ck); err != nil {
			return nil, fmt.Errorf("stored timestamp of size %d: %w", size, err)
		}
		t.Timestamp = raw
	case !errors.Is(err, evidence.ErrNotFound):
		return nil, err
	}
	return t, nil
}

// Witnessed is one verified cosignature or timestamp, for reports.
type Witnessed struct {
	By   string    `json:"by"`
	Size uint64    `json:"size"`
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`          // "cosignature" or "timestamp"
	Key  string    `json:"key,omitempty"` // the cosigner's vkey
}

// CheckCosigned verifies a cosigned checkpoint (a checkpoint note with
// cosignature lines) against the case key and the policy's witnesses: the
// note text must be ck's, and every line by a configured witness must
// verify. It returns who cosigned, and the policy's quorum.
func CheckCosigned(cosigned, ck []byte, caseKey note.Verifier, p Policy) ([]Witnessed, error) {
	vs, err := p.verifiers()
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(string(cosigned), string(ck)) {
		return nil, errors.New("the cosigned checkpoint is not the package's checkpoint")
	}
	list := []note.Verifier{caseKey}
	for _, v := range vs {
		list = append(list, v)
	}
	n, err := note.Open(cosigned, note.VerifierList(list...))
	if err != nil {
		return nil, fmt.Errorf("cosignatures: %w", err)
	}
	ckp, err := evidence.ParseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	var out []Witnessed
	for _, s := range n.Sigs {
		for _, v := range vs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				cs, err := openCosignature(ck, []byte("— "+s.Name+" "+s.Base64+"\n"), caseKey, v)
				if err != nil {
					return nil, err
				}
				out = append(out, Witnessed{By: v.Name(), Size: ckp.Size, Time: time.Unix(cs.Time, 0).UTC(), Kind: "cosignature", Key: v.String()})
			}
		}
	}
	return out, nil
}
