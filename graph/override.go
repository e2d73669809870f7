package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph/attrib"
)

// KindOverride is the entry kind that records an examiner's own verdict on
// a source. It never replaces the model's: both are shown side by side.
const KindOverride = "assessment.overridden"

// MaxRationale bounds the rationale of an override, in bytes.
const MaxRationale = 4096

// OverridePayload is the payload of an assessment.overridden entry: the
// examiner's verdict, why, citing what, and the model's verdict it departs
// from at the time (so the entry reads on its own).
type OverridePayload struct {
	Indicator        string   `json:"indicator"`
	Role             string   `json:"role"`
	Rationale        string   `json:"rationale"`
	Cites            []string `json:"cites,omitempty"`
	ModelRole        string   `json:"model_role"`
	ModelProbability float64  `json:"model_probability,omitempty"`
	Model            string   `json:"model"`
	ModelDigest      string   `json:"model_digest"`
	Summary          string   `json:"summary"`
}

// ErrOverride is returned (wrapped) for an override that cannot be
// recorded as asked: an unknown role, no rationale, an unknown indicator.
var ErrOverride = errors.New("override")

// Override records the examiner's verdict on one source as an
// assessment.overridden custody entry (actor: the examiner). The model's
// current verdict on the source is assessed with m and recorded beside it.
// role must be one of attrib.Verdicts(); rationale must not be empty;
// cites are free references ("entry:12", "sha256:…#L4", a ticket number).
func Override(ctx context.Context, c *evidence.Case, m *attrib.Model, indicator, role, rationale string, cites []string, actor string) (*evidence.Entry, *OverridePayload, error) {
	if _, err := overrideRationale(role, rationale); err != nil {
		return nil, nil, err
	}
	res, err := Assess(ctx, c, m, []string{indicator})
	if err != nil {
		if errors.Is(err, attrib.ErrUnknownIndicator) {
			return nil, nil, fmt.Errorf("%w: %s is not a source in this case", ErrOverride, indicator)
		}
		return nil, nil, err
	}
	return OverrideOf(ctx, c, res.Model, res.ModelDigest, &res.Sources[0], role, rationale, cites, actor)
}

// OverrideOf is Override with the model's verdict on the source s already
// assessed, by the model named model with that digest, from the case as it
// stands: the workbench holds that assessment, and assessing the source
// again reads every event (minutes for 10^8).
func OverrideOf(ctx context.Context, c *evidence.Case, model, digest string, s *attrib.Source, role, rationale string, cites []string, actor string) (*evidence.Entry, *OverridePayload, error) {
	rationale, err := overrideRationale(role, rationale)
	if err != nil {
		return nil, nil, err
	}
	var clean []string
	for _, c := range cites {
		if c = strings.TrimSpace(c); c != "" {
			clean = append(clean, c)
		}
	}
	p := &OverridePayload{Indicator: s.Indicator, Role: role, Rationale: rationale, Cites: clean,
		ModelRole: s.Role, ModelProbability: s.Probability, Model: model, ModelDigest: digest}
	p.Summary = fmt.Sprintf("examiner's verdict on %s: %s (the model says %s)", s.Indicator, role, s.Role)
	es, err := c.Append(ctx, evidence.Draft{Kind: KindOverride, Actor: actor, Payload: p})
	if err != nil {
		return nil, nil, err
	}
	return es[0], p, nil
}

// overrideRationale checks the role and the rationale of an override and
// returns the rationale trimmed.
func overrideRationale(role, rationale string) (string, error) {
	rationale = strings.TrimSpace(rationale)
	switch {
	case !slices.Contains(attrib.Verdicts(), role):
		return "", fmt.Errorf("%w: unknown role %q (one of %s)", ErrOverride, role, strings.Join(attrib.Verdicts(), ", "))
	case rationale == "":
		return "", fmt.Errorf("%w: a rationale is required (why the examiner judges otherwise)", ErrOverride)
	case len(rationale) > MaxRationale:
		return "", fmt.Errorf("%w: rationale longer than %d bytes", ErrOverride, MaxRationale)
	}
	return rationale, nil
}

// readOverride turns an assessment.overridden entry into the examiner's
// verdict shown beside the model's.
func readOverride(e *evidence.Entry) (string, *attrib.Examiner, error) {
	var p OverridePayload
	if err := e.DecodePayload(&p); err != nil {
		return "", nil, err
	}
	return p.Indicator, &attrib.Examiner{Role: p.Role, Rationale: p.Rationale, Cites: p.Cites, Actor: e.Actor,
		Time: e.Time.UTC(), Entry: int64(e.Index), ModelRole: p.ModelRole}, nil
}

// attachOverride sets the source's latest examiner verdict, if any.
func attachOverride(s *attrib.Source, ov map[string]*attrib.Examiner) {
	if x, ok := ov[s.Indicator]; ok {
		s.Examiner = x
	}
}
