package witness

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/casefile/casefile/evidence"
)

// KindConfigured is the custody entry that records a case's witnessing
// policy; the latest one is in force.
const KindConfigured = "witnessing.configured"

// Witness is one configured witness: where to submit, and its key.
type Witness struct {
	URL  string `json:"url"`
	VKey string `json:"vkey"`
}

// Policy says who witnesses a case: the witnesses, how many of them must
// cosign a checkpoint (Quorum, k of n), and the RFC 3161 authority.
type Policy struct {
	Witnesses []Witness `json:"witnesses"`
	Quorum    int       `json:"quorum"`
	TSA       string    `json:"tsa,omitempty"`
	Summary   string    `json:"summary"`
}

// ParseWitness reads URL+VKEY (the URL must not contain '+').
func ParseWitness(s string) (Witness, error) {
	u, vkey, ok := strings.Cut(s, "+")
	if !ok {
		return Witness{}, fmt.Errorf("witness %q: want URL+VKEY", s)
	}
	if err := checkURL(u); err != nil {
		return Witness{}, fmt.Errorf("witness %q: %w", s, err)
	}
	if _, err := NewVerifier(vkey); err != nil {
		return Witness{}, err
	}
	return Witness{URL: u, VKey: vkey}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// Check validates p and fills in its summary.
func (p *Policy) Check() error {
	seen := map[string]bool{}
	for _, w := range p.Witnesses {
		v, err := NewVerifier(w.VKey)
		if err != nil {
			return err
		}
		if err := checkURL(w.URL); err != nil {
			return err
		}
		if seen[v.Name()] {
			return fmt.Errorf("witness %s is given twice", v.Name())
		}
		seen[v.Name()] = true
	}
	if p.Quorum < 0 || p.Quorum > len(p.Witnesses) {
		return fmt.Errorf("a quorum of %d with %d witness(es)", p.Quorum, len(p.Witnesses))
	}
	if len(p.Witnesses) > 0 && p.Quorum == 0 {
		p.Quorum = len(p.Witnesses)
	}
	if p.TSA != "" {
		if err := checkURL(p.TSA); err != nil {
			return fmt.Errorf("timestamp authority: %w", err)
		}
	}
	p.Summary = p.describe()
	return nil
}

func (p Policy) describe() string {
	var parts []string
	if len(p.Witnesses) == 0 {
		parts = append(parts, "no witnesses")
	} else {
		var names []string
		for _, w := range p.Witnesses {
			v, _ := NewVerifier(w.VKey)
			names = append(names, v.Name()+" at "+w.URL)
		}
		parts = append(parts, fmt.Sprintf("checkpoints cosigned by %d of %d witness(es): %s", p.Quorum, len(p.Witnesses), strings.Join(names, ", ")))
	}
	if p.TSA != "" {
		parts = append(parts, "timestamped by "+p.TSA)
	} else {
		parts = append(parts, "no timestamp authority")
	}
	return strings.Join(parts, "; ")
}

// verifiers returns the witnesses' cosignature verifiers.
func (p Policy) verifiers() ([]*Verifier, error) {
	var out []*Verifier
	for _, w := range p.Witnesses {
		v, err := NewVerifier(w.VKey)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

var policyKey = []byte("wg/policy")

// Record writes a custody entry with policy p and keeps it, with the
// entry's index, beside the log, in one atomic commit.
func Record(ctx context.Context, c *evidence.Case, actor string, p Policy) (*evidence.Entry, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	op := evidence.Op{Key: policyKey, Value: append(raw, make([]byte, 8)...), StampIndex: true}
	es, err := c.AppendAtomic(ctx, []evidence.Op{op}, evidence.Draft{Kind: KindConfigured, Actor: actor, Payload: p})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// Load returns the policy in force and the index of the entry recording
// it; a case that never configured witnessing has the zero Policy.
func Load(c *evidence.Case) (Policy, uint64, bool, error) {
	var p Policy
	v, err := c.Derived().Get(policyKey)
	if errors.Is(err, evidence.ErrNotFound) {
		return p, 0, false, nil
	}
	if err != nil {
		return p, 0, false, err
	}
	if len(v) < 8 {
		return p, 0, false, errors.New("witnessing policy: damaged record")
	}
	idx := binary.BigEndian.Uint64(v[len(v)-8:])
	if err := json.Unmarshal(v[:len(v)-8], &p); err != nil {
		return p, 0, false, fmt.Errorf("witnessing policy: %w", err)
	}
	return p, idx, true, nil
}

// policyOf decodes the policy recorded by entry e.
func policyOf(e *evidence.Entry) (Policy, error) {
	var p Policy
	if e.Kind != KindConfigured {
		return p, fmt.Errorf("entry %d is %s, not %s", e.Index, e.Kind, KindConfigured)
	}
	return p, e.DecodePayload(&p)
}

func samePolicy(a, b Policy) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
