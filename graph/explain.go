package graph

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph/attrib"
)

// Node kinds of the explanation graph, besides the source indicator,
// hypothesis, artefact, dataset and campaign kinds of the case graph.
const (
	NodeFactor = "factor" // one factor of the assessment
	NodeEntry  = "entry"  // a custody entry a factor cites
	NodeLine   = "line"   // a line or record of an artefact
	NodeRule   = "rule"   // a Sigma rule whose hits a factor counts
	NodeRef    = "reference"
)

// Edge kinds of the explanation graph.
const (
	EdgeShows   = "shows"    // source → factor
	EdgeWeighs  = "weighs"   // factor → hypothesis, with the nats it added
	EdgeRestsOn = "rests-on" // factor → entry, dataset, line or rule
	EdgeLineOf  = "line-of"  // line → artefact
)

// ExplanationVersion names the shape of the explanation graph's JSON, so
// that a reader can tell it from the case graph (which has no version).
const ExplanationVersion = "casefile-explanation/1"

// maxMembers bounds the campaign members listed in one explanation; the
// campaign node says how many there are.
const maxMembers = 200

// ErrNotAssessed is returned (wrapped) for an indicator the assessment
// has no source for.
var ErrNotAssessed = errors.New("no assessed source of that name")

// citeBook names what a factor's citations point at: artefacts by file
// name, datasets by source and date, custody entries by kind.
type citeBook struct {
	names    map[string]string // artefact or dataset digest → file name
	entryOf  map[string]int64  // digest → entry that preserved it
	datasets map[string]attrib.Dataset
	entry    func(i int64) string // "artefact.ingested auth.log"; "" if unknown
}

func bookOf(c *evidence.Case, f *caseFacts) *citeBook {
	b := &citeBook{names: f.names, entryOf: f.entryOf, datasets: map[string]attrib.Dataset{}}
	for _, d := range f.datasets {
		if _, ok := b.datasets[d.Digest]; !ok {
			b.datasets[d.Digest] = d
		}
	}
	preserved := map[int64]string{}
	for d, i := range f.entryOf {
		preserved[i] = f.names[d]
	}
	b.entry = func(i int64) string {
		if i < 0 {
			return ""
		}
		e, err := c.Entry(uint64(i))
		if err != nil {
			return ""
		}
		if n := preserved[i]; n != "" {
			return e.Kind + " " + n
		}
		// Observations and parse runs name their dataset or artefact.
		var p struct {
			Source   string `json:"source"`
			Artefact string `json:"artefact"`
		}
		if e.DecodePayload(&p) == nil {
			switch {
			case p.Source != "":
				return e.Kind + " from " + p.Source
			case f.names[p.Artefact] != "":
				return e.Kind + " of " + f.names[p.Artefact]
			}
		}
		return e.Kind
	}
	return b
}

// Explain is the explanation graph of one assessed source: the source, its
// factors, the five hypotheses and the evidence each factor rests on.
// m must be the model res was computed with (its priors are shown).
func Explain(c *evidence.Case, res *attrib.Result, m *attrib.Model, indicator string) (*Graph, error) {
	f, err := readFacts(c)
	if err != nil {
		return nil, err
	}
	return explain(res, m, indicator, bookOf(c, f))
}

func explain(res *attrib.Result, m *attrib.Model, indicator string, book *citeBook) (*Graph, error) {
	var s *attrib.Source
	for i := range res.Sources {
		if res.Sources[i].Indicator == indicator {
			s = &res.Sources[i]
			break
		}
	}
	if s == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotAssessed, indicator)
	}
	prior, err := m.PriorLogOdds()
	if err != nil {
		return nil, err
	}
	g := newGraph()
	g.Version = ExplanationVersion
	g.Source = indicator
	srcID := s.Type + ":" + s.Indicator
	sn := g.node(srcID, s.Type, s.Indicator, "the source explained")
	sn.Weight = s.Events
	sn.Attrs["role"] = s.Role
	sn.Attrs["statement"] = s.Statement()
	if x := s.Examiner; x != nil {
		sn.Attrs["examiner_role"] = x.Role
		sn.Cites = addCites(sn.Cites, "entry:"+strconv.FormatInt(x.Entry, 10))
	}
	if attrib.IsRole(s.Role) {
		g.hypotheses(s, prior)
	}
	for i, id := range FactorIDs(s) {
		g.factor(srcID, id, s, s.Factors[i], book)
	}
	if s.Campaign != "" {
		g.campaign(srcID, s.Campaign, res)
	}
	g.sort()
	return g, nil
}

// FactorIDs are the node ids of s's factors in the explanation graph, in
// the order of s.Factors: "factor:" and the factor's id, numbered when a
// factor appears twice.
func FactorIDs(s *attrib.Source) []string {
	ids := make([]string, len(s.Factors))
	seen := map[string]int{}
	for i, f := range s.Factors {
		ids[i] = "factor:" + f.ID
		if seen[f.ID]++; seen[f.ID] > 1 {
			ids[i] += "#" + strconv.Itoa(seen[f.ID])
		}
	}
	return ids
}

// hypotheses adds one node per role: its prior, the nats its factors
// added, the score and the probability, the chosen role marked.
func (g *Graph) hypotheses(s *attrib.Source, prior attrib.RoleValues) {
	scores := s.Scores(prior)
	for i, role := range attrib.Roles() {
		id := "hypothesis:" + role
		sum := scores[i] - prior[i]
		label := fmt.Sprintf("%s: prior %+.2f + factors %+.2f = %+.2f nats → %.0f %%", RoleShort(role), prior[i], sum, scores[i], s.Hypotheses[i]*100)
		why := "a role the source may have"
		if role == attrib.Undetermined {
			label = fmt.Sprintf("undetermined: the reference (0 nats) → %.0f %%", s.Hypotheses[i]*100)
			why = "the reference every other role is weighed against"
		}
		n := g.node(id, NodeHypothesis, label, why)
		n.Attrs["role"] = role
		n.Attrs["prior_nats"] = nats(prior[i])
		n.Attrs["factor_nats"] = nats(sum)
		n.Attrs["score_nats"] = nats(scores[i])
		n.Attrs["probability"] = strconv.FormatFloat(s.Hypotheses[i], 'f', 4, 64)
		if role == s.Role {
			n.Attrs["chosen"] = "true"
			n.Why = "the chosen role: the heaviest side"
			g.edge(s.Type+":"+s.Indicator, id, EdgeAssessedAs)
		}
	}
}

func nats(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }

// factor adds one factor, its weight on each role and what it rests on.
func (g *Graph) factor(srcID, id string, s *attrib.Source, f attrib.Factor, book *citeBook) {
	n := g.node(id, NodeFactor, f.Text, "factor "+strconv.Itoa(f.N)+" of the model ("+f.Family+" family)")
	n.Attrs["factor"] = f.ID
	n.Attrs["family"] = f.Family
	n.Attrs["rho"] = strconv.FormatFloat(f.Rho, 'f', 3, 64)
	n.Attrs["rho_why"] = f.RhoWhy
	n.Attrs["source"] = f.Source
	n.Attrs["evidence_total"] = strconv.FormatInt(f.EvidenceN, 10)
	n.Attrs["diagnostic"] = strconv.FormatBool(f.Diagnostic)
	if !f.Diagnostic {
		n.Why = "not diagnostic: recorded for context, it moves no role"
	}
	n.Cites = addCites(n.Cites, f.Evidence...)
	g.edge(srcID, id, EdgeShows)
	if attrib.IsRole(s.Role) {
		for _, role := range attrib.Roles() {
			if v := f.Nats.Get(role); v != 0 {
				e := g.edge(id, "hypothesis:"+role, EdgeWeighs)
				e.Role, e.Nats, e.Label = role, v, WeightLabel(v, role)
			} else if v := f.Shadowed.Get(role); v != 0 {
				e := g.edge(id, "hypothesis:"+role, EdgeWeighs)
				e.Role, e.Shadowed = role, true
				e.Label = "would be " + WeightLabel(v, role) + ", but a stronger factor of the same family counts instead"
			}
		}
	}
	for _, c := range f.Evidence {
		g.edge(id, g.citeNode(c, book), EdgeRestsOn, c)
	}
	for _, r := range f.Rules {
		rn := g.node("rule:"+r.ID, NodeRule, r.ID+": "+r.Title, "the Sigma rule whose hits the factor counts")
		rn.Attrs["level"] = r.Level
		rn.Attrs["file"] = r.File
		rn.Attrs["events"] = strconv.FormatInt(r.Events, 10)
		if r.Detail != "" {
			rn.Attrs["detail"] = r.Detail
		}
		if len(r.Tags) > 0 {
			rn.Attrs["tags"] = strings.Join(r.Tags, " ")
		}
		g.edge(id, rn.ID, EdgeRestsOn)
	}
}

// citeNode adds the node a citation names and returns its id: a custody
// entry, a dataset (with its date), an artefact line, or the bare text.
func (g *Graph) citeNode(c string, book *citeBook) string {
	switch {
	case strings.HasPrefix(c, "entry:"):
		i, err := strconv.ParseInt(strings.TrimPrefix(c, "entry:"), 10, 64)
		if err != nil {
			break
		}
		label := "custody entry #" + strconv.FormatInt(i, 10)
		if k := book.entry(i); k != "" {
			label += ": " + k
		}
		n := g.node(c, NodeEntry, label, "the custody entry the evidence was recorded in")
		n.Cites = addCites(n.Cites, c)
		return c
	case strings.HasPrefix(c, "dataset sha256:"):
		return g.artefactNode(strings.TrimPrefix(c, "dataset "), book)
	case strings.HasPrefix(c, "sha256:"):
		art, frag, ok := strings.Cut(c, "#")
		if !ok {
			return g.artefactNode(art, book)
		}
		what := "line " + strings.TrimPrefix(frag, "L")
		if strings.HasPrefix(frag, "R") {
			what = "record " + strings.TrimPrefix(frag, "R")
		}
		name := book.names[art]
		if name == "" {
			name = art[:min(len(art), 19)] + "…"
		}
		id := "line:" + c
		n := g.node(id, NodeLine, name+" "+what, "the event the factor rests on")
		n.Cites = addCites(n.Cites, c)
		g.edge(id, g.artefactNode(art, book), EdgeLineOf, c)
		return id
	}
	n := g.node("ref:"+c, NodeRef, c, "cited by the factor")
	n.Cites = addCites(n.Cites, c)
	return n.ID
}

// artefactNode adds a preserved artefact or dataset (its date and source
// when it is a dataset).
func (g *Graph) artefactNode(digest string, book *citeBook) string {
	id := "artefact:" + digest
	kind, why := NodeArtefact, "preserved as evidence"
	d, isDataset := book.datasets[digest]
	if isDataset {
		kind, why = NodeDataset, "enrichment dataset, preserved before use"
	}
	name := book.names[digest]
	if name == "" && isDataset {
		name = d.Source
	}
	if name == "" {
		name = digest
	}
	n := g.node(id, kind, name, why)
	n.Attrs["sha256"] = strings.TrimPrefix(digest, "sha256:")
	if isDataset {
		n.Attrs["source"] = d.Source
		if !d.Date.IsZero() {
			n.Attrs["dataset_date"] = d.Date.UTC().Format("2006-01-02")
			n.Label = name + " (" + n.Attrs["dataset_date"] + ")"
		}
	}
	if i, ok := book.entryOf[digest]; ok {
		n.Cites = addCites(n.Cites, entryCite(i, true))
	}
	return id
}

// campaign adds the source's campaign as one node whose members (each
// with its own verdict) hang off it; a viewer shows them folded.
func (g *Graph) campaign(srcID, id string, res *attrib.Result) {
	var cp *attrib.Campaign
	for i := range res.Campaigns {
		if res.Campaigns[i].ID == id {
			cp = &res.Campaigns[i]
		}
	}
	if cp == nil {
		return
	}
	cid := "campaign:" + cp.ID
	n := g.node(cid, NodeCampaign, fmt.Sprintf("%s: %d sources sharing %s", cp.ID, len(cp.Members), strings.Join(cp.Identities, ", ")),
		"sources that act as one")
	n.Group = cp.ID
	n.Attrs["members_total"] = strconv.Itoa(len(cp.Members))
	n.Attrs["identities"] = strings.Join(cp.Identities, " ")
	g.edge(srcID, cid, EdgeMemberOf)
	role := map[string]*attrib.Source{}
	for i := range res.Sources {
		role[res.Sources[i].Indicator] = &res.Sources[i]
	}
	for i, m := range cp.Members {
		if i == maxMembers {
			break
		}
		s := role[m]
		typ := "ip"
		if s != nil {
			typ = s.Type
		}
		mid := typ + ":" + m
		if mid == srcID {
			continue
		}
		mn := g.node(mid, typ, m, "another member of "+cp.ID)
		mn.Group = cp.ID
		if s != nil {
			mn.Attrs["role"] = s.Role
			mn.Weight = s.Events
		}
		g.edge(mid, cid, EdgeMemberOf)
	}
}
