package attrib

import (
	"fmt"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

const (
	artSSH   = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	artWeb   = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	artTrail = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	artIDS   = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
	dsMMDB   = "sha256:aaaa000000000000000000000000000000000000000000000000000000000001"
	dsTor    = "sha256:aaaa000000000000000000000000000000000000000000000000000000000002"
	dsRanges = "sha256:aaaa000000000000000000000000000000000000000000000000000000000003"
	dsWHOIS  = "sha256:aaaa000000000000000000000000000000000000000000000000000000000004"
	dsWarn   = "sha256:aaaa000000000000000000000000000000000000000000000000000000000005"
	dsScan   = "sha256:aaaa000000000000000000000000000000000000000000000000000000000006"
)

// caseBuilder assembles hand-made events and observations.
type caseBuilder struct {
	in   Input
	line int64
}

func newCase() *caseBuilder {
	return &caseBuilder{in: Input{Observations: map[string][]enrich.Observation{}, VantageProxy: map[string]bool{}}}
}

func (c *caseBuilder) ev(art string, at time.Time, kind, outcome, src, user string, kv ...string) *parse.Event {
	c.line++
	e := parse.Event{Time: at, Kind: kind, Outcome: outcome, Src: src, User: user, Dst: "10.0.0.5", DstPort: 22,
		Citation: parse.Citation{Artefact: art, Line: c.line, Parser: "test/1"}}
	if len(kv) > 0 {
		e.Fields = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Fields[kv[i]] = kv[i+1]
		}
	}
	c.in.Events = append(c.in.Events, e)
	return &c.in.Events[len(c.in.Events)-1]
}

func (c *caseBuilder) obs(ind, source, typ, ds string, date time.Time, fields map[string]any) *enrich.Observation {
	o := enrich.Observation{Indicator: ind, Source: source, SourceType: typ, Dataset: ds, DatasetDate: date,
		Reliability: enrich.DefaultReliability(typ), Fields: fields}
	c.in.Observations[ind] = append(c.in.Observations[ind], o)
	l := c.in.Observations[ind]
	return &l[len(l)-1]
}

func (c *caseBuilder) asn(ind string, n int, org string) {
	c.obs(ind, "GeoLite2-ASN", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour),
		map[string]any{"autonomous_system_number": n, "autonomous_system_organization": org})
}

func (c *caseBuilder) anon(ind string, flags ...string) {
	f := map[string]any{"is_anonymous": true}
	for _, fl := range flags {
		f[fl] = true
	}
	c.obs(ind, "GeoIP2-Anonymous-IP", enrich.TypeMMDB, dsMMDB, t0.Add(-48*time.Hour), f)
}

func (c *caseBuilder) city(ind, country string, lat, lon, radius float64) {
	c.obs(ind, "GeoLite2-City", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour), map[string]any{
		"country":  map[string]any{"iso_code": country},
		"location": map[string]any{"latitude": lat, "longitude": lon, "accuracy_radius": radius},
	})
}

func (c *caseBuilder) tor(ind string, at time.Time) {
	o := c.obs(ind, "tor-exit-addresses", enrich.TypeTorExits, dsTor, at.Truncate(24*time.Hour).Add(24*time.Hour), nil)
	o.ValidAt = at
}

func (c *caseBuilder) ranges(ind, source string, services ...string) {
	c.obs(ind, source, enrich.TypeCloudRanges, dsRanges, t0.Add(-30*24*time.Hour),
		map[string]any{"services": toAny(services), "region": "us-east-1"})
}

func (c *caseBuilder) whois(ind, org, abuse string, created time.Time) {
	f := map[string]any{"org": org, "abuse_email": abuse}
	if !created.IsZero() {
		f["created"] = created.Format(time.RFC3339)
	}
	c.obs(ind, "whois:whois.example.net", enrich.TypeWHOIS, dsWHOIS, t0.Add(24*time.Hour), f)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func (c *caseBuilder) assess(t *testing.T, only ...string) *Result {
	t.Helper()
	var o []string
	if len(only) > 0 {
		o = only
	}
	res, err := Assess(DefaultModel(), c.in, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func find(t *testing.T, r *Result, ind string) *Source {
	t.Helper()
	for i := range r.Sources {
		if r.Sources[i].Indicator == ind {
			return &r.Sources[i]
		}
	}
	t.Fatalf("source %s not assessed", ind)
	return nil
}

func factorOf(s *Source, id string) *Factor {
	for i := range s.Factors {
		if s.Factors[i].ID == id {
			return &s.Factors[i]
		}
	}
	return nil
}

func wantRole(t *testing.T, s *Source, role string) {
	t.Helper()
	t.Logf("%s: %s %.3f %s, confidence %s", s.Indicator, s.Role, s.Probability, s.Words, s.Confidence)
	if s.Role != role {
		t.Errorf("%s: role %s (%v), want %s\n%s", s.Indicator, s.Role, s.Hypotheses, role, describe(s))
	}
}

func describe(s *Source) string {
	out := ""
	for _, f := range s.Factors {
		out += fmt.Sprintf("  %-26s rho=%.3f nats=%v\n", f.ID, f.Rho, f.Nats)
	}
	return out
}
