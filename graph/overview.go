package graph

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/graph/attrib"
)

// NodeAggregate is a node that stands for several sources of one role
// (in one autonomous system, or the rest): "1,900 undetermined sources".
const NodeAggregate = "aggregate"

// OverviewOptions choose what the overview of a large case shows.
type OverviewOptions struct {
	Roles    map[string]bool // verdicts to show; empty: all
	Kinds    map[string]bool // kinds of other nodes to show; nil: DefaultOverviewKinds
	From, To time.Time       // only sources active in this window (zero: open)
	Campaign string          // only this campaign's members
	// Expand names aggregate, campaign or source nodes to unfold: an
	// aggregate or campaign shows its members, a source its events,
	// observations, infrastructure and hypothesis.
	Expand map[string]bool
	// PerRole is how many sources of one role are shown one by one before
	// they are grouped (default 30); MaxMembers bounds an unfolded group
	// (default 300: the rest stay in the group node).
	PerRole, MaxMembers int
}

// DefaultOverviewKinds are the nodes besides sources an overview shows
// unless asked otherwise: the evidence, the accounts and keys used.
var DefaultOverviewKinds = map[string]bool{NodeArtefact: true, NodeDataset: true, "user": true, "ssh-key": true, "domain": true}

// OverviewStats says how much of the case graph an overview stands for.
type OverviewStats struct {
	Nodes      int `json:"nodes"` // of the whole case graph
	Edges      int `json:"edges"`
	Sources    int `json:"sources"`    // assessed sources
	Matched    int `json:"matched"`    // those the filters keep
	Individual int `json:"individual"` // sources drawn one by one
}

// roleOrder ranks verdicts for grouping: the roles that matter to the
// reader are shown one by one first.
var roleOrder = []string{attrib.Perpetrator, attrib.Compromised, attrib.Relay, attrib.Platform, attrib.Undetermined}

// Overview is the case graph folded for reading: sources grouped by
// campaign, and by role and autonomous system where a role has many;
// event groups and observations folded into edges from the sources to
// the artefacts and datasets they rest on (with a count); hypotheses and
// infrastructure shown only for an unfolded source. Edges carry Count,
// how many edges of the case graph each stands for.
func (g *Graph) Overview(res *attrib.Result, o OverviewOptions) (*Graph, OverviewStats) {
	if o.Kinds == nil {
		o.Kinds = DefaultOverviewKinds
	}
	if o.PerRole <= 0 {
		o.PerRole = 30
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = 300
	}
	st := OverviewStats{Nodes: len(g.Nodes), Edges: len(g.Edges), Sources: len(res.Sources)}
	out := map[string][]*Edge{}
	in := map[string][]*Edge{}
	for _, e := range g.Edges {
		out[e.From] = append(out[e.From], e)
		in[e.To] = append(in[e.To], e)
	}
	v := newGraph()
	rep := map[string]string{} // case-graph node → the overview node it is drawn as
	self := func(n *Node) *Node {
		if have := v.index[n.ID]; have != nil {
			rep[n.ID] = n.ID
			return have
		}
		c := *n
		c.Attrs = map[string]string{}
		for k, x := range n.Attrs {
			c.Attrs[k] = x
		}
		v.index[c.ID] = &c
		v.Nodes = append(v.Nodes, &c)
		rep[n.ID] = c.ID
		return &c
	}

	// The sources the filters keep, by unit.
	type src struct {
		s  *attrib.Source
		id string
	}
	byRole := map[string][]src{}
	campaigns := map[string][]src{}
	for i := range res.Sources {
		s := &res.Sources[i]
		id := s.Type + ":" + s.Indicator
		if g.index[id] == nil || !o.keeps(s) {
			continue
		}
		st.Matched++
		if s.Campaign != "" {
			campaigns[s.Campaign] = append(campaigns[s.Campaign], src{s, id})
		} else {
			byRole[s.Role] = append(byRole[s.Role], src{s, id})
		}
	}
	individual := func(x src) {
		n := self(g.index[x.id])
		n.Label = x.s.Indicator
		n.Attrs["role"] = x.s.Role
		if attrib.IsRole(x.s.Role) {
			n.Attrs["probability"] = strconv.FormatFloat(x.s.Probability, 'f', 2, 64)
		}
		n.Weight = x.s.Events
		n.Group = x.s.Campaign
		n.Attrs["expandable"] = "true"
		st.Individual++
	}
	byActivity := func(list []src) {
		slices.SortStableFunc(list, func(a, b src) int {
			return cmp.Or(cmp.Compare(b.s.Events, a.s.Events), cmp.Compare(a.id, b.id))
		})
	}
	// group adds an aggregate node for list (or unfolds it when asked). A
	// member named in Expand is drawn by itself (found by the page's search).
	group := func(id, kind, label, role string, list []src) {
		byActivity(list)
		if !o.Expand[id] {
			rest := list[:0:0]
			for _, x := range list {
				if o.Expand[x.id] {
					individual(x)
				} else {
					rest = append(rest, x)
				}
			}
			if len(rest) < len(list) {
				list = rest
				label = fmt.Sprintf("%s %s", commas(len(list)), strings.SplitN(label, " ", 2)[1])
				if kind == NodeCampaign {
					label = fmt.Sprintf("campaign %s: %s other sources", strings.TrimPrefix(id, "campaign:"), commas(len(list)))
				}
			}
			if len(list) == 0 {
				return
			}
		}
		if o.Expand[id] {
			n := len(list)
			if n > o.MaxMembers {
				n = o.MaxMembers
			}
			for _, x := range list[:n] {
				individual(x)
			}
			if kind == NodeCampaign {
				cn := v.node(id, NodeCampaign, label, "sources that act as one (unfolded)")
				cn.Group = strings.TrimPrefix(id, "campaign:")
				for _, x := range list[:n] {
					v.edge(x.id, id, EdgeMemberOf)
				}
			}
			list = list[n:]
			if len(list) == 0 {
				return
			}
			id += ":rest"
			label = fmt.Sprintf("%s more", commas(len(list)))
		}
		n := v.node(id, kind, label, "sources folded into one node; unfold it to see them")
		n.Attrs["members"] = strconv.Itoa(len(list))
		n.Attrs["expandable"] = "true"
		if role != "" {
			n.Attrs["role"] = role
		}
		for _, x := range list {
			rep[x.id] = id
			n.Weight += x.s.Events
		}
	}
	for _, id := range slices.Sorted(maps.Keys(campaigns)) {
		list := campaigns[id]
		label := fmt.Sprintf("campaign %s: %s sources", id, commas(len(list)))
		group("campaign:"+id, NodeCampaign, label, "", list)
		if c := v.index["campaign:"+id]; c != nil {
			c.Group = id
		}
	}
	roles := slices.Clone(roleOrder)
	for _, r := range slices.Sorted(maps.Keys(byRole)) {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	for _, role := range roles {
		list := byRole[role]
		if len(list) == 0 {
			continue
		}
		if len(list) <= o.PerRole || o.Expand["role:"+role] {
			byActivity(list)
			for _, x := range list {
				individual(x)
			}
			continue
		}
		// Many of one role: a node per autonomous system with several of
		// them (the twenty largest), the rest in one.
		byASN := map[string][]src{}
		for _, x := range list {
			byASN[g.asnOf(x.id, out)] = append(byASN[g.asnOf(x.id, out)], x)
		}
		keys := slices.Sorted(maps.Keys(byASN))
		slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(len(byASN[b]), len(byASN[a])) })
		var rest []src
		groups := 0
		for _, k := range keys {
			if k == "" || len(byASN[k]) < 3 || groups == 20 {
				rest = append(rest, byASN[k]...)
				continue
			}
			groups++
			asn := g.index[k]
			group("agg:"+role+":"+k, NodeAggregate, fmt.Sprintf("%s %s sources in %s", commas(len(byASN[k])), RoleShort(role), asn.Label), role, byASN[k])
		}
		if len(rest) > 0 {
			label := fmt.Sprintf("%s %s sources", commas(len(rest)), RoleShort(role))
			if groups > 0 {
				label += " in other networks"
			}
			group("agg:"+role+":rest", NodeAggregate, label, role, rest)
		}
	}

	// The evidence and the other indicators, as themselves.
	for _, n := range g.Nodes {
		if _, done := rep[n.ID]; done {
			continue
		}
		switch {
		case n.Kind == NodeArtefact || n.Kind == NodeDataset:
			if o.Kinds[n.Kind] {
				self(n)
			}
		case indicatorKinds[n.Kind] && g.index["hypothesis:"+n.Label] == nil:
			if o.Kinds[n.Kind] {
				self(n)
			}
		}
	}
	// An unfolded source shows what it rests on, two steps out.
	for id := range o.Expand {
		if n := v.index[id]; n == nil || n.Attrs["role"] == "" || n.Kind == NodeAggregate || n.Kind == NodeCampaign {
			continue
		}
		g.unfold(id, out, in, func(n *Node) {
			if _, ok := rep[n.ID]; !ok {
				self(n)
			}
		})
	}

	// Edges: each case-graph edge between drawn nodes, and the paths
	// through the folded event groups and observations, counted.
	add := func(from, to, kind string, cites []string, n int) {
		if from == "" || to == "" || from == to {
			return
		}
		e := v.edge(from, to, kind, cites...)
		e.Count += n
	}
	for _, e := range g.Edges {
		from, to := rep[e.From], rep[e.To]
		if from != "" && to != "" {
			add(from, to, e.Kind, e.Cites, 1)
			continue
		}
		tk := g.index[e.To]
		switch {
		case e.Kind == EdgeSeenIn && from != "" && tk != nil && tk.Kind == NodeEvents:
			for _, p := range out[e.To] {
				if p.Kind == EdgeParsedFrom {
					add(from, rep[p.To], EdgeSeenIn, e.Cites, int(tk.Weight))
				}
			}
		case e.Kind == EdgeObservedBy && from != "" && tk != nil && tk.Kind == NodeObservation:
			for _, p := range out[e.To] {
				if p.Kind == EdgeRecordedFrom {
					add(from, rep[p.To], EdgeObservedBy, e.Cites, 1)
				}
			}
		}
	}
	// A dataset nothing drawn points to says nothing here.
	linked := map[string]bool{}
	for _, e := range v.Edges {
		linked[e.From], linked[e.To] = true, true
	}
	kept := v.Nodes[:0]
	for _, n := range v.Nodes {
		if n.Kind == NodeDataset && !linked[n.ID] {
			delete(v.index, n.ID)
			continue
		}
		kept = append(kept, n)
	}
	v.Nodes = kept
	v.sort()
	return v, st
}

// keeps applies the role, time and campaign filters to a source.
func (o *OverviewOptions) keeps(s *attrib.Source) bool {
	if len(o.Roles) > 0 && !o.Roles[s.Role] {
		return false
	}
	if o.Campaign != "" && s.Campaign != o.Campaign {
		return false
	}
	if !o.From.IsZero() || !o.To.IsZero() {
		if s.FirstSeen == nil || s.LastSeen == nil {
			return false
		}
		if !o.From.IsZero() && s.LastSeen.Before(o.From) || !o.To.IsZero() && s.FirstSeen.After(o.To) {
			return false
		}
	}
	return true
}

// asnOf is the autonomous system node a source belongs to (directly or
// through its network), or "".
func (g *Graph) asnOf(id string, out map[string][]*Edge) string {
	for _, e := range out[id] {
		if e.Kind != EdgeBelongsTo {
			continue
		}
		if n := g.index[e.To]; n != nil && n.Kind == NodeASN {
			return n.ID
		}
		for _, e2 := range out[e.To] {
			if n := g.index[e2.To]; e2.Kind == EdgeBelongsTo && n != nil && n.Kind == NodeASN {
				return n.ID
			}
		}
	}
	return ""
}

// unfold calls add for what a source rests on: the nodes two steps out,
// never through another source.
func (g *Graph) unfold(id string, out, in map[string][]*Edge, add func(*Node)) {
	seen := map[string]bool{id: true}
	front := []string{id}
	for step := 0; step < 2; step++ {
		var next []string
		for _, f := range front {
			for _, es := range [][]*Edge{out[f], in[f]} {
				for _, e := range es {
					o := e.To
					if o == f {
						o = e.From
					}
					n := g.index[o]
					if seen[o] || n == nil || indicatorKinds[n.Kind] && g.index["hypothesis:"+n.Label] != nil {
						continue
					}
					seen[o] = true
					add(n)
					next = append(next, o)
				}
			}
		}
		front = next
	}
}

// commas writes n with thousands separators: 1,900.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
