package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/attrib"
)

// Node kinds.
const (
	NodeArtefact    = "artefact"
	NodeDataset     = "dataset"
	NodeEvents      = "events" // a group of events of one kind from one source in one artefact
	NodeNetwork     = "network"
	NodeASN         = "asn"
	NodeOrg         = "organisation"
	NodeObservation = "observation"
	NodeHypothesis  = "hypothesis"
	NodeCampaign    = "campaign"
	// Indicator nodes use the indicator type as kind: ip, domain, user, …
)

// Edge kinds: how the target was derived from, or relates to, the source.
const (
	EdgeParsedFrom      = "parsed-from"
	EdgeSeenIn          = "seen-in"
	EdgeAuthenticatedAs = "authenticated-as"
	EdgePresentedKey    = "presented-key"
	EdgeSameFingerprint = "same-fingerprint-as"
	EdgeUsedAgent       = "used-user-agent"
	EdgeResolvesTo      = "resolves-to"
	EdgeObservedBy      = "observed-by"
	EdgeRecordedFrom    = "recorded-from"
	EdgeBelongsTo       = "belongs-to"
	EdgeAssessedAs      = "assessed-as"
	EdgeMemberOf        = "member-of"
)

// Node is one thing in the provenance graph.
type Node struct {
	ID     string            `json:"id"`
	Kind   string            `json:"kind"`
	Label  string            `json:"label"`
	Why    string            `json:"why"`             // why it is in the graph
	Attrs  map[string]string `json:"attrs,omitempty"` // what is known about it
	Cites  []string          `json:"cites"`           // "entry:N" and "sha256:…#L12": what it rests on
	Weight int64             `json:"weight"`          // activity (events)
	Group  string            `json:"group,omitempty"` // campaign id
}

// Edge says how one node was derived from, or relates to, another.
type Edge struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Kind  string   `json:"kind"`
	Cites []string `json:"cites"`
	// Label, Role and Nats say, on an explanation graph's weighs edge,
	// what the factor did to the role ("strongly for relay", +3.00 nats);
	// Shadowed marks a factor whose family counted a stronger member for
	// that role instead. Empty on the case graph.
	Label    string  `json:"label,omitempty"`
	Role     string  `json:"role,omitempty"`
	Nats     float64 `json:"nats,omitempty"`
	Shadowed bool    `json:"shadowed,omitempty"`
	// Count is, on an overview (Graph.Overview), how many edges or events
	// of the case graph the edge stands for.
	Count int `json:"count,omitempty"`
}

// Graph is the provenance graph of a case.
type Graph struct {
	// Version and Source are set on an explanation graph only (see
	// Explain); the case graph's JSON keeps its original shape.
	Version string  `json:"version,omitempty"`
	Source  string  `json:"source,omitempty"`
	Nodes   []*Node `json:"nodes"`
	Edges   []*Edge `json:"edges"`
	index   map[string]*Node
	edges   map[string]*Edge
}

// maxEventGroups bounds event-group nodes; past it, groups merge per
// source and artefact.
const maxEventGroups = 20000

// maxCites bounds the citations kept on one node or edge.
const maxCites = 8

func newGraph() *Graph { return &Graph{index: map[string]*Node{}, edges: map[string]*Edge{}} }

func (g *Graph) node(id, kind, label, why string) *Node {
	if n := g.index[id]; n != nil {
		return n
	}
	n := &Node{ID: id, Kind: kind, Label: label, Why: why, Attrs: map[string]string{}, Cites: []string{}}
	g.index[id] = n
	g.Nodes = append(g.Nodes, n)
	return n
}

func (g *Graph) edge(from, to, kind string, cites ...string) *Edge {
	k := from + "\x00" + to + "\x00" + kind
	e := g.edges[k]
	if e == nil {
		e = &Edge{From: from, To: to, Kind: kind, Cites: []string{}}
		g.edges[k] = e
		g.Edges = append(g.Edges, e)
	}
	e.Cites = addCites(e.Cites, cites...)
	return e
}

func addCites(have []string, add ...string) []string {
	for _, c := range add {
		if c == "" || len(have) >= maxCites {
			continue
		}
		dup := false
		for _, h := range have {
			if h == c {
				dup = true
				break
			}
		}
		if !dup {
			have = append(have, c)
		}
	}
	return have
}

func entryCite(i int64, ok bool) string {
	if !ok {
		return ""
	}
	return "entry:" + strconv.FormatInt(i, 10)
}

func eventCite(c parse.Citation) string {
	if c.Line > 0 {
		return fmt.Sprintf("%s#L%d", c.Artefact, c.Line)
	}
	return fmt.Sprintf("%s#R%d", c.Artefact, c.Record)
}

func indicatorID(t indicator.Type, v string) string { return string(t) + ":" + v }

// Build derives the provenance graph of the case. res, when not nil, adds
// the assessment's hypotheses and campaigns.
func Build(ctx context.Context, c *evidence.Case, res *attrib.Result) (*Graph, error) {
	f, err := readFacts(c)
	if err != nil {
		return nil, err
	}
	g := newGraph()
	datasets := map[string]bool{}
	for d := range f.observed {
		datasets[d] = true
	}
	for d, i := range f.entryOf {
		kind, why := NodeArtefact, "preserved as evidence"
		if datasets[d] {
			kind, why = NodeDataset, "enrichment dataset, preserved before use"
		}
		n := g.node("artefact:"+d, kind, f.names[d], why+fmt.Sprintf(" (entry %d)", i))
		n.Attrs["sha256"] = strings.TrimPrefix(d, "sha256:")
		n.Cites = addCites(n.Cites, entryCite(i, true))
		if v := f.vantage[d]; v != "" {
			n.Attrs["vantage"] = v
		}
	}
	if err := g.addEvents(ctx, c, f); err != nil {
		return nil, err
	}
	if err := g.addObservations(c, f); err != nil {
		return nil, err
	}
	if res != nil {
		g.addAssessment(res)
	}
	g.sort()
	return g, nil
}

type groupKey struct {
	artefact, kind, action, outcome, src string
}

func (g *Graph) addEvents(ctx context.Context, c *evidence.Case, f *caseFacts) error {
	type group struct {
		n     int64
		cites []string
	}
	groups := map[groupKey]*group{}
	type pair struct{ from, to, kind string }
	links := map[pair][]string{}
	indW := map[string]int64{}
	keyIPs := map[string]map[string]bool{}
	err := eventstore.New(c).Events(eventstore.Query{}, func(e *parse.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		inds := eventstore.EventIndicators(e)
		src := ""
		for _, i := range inds {
			if i.Type == indicator.TypeIP || i.Type == indicator.TypeService || i.Type == indicator.TypeDomain {
				src = indicatorID(i.Type, i.Value)
				break
			}
		}
		k := groupKey{e.Citation.Artefact, e.Kind, e.Action, e.Outcome, src}
		if len(groups) >= maxEventGroups && groups[k] == nil {
			k.kind, k.action, k.outcome = "", "", ""
		}
		gr := groups[k]
		if gr == nil {
			gr = &group{}
			groups[k] = gr
		}
		gr.n++
		cite := eventCite(e.Citation)
		gr.cites = addCites(gr.cites, cite)
		for _, i := range inds {
			id := indicatorID(i.Type, i.Value)
			indW[id]++
			if id == src {
				continue
			}
			switch {
			case src == "":
			case i.Type == indicator.TypeUser && e.Kind == parse.KindAuth && e.Outcome == parse.OutcomeSuccess:
				p := pair{src, id, EdgeAuthenticatedAs}
				links[p] = addCites(links[p], cite)
			case i.Type == indicator.TypeSSHKey:
				p := pair{src, id, EdgePresentedKey}
				links[p] = addCites(links[p], cite)
				if keyIPs[id] == nil {
					keyIPs[id] = map[string]bool{}
				}
				keyIPs[id][src] = true
			case i.Type == indicator.TypeUserAgent:
				p := pair{src, id, EdgeUsedAgent}
				links[p] = addCites(links[p], cite)
			}
		}
		if e.Kind == parse.KindDNS && e.Fields != nil {
			if q, ok := indicator.NormalizeDomain(e.Fields["query"]); ok {
				for _, a := range strings.FieldsFunc(e.Fields["answers"], func(r rune) bool { return r == ',' || r == ' ' }) {
					if ip, ok := indicator.NormalizeIP(a); ok {
						p := pair{indicatorID(indicator.TypeDomain, q), indicatorID(indicator.TypeIP, ip.String()), EdgeResolvesTo}
						links[p] = addCites(links[p], cite)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, gr := range groups {
		h := sha256.Sum256([]byte(fmt.Sprint(k)))
		id := "events:" + hex.EncodeToString(h[:8])
		label := fmt.Sprintf("%d × %s %s %s", gr.n, k.kind, k.action, k.outcome)
		if k.kind == "" {
			label = fmt.Sprintf("%d events", gr.n)
		}
		n := g.node(id, NodeEvents, strings.Join(strings.Fields(label), " "), "events parsed from the artefact")
		n.Weight = gr.n
		n.Cites = addCites(n.Cites, entryCite(f.parsed[k.artefact], f.parsed[k.artefact] > 0))
		n.Cites = addCites(n.Cites, gr.cites...)
		g.edge(id, "artefact:"+k.artefact, EdgeParsedFrom, entryCite(f.parsed[k.artefact], f.parsed[k.artefact] > 0))
		if k.src != "" {
			in := g.indicatorNode(k.src, indW[k.src])
			in.Cites = addCites(in.Cites, gr.cites...)
			g.edge(k.src, id, EdgeSeenIn, gr.cites...)
		}
	}
	for p, cites := range links {
		g.indicatorNode(p.from, indW[p.from])
		to := g.indicatorNode(p.to, indW[p.to])
		to.Cites = addCites(to.Cites, cites...)
		g.edge(p.from, p.to, p.kind, cites...)
	}
	for key, ips := range keyIPs {
		if len(ips) < 2 || len(ips) > 10 {
			continue
		}
		var list []string
		for ip := range ips {
			list = append(list, ip)
		}
		sort.Strings(list)
		for i := 1; i < len(list); i++ {
			g.edge(list[0], list[i], EdgeSameFingerprint, "via "+key)
		}
	}
	return nil
}

func (g *Graph) indicatorNode(id string, weight int64) *Node {
	typ, val, _ := strings.Cut(id, ":")
	n := g.node(id, typ, val, "named by the events")
	if weight > n.Weight {
		n.Weight = weight
	}
	return n
}

// addObservations adds what every source said, read one indicator at a
// time (a case's observations held whole took gigabytes at a million
// sources).
func (g *Graph) addObservations(c *evidence.Case, f *caseFacts) error {
	return observe.EachLocated(c, func(ind string, list []observe.Located) error {
		var indID string
		if a, ok := indicator.NormalizeIP(ind); ok {
			indID = indicatorID(indicator.TypeIP, a.String())
		} else {
			indID = indicatorID(indicator.TypeDomain, ind)
		}
		if g.index[indID] == nil {
			g.indicatorNode(indID, 0)
		}
		for _, lo := range list {
			o := lo.Observation
			// The entry that records this observation; a case recorded
			// before the index said so cites the dataset's first one.
			oc := entryCite(lo.Entry, lo.Entry >= 0)
			if lo.Entry < 0 {
				oc = entryCite(f.observed[o.Dataset], f.observed[o.Dataset] > 0)
			}
			id := "obs:" + ind + ":" + o.Dataset + ":" + o.Source
			n := g.node(id, NodeObservation, o.Source+": "+obsText(o), "what a dated source said about "+ind)
			n.Attrs["source_type"] = o.SourceType
			n.Attrs["reliability"] = o.Reliability
			if !o.DatasetDate.IsZero() {
				n.Attrs["dataset_date"] = o.DatasetDate.UTC().Format("2006-01-02")
			}
			if o.Network != "" {
				n.Attrs["network"] = o.Network
			}
			n.Cites = addCites(n.Cites, oc, o.Dataset)
			g.edge(indID, id, EdgeObservedBy, oc)
			if o.Dataset != "" {
				if di, ok := f.entryOf[o.Dataset]; ok {
					g.edge(id, "artefact:"+o.Dataset, EdgeRecordedFrom, entryCite(di, true))
				}
			}
			g.infrastructure(indID, o, oc)
		}
		return nil
	})
}

// infrastructure adds the network, ASN and organisation an observation names.
func (g *Graph) infrastructure(indID string, o enrich.Observation, cite string) {
	from := indID
	if o.Network != "" && strings.Contains(o.Network, "/") {
		net := "network:" + o.Network
		nn := g.node(net, NodeNetwork, o.Network, "network that "+o.Source+" places the address in")
		nn.Cites = addCites(nn.Cites, cite)
		g.edge(indID, net, EdgeBelongsTo, cite)
		from = net
	}
	if asn, ok := o.Fields[enrich.FieldASN]; ok {
		id := fmt.Sprintf("asn:%v", asn)
		n := g.node(id, NodeASN, fmt.Sprintf("AS%v %v", asn, o.Fields[enrich.FieldASOrg]), "autonomous system named by "+o.Source)
		n.Cites = addCites(n.Cites, cite)
		g.edge(from, id, EdgeBelongsTo, cite)
	}
	if org, ok := o.Fields[enrich.FieldOrg].(string); ok && org != "" && o.SourceType == enrich.TypeWHOIS {
		id := "org:" + org
		n := g.node(id, NodeOrg, org, "registrant named by WHOIS")
		n.Cites = addCites(n.Cites, cite)
		g.edge(from, id, EdgeBelongsTo, cite)
	}
}

func obsText(o enrich.Observation) string {
	f := o.Fields
	var parts []string
	for _, k := range []string{enrich.FieldSpecial, enrich.FieldCountryISOCode, enrich.FieldCityName, enrich.FieldASOrg, enrich.FieldConnectionType, enrich.FieldProvider, enrich.FieldService, enrich.FieldRegion, enrich.FieldOrg, enrich.FieldNetName, enrich.FieldRegistrar} {
		if v, ok := f[k]; ok && fmt.Sprint(v) != "" {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	if fl, ok := f[enrich.FieldFlags].([]any); ok && len(fl) > 0 {
		parts = append(parts, fmt.Sprint(fl...))
	} else if ok {
		parts = append(parts, "no anonymity flags")
	}
	if o.SourceType == enrich.TypeTorExits {
		parts = append(parts, "Tor exit")
	}
	if o.SourceType == enrich.TypeWarninglist {
		parts = append(parts, "listed")
	}
	return strings.Join(parts, ", ")
}

func (g *Graph) addAssessment(res *attrib.Result) {
	for _, s := range res.Sources {
		indID := s.Type + ":" + s.Indicator
		in := g.indicatorNode(indID, s.Events)
		in.Group = s.Campaign
		id := "hypothesis:" + s.Indicator
		label := fmt.Sprintf("%s %s (%.2f)", s.Words, s.Role, s.Probability)
		if !attrib.IsRole(s.Role) {
			label = s.Role // internal or contacted: no probability
		}
		n := g.node(id, NodeHypothesis, label, "the assessment of "+s.Indicator)
		n.Attrs["role"] = s.Role
		if x := s.Examiner; x != nil {
			n.Attrs["examiner_role"] = x.Role
			n.Cites = addCites(n.Cites, "entry:"+strconv.FormatInt(x.Entry, 10))
		}
		n.Attrs["probability"] = strconv.FormatFloat(s.Probability, 'f', 2, 64)
		n.Attrs["confidence"] = s.Confidence
		n.Attrs["collateral_risk"] = strconv.FormatFloat(s.CollateralRisk, 'f', 2, 64)
		n.Group = s.Campaign
		var cites []string
		for _, fct := range s.Factors {
			if fct.Diagnostic {
				cites = addCites(cites, fct.Evidence...)
			}
		}
		n.Cites = addCites(n.Cites, cites...)
		g.edge(indID, id, EdgeAssessedAs, cites...)
	}
	for _, cp := range res.Campaigns {
		id := "campaign:" + cp.ID
		n := g.node(id, NodeCampaign, fmt.Sprintf("campaign %s (%d sources)", cp.ID, len(cp.Members)), "sources that act as one: "+strings.Join(cp.Identities, ", "))
		n.Group = cp.ID
		for _, m := range cp.Members {
			for _, t := range []string{"ip", "domain"} {
				if g.index[t+":"+m] != nil {
					g.edge(t+":"+m, id, EdgeMemberOf)
				}
			}
		}
	}
}

func (g *Graph) sort() {
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].ID < g.Nodes[j].ID })
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
}

// Node returns the node with the given id, or nil.
func (g *Graph) Node(id string) *Node { return g.index[id] }

// indicatorKinds are the node kinds of indicators.
var indicatorKinds = map[string]bool{"ip": true, "domain": true, "url": true, "email": true, "user": true,
	"ssh-key": true, "user-agent": true, "hash": true, "service": true}

// Top returns the part of the graph around the n most active source
// indicators (those with a hypothesis, else the busiest): their events,
// observations, infrastructure, hypotheses and the artefacts those rest on.
// n ≤ 0 returns g itself.
func (g *Graph) Top(n int) *Graph {
	var cands []*Node
	for _, nd := range g.Nodes {
		if indicatorKinds[nd.Kind] && g.index["hypothesis:"+nd.Label] != nil {
			cands = append(cands, nd)
		}
	}
	if n <= 0 || len(cands) <= n {
		if n <= 0 {
			return g
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Weight > cands[j].Weight })
	if len(cands) > n {
		cands = cands[:n]
	}
	keep := map[string]bool{}
	for _, c := range cands {
		keep[c.ID] = true
	}
	// Two steps out from the kept sources, never through another source.
	for step := 0; step < 2; step++ {
		add := map[string]bool{}
		for _, e := range g.Edges {
			for _, p := range [][2]string{{e.From, e.To}, {e.To, e.From}} {
				if keep[p[0]] && !keep[p[1]] {
					if nd := g.index[p[1]]; nd != nil && !(indicatorKinds[nd.Kind] && g.index["hypothesis:"+nd.Label] != nil) {
						add[p[1]] = true
					}
				}
			}
		}
		for k := range add {
			keep[k] = true
		}
	}
	out := newGraph()
	for _, nd := range g.Nodes {
		if keep[nd.ID] {
			out.index[nd.ID] = nd
			out.Nodes = append(out.Nodes, nd)
		}
	}
	for _, e := range g.Edges {
		if keep[e.From] && keep[e.To] {
			out.Edges = append(out.Edges, e)
		}
	}
	return out
}
