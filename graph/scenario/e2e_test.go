package scenario

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/offline"
	"github.com/casefile/casefile/enrich/whois"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/attrib"
)

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// sourcesOf names the remote parties of an event as graph/attrib's default
// rule does: the source of inbound events; the destination and the names
// contacted for outbound ones.
func sourcesOf(e *parse.Event) []string {
	var out []string
	if e.SrcService != "" {
		out = append(out, e.SrcService)
	}
	outbound := e.Kind == parse.KindDNS || (isSpecial(e.Src) && e.Dst != "" && !isSpecial(e.Dst))
	if !outbound {
		if e.Src != "" {
			out = append(out, e.Src)
		}
		return out
	}
	if e.Dst != "" && !isSpecial(e.Dst) {
		out = append(out, e.Dst)
	}
	for _, k := range []string{"host", "hostname", "sni", "server_name", "query", "rrname"} {
		if v := e.Fields[k]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// whoisServer answers port-43 queries from dir/whois/<query>.txt.
func whoisServer(t *testing.T, dir string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				q := strings.TrimSpace(line)
				q = strings.TrimPrefix(q, "n + ")
				q = filepath.Base(strings.ToLower(q))
				b, err := os.ReadFile(filepath.Join(dir, "whois", q+".txt"))
				if err != nil {
					b = []byte("% This is the RIPE Database query service.\n\n%ERROR:101: no entries found\n")
				}
				c.Write(b)
			}(c)
		}
	}()
	return ln.Addr().String()
}

// enrichCase builds attrib.Input from a parsed incident and its datasets,
// every dataset file opened by enrich/offline from its content alone.
func enrichCase(t *testing.T, p *parsed) attrib.Input {
	t.Helper()
	first := map[string]time.Time{}
	var order []string
	for i := range p.events {
		e := &p.events[i]
		for _, s := range sourcesOf(e) {
			if ft, ok := first[s]; !ok || e.Time.Before(ft) {
				if !ok {
					order = append(order, s)
				}
				first[s] = e.Time
			}
		}
	}
	in := attrib.Input{Events: p.events, Observations: map[string][]enrich.Observation{}, VantageProxy: map[string]bool{}}
	for _, l := range p.truth.VantageProxy {
		in.VantageProxy[p.digest[l]] = true
	}
	addObs := func(os []enrich.Observation) {
		for _, o := range os {
			in.Observations[o.Indicator] = append(in.Observations[o.Indicator], o)
		}
	}
	var sets []enrich.Dataset
	root := filepath.Join(p.dir, "datasets")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		dg := digestOf(data)
		ds, err := offline.Open(data, dg, rel, offline.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		sets = append(sets, ds)
		in.Datasets = append(in.Datasets, attrib.Dataset{Source: ds.Name(), SourceType: ds.Type(), Digest: dg, Date: ds.Date()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range order {
		a, err := netip.ParseAddr(ind)
		for _, ds := range sets {
			if err == nil {
				addObs(ds.Lookup(a, first[ind]))
			} else if vd, ok := ds.(enrich.ValueDataset); ok && strings.Contains(ind, ".") {
				addObs(vd.LookupValue(ind, "domain"))
			}
		}
	}
	// WHOIS from a loopback server holding the preserved answers.
	entries, _ := os.ReadDir(filepath.Join(p.dir, "whois"))
	if len(entries) > 0 {
		c, err := whois.New(whois.Options{Server: whoisServer(t, p.dir), RateLimit: -1, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ind := strings.TrimSuffix(e.Name(), ".txt")
			resp, err := c.Lookup(context.Background(), ind)
			if err != nil && (resp == nil || !errors.Is(err, whois.ErrNotFound)) {
				t.Fatalf("whois %s: %v", ind, err)
			}
			resp.Retrieved = p.truth.Collected
			addObs(resp.Observations(digestOf(resp.Raw)))
		}
	}
	return in
}

// assessScore runs the model on one generated incident.
func assessScore(t *testing.T, name string, seed int64) (Metrics, *attrib.Result, *parsed) {
	p := generate(t, name, seed)
	in := enrichCase(t, p)
	res, err := attrib.Assess(attrib.DefaultModel(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	pred, stated := map[string]map[string]float64{}, map[string]string{}
	for _, s := range res.Sources {
		stated[s.Indicator] = s.Role
		m := map[string]float64{}
		for _, r := range attrib.Roles() {
			m[r] = s.Hypotheses.Get(r)
		}
		pred[s.Indicator] = m
	}
	p.in = in
	return ScoreStated(p.truth.Sources, stated, pred), res, p
}

// TestEndToEnd generates every scenario, parses, enriches and assesses it,
// and logs the scores. It asserts only that the pipeline runs: the figures
// are measurements of the model, not of this package.
func TestEndToEnd(t *testing.T) {
	seeds := int64(5)
	if testing.Short() {
		seeds = 1
	}
	var all []Metrics
	for _, name := range Names() {
		var ms []Metrics
		for seed := int64(1); seed <= seeds; seed++ {
			m, res, p := assessScore(t, name, seed)
			if m.N != len(p.truth.Sources) || m.Confusion[Undetermined][NoPrediction] > 0 {
				t.Errorf("%s/%d: scored %d of %d sources, confusion %v", name, seed, m.N, len(p.truth.Sources), m.Confusion)
			}
			if testing.Verbose() && seed == 1 {
				for _, s := range res.Sources {
					if want, ok := p.truth.Sources[s.Indicator]; ok && want != s.Role {
						t.Logf("  %s/%d miss %-18s want %-26s got %-26s %.2f because %q", name, seed, s.Indicator, want, s.Role, s.Probability, s.Because)
					}
				}
			}
			ms = append(ms, m)
		}
		m := Merge(ms...)
		all = append(all, ms...)
		t.Logf("%-16s n=%4d macroF1=%.3f brier=%.3f (per-class %.3f) logloss=%.3f %s", name, m.N, m.MacroF1, m.Brier, m.BrierPerClass, m.LogLoss, confusionText(m))
	}
	m := Merge(all...)
	t.Logf("%-16s n=%4d macroF1=%.3f brier=%.3f (per-class %.3f) logloss=%.3f", "pooled", m.N, m.MacroF1, m.Brier, m.BrierPerClass, m.LogLoss)
	for _, r := range Roles() {
		if prf, ok := m.PerRole[r]; ok {
			t.Logf("  %-26s P=%.3f R=%.3f F1=%.3f support=%d", r, prf.Precision, prf.Recall, prf.F1, prf.Support)
		}
	}
}

var shortRole = map[string]string{Perpetrator: "perp", Relay: "relay", Compromised: "comp", Platform: "plat", Undetermined: "und", NoPrediction: "none"}

func confusionText(m Metrics) string {
	var parts []string
	for _, want := range append(Roles(), NoPrediction) {
		row := m.Confusion[want]
		if len(row) == 0 {
			continue
		}
		var cells []string
		for _, got := range append(Roles(), NoPrediction) {
			if n := row[got]; n > 0 {
				cells = append(cells, fmt.Sprintf("%s:%d", shortRole[got], n))
			}
		}
		parts = append(parts, shortRole[want]+"→"+strings.Join(cells, ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// evaluation is the model's record on a set of seeds.
type evaluation struct {
	pooled      Metrics
	perScenario map[string]Metrics
	// slipMissed lists false-flag runs whose perpetrator address was not
	// stated as perpetrator infrastructure, or where the country factor
	// moved it; cdnPerp lists CDN-scenario addresses stated perpetrator.
	slipMissed, cdnPerp []string
	// benignExternal lists sources whose truth is undetermined (benign
	// visitors, scanners) stated as one of the four external roles;
	// contradicted lists sources whose stated role is not their most
	// probable one.
	benignExternal, contradicted []string
	// uncited lists factors that cite nothing.
	uncited []string
}

func evaluate(t *testing.T, seeds []int64) evaluation {
	t.Helper()
	ev := evaluation{perScenario: map[string]Metrics{}}
	var all []Metrics
	for _, name := range Names() {
		var ms []Metrics
		for _, seed := range seeds {
			m, res, p := assessScore(t, name, seed)
			ms = append(ms, m)
			for _, s := range res.Sources {
				want := p.truth.Sources[s.Indicator]
				if want == Undetermined && attrib.IsRole(s.Role) && s.Role != attrib.Undetermined {
					ev.benignExternal = append(ev.benignExternal, fmt.Sprintf("%s/%d:%s=%s", name, seed, s.Indicator, s.Role))
				}
				for _, f := range s.Factors {
					if len(f.Evidence) == 0 {
						ev.uncited = append(ev.uncited, fmt.Sprintf("%s/%d:%s:%s", name, seed, s.Indicator, f.ID))
					}
				}
				if attrib.IsRole(s.Role) {
					for _, r := range attrib.Roles() {
						if s.Hypotheses.Get(r) > s.Probability+1e-9 {
							ev.contradicted = append(ev.contradicted, fmt.Sprintf("%s/%d:%s=%s<%s", name, seed, s.Indicator, s.Role, r))
							break
						}
					}
				}
				switch {
				case name == "false-flag" && want == Perpetrator:
					ok := s.Role == attrib.Perpetrator
					for _, f := range s.Factors {
						if f.ID == "country" && f.Nats != (attrib.RoleValues{}) {
							ok = false
						}
					}
					if !ok {
						ev.slipMissed = append(ev.slipMissed, fmt.Sprintf("%d:%s=%s", seed, s.Indicator, s.Role))
					}
				case name == "cdn-fronted" && s.Role == attrib.Perpetrator:
					ev.cdnPerp = append(ev.cdnPerp, fmt.Sprintf("%d:%s", seed, s.Indicator))
				}
			}
		}
		ev.perScenario[name] = Merge(ms...)
		all = append(all, ms...)
	}
	ev.pooled = Merge(all...)
	return ev
}

func (ev evaluation) log(t *testing.T) {
	for _, name := range Names() {
		m := ev.perScenario[name]
		t.Logf("%-16s n=%4d macroF1=%.3f brier=%.3f (per-class %.3f) logloss=%.3f %s", name, m.N, m.MacroF1, m.Brier, m.BrierPerClass, m.LogLoss, confusionText(m))
	}
	m := ev.pooled
	t.Logf("%-16s n=%4d macroF1=%.3f brier=%.3f (per-class %.3f) logloss=%.3f", "pooled", m.N, m.MacroF1, m.Brier, m.BrierPerClass, m.LogLoss)
	for _, r := range Roles() {
		if prf, ok := m.PerRole[r]; ok {
			t.Logf("  %-26s P=%.3f R=%.3f F1=%.3f support=%d", r, prf.Precision, prf.Recall, prf.F1, prf.Support)
		}
	}
	t.Logf("false-flag slips missed: %v; CDN addresses called perpetrator: %v", ev.slipMissed, ev.cdnPerp)
}

// TestTargets holds the model to the targets of issue 12 on seeds that
// were not used to calibrate it (the λ values were fitted with 'casefile
// calibrate' on seeds 1–10 and the penalty chosen on seeds 201–210):
// pooled macro-F1 ≥ 0.95 over roles and standard multi-class Brier ≤ 0.06;
// no scenario on its own above Brier 0.20 (the small scenarios must not
// hide behind the large residential pool); no benign visitor or scanner
// stated as one of the four external roles; every stated role the most
// probable one; in every false-flag run the operator's direct address is
// stated perpetrator infrastructure and the country factor moves nothing;
// in every CDN run no address is stated perpetrator infrastructure.
func TestTargets(t *testing.T) {
	// All ten seeds even with -short: the run takes a few seconds.
	seeds := []int64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	if m := attrib.DefaultModel(); m.Factors["country"].Lambda[attrib.Perpetrator] != 1 || m.Factors["country"].Lambda[attrib.Relay] != 1 ||
		m.Factors["country"].Lambda[attrib.Compromised] != 1 || m.Factors["country"].Lambda[attrib.Platform] != 1 {
		t.Errorf("country factor is not λ = 1: %v", m.Factors["country"].Lambda)
	}
	ev := evaluate(t, seeds)
	ev.log(t)
	if ev.pooled.MacroF1 < 0.95 {
		t.Errorf("macro-F1 %.3f < 0.95", ev.pooled.MacroF1)
	}
	if ev.pooled.Brier > 0.06 {
		t.Errorf("Brier %.3f > 0.06", ev.pooled.Brier)
	}
	if len(ev.benignExternal) > 0 {
		t.Errorf("benign sources given an external role: %v", ev.benignExternal)
	}
	if len(ev.contradicted) > 0 {
		t.Errorf("stated role not the most probable: %v", ev.contradicted)
	}
	if len(ev.uncited) > 0 {
		t.Errorf("factors citing nothing: %v", ev.uncited[:min(len(ev.uncited), 20)])
	}
	for name, m := range ev.perScenario {
		if m.Brier > 0.20 {
			t.Errorf("%s: Brier %.3f > 0.20", name, m.Brier)
		}
	}
	if len(ev.slipMissed) > 0 {
		t.Errorf("false-flag slip not found: %v", ev.slipMissed)
	}
	if len(ev.cdnPerp) > 0 {
		t.Errorf("CDN addresses called perpetrator: %v", ev.cdnPerp)
	}
}

// TestWebShellOperator: in cloud-c2 the operator drives a web shell from a
// rented server; the pipeline finds the hands-on behaviour (Sigma) and
// states the server as the operator's own infrastructure.
func TestWebShellOperator(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		_, res, p := assessScore(t, "cloud-c2", seed)
		found := 0
		for _, s := range res.Sources {
			for _, f := range s.Factors {
				if f.ID != "hands-on" {
					continue
				}
				found++
				if p.truth.Sources[s.Indicator] != Perpetrator || s.Role != Perpetrator || f.EvidenceN < 3 {
					t.Errorf("seed %d: %s (truth %s) stated %s, hands-on on %d events", seed, s.Indicator, p.truth.Sources[s.Indicator], s.Role, f.EvidenceN)
				}
			}
		}
		if found != 1 {
			t.Errorf("seed %d: %d sources with a hands-on factor, want the operator's server", seed, found)
		}
	}
}
