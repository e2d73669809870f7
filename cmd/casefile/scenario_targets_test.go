package main

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/scenario"
)

// targetRun is one generated incident put through the pipeline of
// 'casefile evaluate' (assessIncident: store, parse, enrich, assess).
type targetRun struct {
	name  string
	seed  int64
	truth map[string]string
	ev    *evaluation
	res   *attrib.Result
}

func runScenario(t *testing.T, name string, seed int64, m *attrib.Model) targetRun {
	t.Helper()
	dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d", name, seed))
	truth, err := scenario.Generate(name, seed, dir)
	if err != nil {
		t.Fatal(err)
	}
	ev, res, err := assessIncident(context.Background(), dir, m)
	if err != nil {
		t.Fatalf("%s/%d: %v", name, seed, err)
	}
	return targetRun{name, seed, truth.Sources, ev, res}
}

// targetReport is the model's record on a set of seeds of every scenario.
type targetReport struct {
	pooled      scenario.Metrics
	perScenario map[string]scenario.Metrics
	// slipMissed lists false-flag runs whose operator address was not
	// stated perpetrator infrastructure, or where the country factor moved
	// it; cdnPerp lists CDN-scenario addresses stated perpetrator.
	slipMissed, cdnPerp []string
	// benignExternal lists sources whose truth is undetermined (benign
	// visitors, employees, scanners) stated as one of the four external
	// roles; internalExternal lists internal addresses stated anything but
	// internal; contradicted lists stated roles that are not the most
	// probable; uncited lists factors that cite nothing; misses lists the
	// other wrong verdicts, to read.
	benignExternal, internalExternal, contradicted, uncited, misses []string
}

func evaluateTargets(t *testing.T, seeds []int64, m *attrib.Model) targetReport {
	t.Helper()
	rep := targetReport{perScenario: map[string]scenario.Metrics{}}
	var all []scenario.Metrics
	for _, name := range scenario.Names() {
		var ms []scenario.Metrics
		for _, seed := range seeds {
			r := runScenario(t, name, seed, m)
			ms = append(ms, r.ev.Metrics)
			rep.check(r)
		}
		rep.perScenario[name] = scenario.Merge(ms...)
		all = append(all, ms...)
	}
	rep.pooled = scenario.Merge(all...)
	return rep
}

func (rep *targetReport) check(r targetRun) {
	at := fmt.Sprintf("%s/%d:", r.name, r.seed)
	for _, s := range r.res.Sources {
		want, ok := r.truth[s.Indicator]
		if !ok {
			continue
		}
		for _, f := range s.Factors {
			if len(f.Evidence) == 0 {
				rep.uncited = append(rep.uncited, at+s.Indicator+":"+f.ID)
			}
		}
		switch {
		case want == scenario.Internal && s.Role != attrib.Internal:
			rep.internalExternal = append(rep.internalExternal, at+s.Indicator+"="+s.Role)
		case want == scenario.Undetermined && attrib.IsRole(s.Role) && s.Role != attrib.Undetermined:
			rep.benignExternal = append(rep.benignExternal, fmt.Sprintf("%s%s=%s because %q", at, s.Indicator, s.Role, s.Because))
		case want != s.Role:
			rep.misses = append(rep.misses, fmt.Sprintf("%s%s %s→%s because %q", at, s.Indicator, want, s.Role, s.Because))
		}
		if attrib.IsRole(s.Role) {
			for _, role := range attrib.Roles() {
				if s.Hypotheses.Get(role) > s.Probability+1e-9 {
					rep.contradicted = append(rep.contradicted, at+s.Indicator+"="+s.Role+"<"+role)
					break
				}
			}
		}
		switch {
		case r.name == "false-flag" && want == scenario.Perpetrator:
			ok := s.Role == attrib.Perpetrator
			for _, f := range s.Factors {
				if f.ID == "country" && f.Nats != (attrib.RoleValues{}) {
					ok = false
				}
			}
			if !ok {
				rep.slipMissed = append(rep.slipMissed, at+s.Indicator+"="+s.Role)
			}
		case r.name == "cdn-fronted" && s.Role == attrib.Perpetrator:
			rep.cdnPerp = append(rep.cdnPerp, at+s.Indicator)
		}
	}
}

func (rep *targetReport) log(t *testing.T) {
	for _, name := range scenario.Names() {
		m := rep.perScenario[name]
		t.Logf("%-18s n=%5d macro-F1 %.3f Brier %.3f log-loss %.3f", name, m.N, m.MacroF1, m.Brier, m.LogLoss)
	}
	m := rep.pooled
	t.Logf("%-18s n=%5d macro-F1 %.3f Brier %.3f log-loss %.3f", "pooled", m.N, m.MacroF1, m.Brier, m.LogLoss)
	for _, role := range attrib.Roles() {
		if p, ok := m.PerRole[role]; ok {
			t.Logf("  %-26s P=%.3f R=%.3f F1=%.3f support=%d", role, p.Precision, p.Recall, p.F1, p.Support)
		}
	}
	for _, s := range rep.misses {
		t.Logf("  miss %s", s)
	}
}

// TestScenarioTargets holds the built-in model to the targets of issue 12,
// through the pipeline 'casefile evaluate' and 'casefile calibrate' run, on
// seeds that were not used to calibrate it (fitted on seeds 1–10): pooled
// macro-F1 ≥ 0.95 and multi-class Brier ≤ 0.06; no scenario on its own
// above Brier 0.20 (the small scenarios must not hide behind the large
// residential pool); no benign visitor, employee or scanner stated as one
// of the four external roles; no internal address stated anything but
// internal; every stated role the most probable one; every factor citing
// evidence; in every false-flag run the operator's direct address is
// stated perpetrator infrastructure and the country factor moves nothing;
// in every CDN run no address is stated perpetrator infrastructure.
func TestScenarioTargets(t *testing.T) {
	seeds := []int64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	if testing.Short() {
		seeds = seeds[:3]
	}
	m := attrib.DefaultModel()
	for _, role := range attrib.Roles()[:4] {
		if l := m.Factors["country"].Lambda[role]; l != 1 {
			t.Errorf("country factor for %s is λ = %g, not 1", role, l)
		}
	}
	rep := evaluateTargets(t, seeds, m)
	rep.log(t)
	if rep.pooled.MacroF1 < 0.95 {
		t.Errorf("macro-F1 %.3f < 0.95", rep.pooled.MacroF1)
	}
	if rep.pooled.Brier > 0.06 {
		t.Errorf("Brier %.3f > 0.06", rep.pooled.Brier)
	}
	for _, name := range scenario.Names() {
		if m := rep.perScenario[name]; m.N == 0 || m.Brier > 0.20 {
			t.Errorf("%s: Brier %.3f over %d sources (want ≤ 0.20)", name, m.Brier, m.N)
		}
	}
	for what, list := range map[string][]string{
		"benign sources given an external role":     rep.benignExternal,
		"internal addresses given an external role": rep.internalExternal,
		"stated role not the most probable":         rep.contradicted,
		"factors citing nothing":                    rep.uncited,
		"false-flag slip not found":                 rep.slipMissed,
		"CDN addresses called perpetrator":          rep.cdnPerp,
	} {
		if len(list) > 0 {
			t.Errorf("%s: %s", what, strings.Join(list[:min(len(list), 20)], "; "))
		}
	}
}

func factorOf(s *attrib.Source, id string) *attrib.Factor {
	for i := range s.Factors {
		if s.Factors[i].ID == id {
			return &s.Factors[i]
		}
	}
	return nil
}

// TestWebShellOperator: in cloud-c2 the operator drives a web shell from a
// rented server; the pipeline finds the hands-on behaviour (Sigma) and
// states the server as the operator's own infrastructure.
func TestWebShellOperator(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		r := runScenario(t, "cloud-c2", seed, attrib.DefaultModel())
		found := 0
		for i := range r.res.Sources {
			s := &r.res.Sources[i]
			f := factorOf(s, "hands-on")
			if f == nil {
				continue
			}
			found++
			if r.truth[s.Indicator] != scenario.Perpetrator || s.Role != attrib.Perpetrator || f.EvidenceN < 3 {
				t.Errorf("seed %d: %s (truth %s) stated %s, hands-on on %d events", seed, s.Indicator, r.truth[s.Indicator], s.Role, f.EvidenceN)
			}
		}
		if found != 1 {
			t.Errorf("seed %d: %d sources with a hands-on factor, want the operator's server", seed, found)
		}
	}
}

// TestBotnetAndPivotBehaviour: in botnet-bruteforce the bots' guessing is
// found by the rules and the bot that got in is the one source with a
// success after failures; in internal-pivot the internal addresses are
// internal, the pivot's sweep is listed as its behaviour (without nats),
// and the entry point gets its true role.
func TestBotnetAndPivotBehaviour(t *testing.T) {
	winners, guessed, bots := 0, 0, 0
	for seed := int64(1); seed <= 4; seed++ {
		r := runScenario(t, "botnet-bruteforce", seed, attrib.DefaultModel())
		for i := range r.res.Sources {
			s := &r.res.Sources[i]
			if r.truth[s.Indicator] != scenario.Compromised {
				if factorOf(s, "success-after-failures") != nil {
					t.Errorf("seed %d: %s (truth %s) has a success after failures", seed, s.Indicator, r.truth[s.Indicator])
				}
				continue
			}
			bots++
			if factorOf(s, "password-guessing") != nil {
				guessed++
			}
			if factorOf(s, "success-after-failures") != nil {
				winners++
			}
		}
	}
	if winners == 0 || guessed < bots/2 {
		t.Errorf("%d bots: %d with password guessing found, %d with a success after failures", bots, guessed, winners)
	}
	swept := 0
	for seed := int64(1); seed <= 4; seed++ {
		r := runScenario(t, "internal-pivot", seed, attrib.DefaultModel())
		for i := range r.res.Sources {
			s := &r.res.Sources[i]
			want, ok := r.truth[s.Indicator]
			if !ok {
				continue
			}
			if s.Role != want {
				t.Errorf("seed %d: %s (truth %s) stated %s because %q", seed, s.Indicator, want, s.Role, s.Because)
			}
			if f := factorOf(s, "scanning"); f != nil && want == scenario.Internal {
				swept++
				if f.Nats != (attrib.RoleValues{}) {
					t.Errorf("seed %d: the internal %s's scanning carries nats %v", seed, s.Indicator, f.Nats)
				}
			}
		}
		if !slices.Contains(slices.Collect(maps.Values(r.truth)), scenario.Internal) {
			t.Errorf("seed %d: no internal source in the truth", seed)
		}
	}
	if swept < 4 {
		t.Errorf("the internal sweep was found in %d of 4 runs", swept)
	}
}
