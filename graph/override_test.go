package graph_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// The examiner's verdict is a custody entry and is shown beside the
// model's, which stays as computed, in the result, its text and the export
// findings.
func TestOverrideSideBySide(t *testing.T) {
	c := testCase(t)
	ctx := context.Background()
	m := attrib.DefaultModel()
	before, err := graph.Assess(ctx, c, m, []string{"185.220.101.4"})
	if err != nil {
		t.Fatal(err)
	}
	e, p, err := graph.Override(ctx, c, m, "185.220.101.4", attrib.Perpetrator, "  the operator's own exit: same key as the VPS  ",
		[]string{"entry:1", " ", "ticket 42"}, "Ann Analyst <ann@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != graph.KindOverride || e.Actor != "Ann Analyst <ann@example.org>" || p.ModelRole != before.Sources[0].Role ||
		p.Rationale != "the operator's own exit: same key as the VPS" || len(p.Cites) != 2 {
		t.Fatalf("entry %+v payload %+v", e, p)
	}
	if d := evidence.Describe(e); !strings.Contains(d, "examiner's verdict on 185.220.101.4") {
		t.Errorf("custody log says %q", d)
	}
	res, err := graph.Assess(ctx, c, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var s *attrib.Source
	for i := range res.Sources {
		if res.Sources[i].Indicator == "185.220.101.4" {
			s = &res.Sources[i]
		}
	}
	if s == nil || s.Examiner == nil {
		t.Fatalf("no examiner verdict: %+v", s)
	}
	if s.Role != before.Sources[0].Role || s.Hypotheses != before.Sources[0].Hypotheses {
		t.Errorf("the model's verdict was replaced: %s %v", s.Role, s.Hypotheses)
	}
	if s.Examiner.Role != attrib.Perpetrator || s.Examiner.Entry != int64(e.Index) {
		t.Errorf("examiner %+v", s.Examiner)
	}
	var b bytes.Buffer
	if err := res.Text(&b); err != nil {
		t.Fatal(err)
	}
	txt := b.String()
	if !strings.Contains(txt, s.Statement()) || !strings.Contains(txt, "Examiner's verdict: perpetrator-infrastructure") {
		t.Errorf("text does not show both verdicts:\n%s", txt)
	}
	for _, f := range graph.Findings(res) {
		if f.Indicator != "185.220.101.4" {
			if f.Examiner != nil {
				t.Errorf("%s has someone else's verdict", f.Indicator)
			}
			continue
		}
		if f.Role != s.Role || f.Examiner == nil || f.Examiner.Role != attrib.Perpetrator || !strings.Contains(f.Examiner.Text, "ticket 42") {
			t.Errorf("finding %+v", f)
		}
	}
	g, err := graph.Build(ctx, c, res)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range g.Nodes {
		if n.ID == "hypothesis:185.220.101.4" {
			found = n.Attrs["examiner_role"] == attrib.Perpetrator && n.Attrs["role"] == s.Role
		}
	}
	if !found {
		t.Error("the provenance graph lacks the examiner's verdict")
	}
	// A later verdict is the one shown; the earlier stays in the log.
	if _, _, err := graph.Override(ctx, c, m, "185.220.101.4", attrib.Relay, "on reflection: a Tor exit", nil, "Bob"); err != nil {
		t.Fatal(err)
	}
	res, _ = graph.Assess(ctx, c, m, []string{"185.220.101.4"})
	if x := res.Sources[0].Examiner; x == nil || x.Role != attrib.Relay || x.Actor != "Bob" {
		t.Errorf("latest verdict: %+v", x)
	}
}

func TestOverrideRefused(t *testing.T) {
	c := testCase(t)
	ctx := context.Background()
	size := c.Log().Size()
	for name, args := range map[string][3]string{
		"unknown role":      {"185.220.101.4", "attacker", "because"},
		"no rationale":      {"185.220.101.4", attrib.Relay, "   "},
		"unknown indicator": {"9.9.9.9", attrib.Relay, "because"},
	} {
		if _, _, err := graph.Override(ctx, c, attrib.DefaultModel(), args[0], args[1], args[2], nil, "Ann"); !errors.Is(err, graph.ErrOverride) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if c.Log().Size() != size {
		t.Error("a refused override was recorded")
	}
}

// A destination the victim contacted with nothing hostile seen is no
// finding of the export (STIX would make it an indicator) unless an
// examiner judged it.
func TestFindingsLeaveOutContactedDestinations(t *testing.T) {
	res := &attrib.Result{Sources: []attrib.Source{
		{Indicator: "54.230.202.37", Type: "ip", Role: attrib.Contacted},
		{Indicator: "10.0.2.15", Type: "ip", Role: attrib.Internal, Special: "private"},
		{Indicator: "151.101.12.204", Type: "ip", Role: attrib.Contacted, Examiner: &attrib.Examiner{Role: attrib.Platform, Rationale: "C2 over the CDN", Actor: "Ann"}},
	}}
	var got []string
	for _, f := range graph.Findings(res) {
		got = append(got, f.Indicator+"="+f.Role)
		if f.Hypotheses != nil {
			t.Errorf("%s: probabilities for a verdict outside the roles: %v", f.Indicator, f.Hypotheses)
		}
	}
	if strings.Join(got, " ") != "10.0.2.15=internal 151.101.12.204=contacted-destination" {
		t.Errorf("findings %v", got)
	}
}
