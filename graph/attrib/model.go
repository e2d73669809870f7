package attrib

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

//go:embed default-model.json
var defaultModelJSON []byte

// MaxModelSize bounds a model file read by LoadModel.
const MaxModelSize = 1 << 20

// Model holds every number the assessment uses. DefaultModel returns the
// values of ATTRIBUTION.md, read from the embedded default-model.json, which
// is the single source of truth for them.
type Model struct {
	// Version is reported with every assessment ("casefile-attrib/4").
	Version string `json:"version"`
	// Priors gives P(h) for all five roles; they must sum to 1.
	Priors map[string]float64 `json:"priors"`
	// ClipRatio bounds one family's likelihood ratio to [1/ClipRatio, ClipRatio].
	ClipRatio float64 `json:"clip_ratio"`
	// Clamp bounds each posterior probability.
	Clamp Clamp `json:"clamp"`
	// SpoofDiscount multiplies ρ when a source address can be forged.
	SpoofDiscount float64 `json:"spoof_discount"`
	// Reliability maps Admiralty source ratings A–F to a weight.
	Reliability map[string]float64 `json:"reliability"`
	// Credibility maps Admiralty information ratings "1"–"6" to a weight.
	Credibility map[string]float64 `json:"credibility"`
	// EventReliability is the Admiralty rating given to the case's own logs.
	EventReliability string `json:"event_reliability"`
	// HalfLifeDays is the staleness half-life for each kind of data.
	HalfLifeDays map[string]float64 `json:"half_life_days"`
	// Thresholds used by the factors.
	Thresholds Thresholds `json:"thresholds"`
	// Factors maps a factor id to its likelihood ratios and discounting.
	Factors map[string]FactorSpec `json:"factors"`
}

// Clamp bounds posterior probabilities.
type Clamp struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Thresholds are the cut-offs factors use. In a model file, a zero or
// missing threshold keeps the default.
type Thresholds struct {
	TorWindowHours        float64 `json:"tor_window_hours"`
	PoolMinASNs           int     `json:"pool_min_asns"`
	PoolWindowMinutes     float64 `json:"pool_window_minutes"`
	TravelKmh             float64 `json:"travel_kmh"`
	FreshDomainDays       float64 `json:"fresh_domain_days"`
	EstablishedDomainDays float64 `json:"established_domain_days"`
	LongSessionSeconds    float64 `json:"long_session_seconds"`
	ScanTargets           int     `json:"scan_targets"`
	FewUsers              int     `json:"few_users"`
	ConfidenceRho         float64 `json:"confidence_rho"`
	ContraryNats          float64 `json:"contrary_nats"`
	CollateralThreshold   float64 `json:"collateral_threshold"`
}

// FactorSpec is one row of the factor table.
type FactorSpec struct {
	N           int                `json:"n"`           // row number in ATTRIBUTION.md
	Family      string             `json:"family"`      // correlated factors share a family
	Kind        string             `json:"kind"`        // half-life kind; "" = no staleness decay
	Credibility int                `json:"credibility"` // default Admiralty credibility 1–6
	Lambda      map[string]float64 `json:"lambda"`      // λ for the four roles other than undetermined
}

// DefaultModel returns a fresh copy of the embedded default model.
func DefaultModel() *Model {
	m, err := decodeModel(defaultModelJSON)
	if err != nil {
		panic("attrib: embedded default model is invalid: " + err.Error())
	}
	if err := m.validate(); err != nil {
		panic("attrib: embedded default model is invalid: " + err.Error())
	}
	return m
}

func decodeModel(b []byte) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the model object")
	}
	return &m, nil
}

// LoadModel reads a model file and lays it over the defaults.
//
// The file must be one JSON object, at most MaxModelSize bytes, with no
// unknown fields, and must state "version". Every other top-level field is
// optional and replaces the default when present, with these rules: priors,
// reliability and credibility, when given, must be complete (all five roles,
// A–F, 1–6); a factor, when given, replaces that whole row and must give λ
// for all four roles (undetermined is 1 by definition and may not be given);
// factor ids and half-life kinds must be known; thresholds and half-lives
// are merged key by key. The digest is always of the effective model, so a
// partial file and the equivalent complete file have the same digest.
func LoadModel(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxModelSize+1))
	if err != nil {
		return nil, fmt.Errorf("attrib: read model: %w", err)
	}
	if len(b) > MaxModelSize {
		return nil, fmt.Errorf("attrib: model file larger than %d bytes", MaxModelSize)
	}
	f, err := decodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("attrib: parse model: %w", err)
	}
	if f.Version == "" {
		return nil, fmt.Errorf("attrib: model file does not state its version")
	}
	m := DefaultModel()
	m.Version = f.Version
	if f.Priors != nil {
		if err := complete("priors", f.Priors, roleNames[:]); err != nil {
			return nil, err
		}
		m.Priors = f.Priors
	}
	if f.ClipRatio != 0 {
		m.ClipRatio = f.ClipRatio
	}
	if f.Clamp != (Clamp{}) {
		m.Clamp = f.Clamp
	}
	if f.SpoofDiscount != 0 {
		m.SpoofDiscount = f.SpoofDiscount
	}
	if f.Reliability != nil {
		if err := complete("reliability", f.Reliability, []string{"A", "B", "C", "D", "E", "F"}); err != nil {
			return nil, err
		}
		m.Reliability = f.Reliability
	}
	if f.Credibility != nil {
		if err := complete("credibility", f.Credibility, []string{"1", "2", "3", "4", "5", "6"}); err != nil {
			return nil, err
		}
		m.Credibility = f.Credibility
	}
	if f.EventReliability != "" {
		m.EventReliability = f.EventReliability
	}
	for k, v := range f.HalfLifeDays {
		if _, ok := m.HalfLifeDays[k]; !ok {
			return nil, fmt.Errorf("attrib: model: unknown half-life kind %q", k)
		}
		m.HalfLifeDays[k] = v
	}
	mergeThresholds(&m.Thresholds, f.Thresholds)
	for id, spec := range f.Factors {
		if _, ok := m.Factors[id]; !ok {
			return nil, fmt.Errorf("attrib: model: unknown factor %q", id)
		}
		m.Factors[id] = spec
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func mergeThresholds(d *Thresholds, s Thresholds) {
	setF := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	setI := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	setF(&d.TorWindowHours, s.TorWindowHours)
	setI(&d.PoolMinASNs, s.PoolMinASNs)
	setF(&d.PoolWindowMinutes, s.PoolWindowMinutes)
	setF(&d.TravelKmh, s.TravelKmh)
	setF(&d.FreshDomainDays, s.FreshDomainDays)
	setF(&d.EstablishedDomainDays, s.EstablishedDomainDays)
	setF(&d.LongSessionSeconds, s.LongSessionSeconds)
	setI(&d.ScanTargets, s.ScanTargets)
	setI(&d.FewUsers, s.FewUsers)
	setF(&d.ConfidenceRho, s.ConfidenceRho)
	setF(&d.ContraryNats, s.ContraryNats)
	setF(&d.CollateralThreshold, s.CollateralThreshold)
}

func complete(what string, m map[string]float64, keys []string) error {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("attrib: model: %s: missing %q", what, k)
		}
	}
	if len(m) != len(keys) {
		for k := range m {
			if !contains(keys, k) {
				return fmt.Errorf("attrib: model: %s: unknown key %q", what, k)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validate checks that the model is complete and every number is in range.
func (m *Model) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("attrib: model: "+format, a...)
	}
	if m.Version == "" {
		return bad("empty version")
	}
	if err := complete("priors", m.Priors, roleNames[:]); err != nil {
		return err
	}
	sum := 0.0
	for r, p := range m.Priors {
		if !finite(p) || p <= 0 || p >= 1 {
			return bad("prior of %s is %v, want 0 < p < 1", r, p)
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-6 {
		return bad("priors sum to %v, want 1", sum)
	}
	if !finite(m.ClipRatio) || m.ClipRatio <= 1 {
		return bad("clip_ratio %v, want > 1", m.ClipRatio)
	}
	if !(m.Clamp.Min >= 0 && m.Clamp.Min*float64(nRoles) < 1 && m.Clamp.Max > m.Clamp.Min && m.Clamp.Max <= 1) {
		return bad("clamp [%v, %v] is not a usable range for %d roles", m.Clamp.Min, m.Clamp.Max, nRoles)
	}
	if !finite(m.SpoofDiscount) || m.SpoofDiscount <= 0 || m.SpoofDiscount > 1 {
		return bad("spoof_discount %v, want 0 < s ≤ 1", m.SpoofDiscount)
	}
	if err := complete("reliability", m.Reliability, []string{"A", "B", "C", "D", "E", "F"}); err != nil {
		return err
	}
	if err := complete("credibility", m.Credibility, []string{"1", "2", "3", "4", "5", "6"}); err != nil {
		return err
	}
	for _, mp := range []map[string]float64{m.Reliability, m.Credibility} {
		for k, v := range mp {
			if !finite(v) || v < 0 || v > 1 {
				return bad("weight of %q is %v, want 0 ≤ w ≤ 1", k, v)
			}
		}
	}
	if _, ok := m.Reliability[m.EventReliability]; !ok {
		return bad("event_reliability %q is not A–F", m.EventReliability)
	}
	for k, v := range m.HalfLifeDays {
		if !finite(v) || v <= 0 {
			return bad("half-life of %q is %v days, want > 0", k, v)
		}
	}
	t := m.Thresholds
	if t.TorWindowHours <= 0 || t.PoolMinASNs < 2 || t.PoolWindowMinutes <= 0 || t.TravelKmh <= 0 ||
		t.FreshDomainDays <= 0 || t.EstablishedDomainDays <= 0 || t.LongSessionSeconds <= 0 ||
		t.ScanTargets < 2 || t.FewUsers < 1 || t.ConfidenceRho < 0 || t.ContraryNats <= 0 ||
		t.CollateralThreshold < 0 || t.CollateralThreshold > 1 {
		return bad("a threshold is missing or out of range: %+v", t)
	}
	for _, id := range factorOrder {
		spec, ok := m.Factors[id]
		if !ok {
			return bad("factor %q missing", id)
		}
		if spec.Family == "" {
			return bad("factor %q has no family", id)
		}
		if spec.Kind != "" {
			if _, ok := m.HalfLifeDays[spec.Kind]; !ok {
				return bad("factor %q: unknown half-life kind %q", id, spec.Kind)
			}
		}
		if spec.Credibility < 1 || spec.Credibility > 6 {
			return bad("factor %q: credibility %d, want 1–6", id, spec.Credibility)
		}
		if err := complete("factor "+id+" lambda", spec.Lambda, roleNames[:nDiag]); err != nil {
			return err
		}
		for r, l := range spec.Lambda {
			if !finite(l) || l <= 0 {
				return bad("factor %q: λ for %s is %v, want > 0", id, r, l)
			}
		}
	}
	if len(m.Factors) != len(factorOrder) {
		for id := range m.Factors {
			if !contains(factorOrder[:], id) {
				return bad("unknown factor %q", id)
			}
		}
	}
	return nil
}

// Digest returns "sha256:<hex>" of the model's canonical JSON (encoding/json
// output: struct fields in declaration order, map keys sorted, no spaces).
func (m *Model) Digest() string {
	b, err := json.Marshal(m)
	if err != nil {
		return "sha256:invalid"
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// resolved is a Model turned into arrays for the hot path.
type resolved struct {
	m          *Model
	lnPrior    [nRoles]float64 // ln prior(h) − ln prior(undetermined)
	lnClip     float64
	spec       [nFactors]resolvedFactor
	eventRel   float64
	familyIdx  map[string]int
	nFamilies  int
	poolWindow int64 // nanoseconds
	torWindow  int64
}

type resolvedFactor struct {
	id       string
	family   int
	halfLife float64 // hours; 0 = no decay
	cred     float64
	credName string
	lambda   [nDiag]float64
}

func (m *Model) resolve() (*resolved, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	r := &resolved{m: m, lnClip: math.Log(m.ClipRatio), familyIdx: map[string]int{}}
	for i, name := range roleNames {
		r.lnPrior[i] = math.Log(m.Priors[name]) - math.Log(m.Priors[Undetermined])
	}
	r.eventRel = m.Reliability[m.EventReliability]
	for i, id := range factorOrder {
		s := m.Factors[id]
		fi, ok := r.familyIdx[s.Family]
		if !ok {
			fi = len(r.familyIdx)
			r.familyIdx[s.Family] = fi
		}
		rf := resolvedFactor{id: id, family: fi, credName: strconv.Itoa(s.Credibility)}
		rf.cred = m.Credibility[rf.credName]
		if s.Kind != "" {
			rf.halfLife = m.HalfLifeDays[s.Kind] * 24
		}
		for j := 0; j < nDiag; j++ {
			rf.lambda[j] = s.Lambda[roleNames[j]]
		}
		r.spec[i] = rf
	}
	r.nFamilies = len(r.familyIdx)
	r.poolWindow = int64(m.Thresholds.PoolWindowMinutes * 60e9)
	r.torWindow = int64(m.Thresholds.TorWindowHours * 3600e9)
	return r, nil
}
