package graph

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteJSON writes {"nodes": […], "edges": […]}.
func (g *Graph) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(g)
}

var dotShapes = map[string]string{
	NodeArtefact: "note", NodeDataset: "cylinder", NodeEvents: "box", NodeObservation: "component",
	NodeNetwork: "hexagon", NodeASN: "hexagon", NodeOrg: "house", NodeHypothesis: "octagon", NodeCampaign: "doubleoctagon",
}

var dotColours = map[string]string{
	NodeArtefact: "#dbe7f3", NodeDataset: "#e4e0f0", NodeEvents: "#f2f2f2", NodeObservation: "#eef4e6",
	NodeNetwork: "#fbeed5", NodeASN: "#fbeed5", NodeOrg: "#fbeed5", NodeHypothesis: "#fde2e2", NodeCampaign: "#fde2e2",
}

// dotQuote quotes s as a DOT string: backslashes and quotes escaped,
// control characters dropped.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteDOT writes the graph for Graphviz (`dot -Tsvg`).
func (g *Graph) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph casefile {")
	fmt.Fprintln(bw, `  graph [rankdir=LR, fontname="Helvetica", overlap=false];`)
	fmt.Fprintln(bw, `  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="#ffffff"];`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=8, color="#666666"];`)
	for _, n := range g.Nodes {
		shape := dotShapes[n.Kind]
		if shape == "" {
			shape = "ellipse"
		}
		fill := dotColours[n.Kind]
		if fill == "" {
			fill = "#fff7d6"
		}
		fmt.Fprintf(bw, "  %s [label=%s, shape=%s, fillcolor=%s, tooltip=%s%s];\n",
			dotQuote(n.ID), dotQuote(n.Kind+"\n"+clip(n.Label, 60)), shape, dotQuote(fill), dotQuote(n.Why), dotNodeStyle(n))
	}
	for _, e := range g.Edges {
		label, style := e.Kind, ""
		if e.Label != "" {
			label = e.Label
		}
		switch {
		case e.Shadowed:
			style = `, style=dashed, color="#aaaaaa", fontcolor="#888888"`
		case e.Nats > 0:
			style = fmt.Sprintf(`, color="#1a7f37", penwidth=%.1f`, 1+e.Nats)
		case e.Nats < 0:
			style = fmt.Sprintf(`, color="#b42318", penwidth=%.1f`, 1-e.Nats)
		}
		fmt.Fprintf(bw, "  %s -> %s [label=%s%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(label), style)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// dotNodeStyle greys a factor that moves no role and outlines the chosen
// hypothesis, as the workbench does.
func dotNodeStyle(n *Node) string {
	switch {
	case n.Kind == NodeFactor && n.Attrs["diagnostic"] == "false":
		return `, fontcolor="#888888", color="#aaaaaa", fillcolor="#f4f4f4", style="filled,dashed"`
	case n.Kind == NodeHypothesis && n.Attrs["chosen"] == "true":
		return `, penwidth=3`
	}
	return ""
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// WriteGraphML writes the graph as GraphML (Gephi, yEd, NetworkX).
func (g *Graph) WriteGraphML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	bw.WriteString(`<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">` + "\n")
	attrKeys := map[string]bool{}
	for _, n := range g.Nodes {
		for k := range n.Attrs {
			attrKeys[k] = true
		}
	}
	var extra []string
	for k := range attrKeys {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range []string{"kind", "label", "why", "cites", "group"} {
		fmt.Fprintf(bw, `  <key id="n_%s" for="node" attr.name="%s" attr.type="string"/>`+"\n", k, k)
	}
	fmt.Fprintln(bw, `  <key id="n_weight" for="node" attr.name="weight" attr.type="long"/>`)
	for _, k := range extra {
		fmt.Fprintf(bw, `  <key id="a_%s" for="node" attr.name="%s" attr.type="string"/>`+"\n", xmlEsc(k), xmlEsc(k))
	}
	fmt.Fprintln(bw, `  <key id="e_kind" for="edge" attr.name="kind" attr.type="string"/>`)
	fmt.Fprintln(bw, `  <key id="e_cites" for="edge" attr.name="cites" attr.type="string"/>`)
	fmt.Fprintln(bw, `  <key id="e_label" for="edge" attr.name="label" attr.type="string"/>`)
	fmt.Fprintln(bw, `  <key id="e_role" for="edge" attr.name="role" attr.type="string"/>`)
	fmt.Fprintln(bw, `  <key id="e_nats" for="edge" attr.name="nats" attr.type="double"/>`)
	fmt.Fprintln(bw, `  <key id="e_shadowed" for="edge" attr.name="shadowed" attr.type="boolean"/>`)
	fmt.Fprintln(bw, `  <graph id="casefile" edgedefault="directed">`)
	for _, n := range g.Nodes {
		fmt.Fprintf(bw, `    <node id="%s">`, xmlEsc(n.ID))
		data := func(k, v string) {
			if v != "" {
				fmt.Fprintf(bw, `<data key="%s">%s</data>`, k, xmlEsc(v))
			}
		}
		data("n_kind", n.Kind)
		data("n_label", n.Label)
		data("n_why", n.Why)
		data("n_cites", strings.Join(n.Cites, " "))
		data("n_group", n.Group)
		data("n_weight", fmt.Sprint(n.Weight))
		for _, k := range extra {
			data("a_"+xmlEsc(k), n.Attrs[k])
		}
		bw.WriteString("</node>\n")
	}
	for i, e := range g.Edges {
		fmt.Fprintf(bw, `    <edge id="e%d" source="%s" target="%s"><data key="e_kind">%s</data><data key="e_cites">%s</data>`,
			i, xmlEsc(e.From), xmlEsc(e.To), xmlEsc(e.Kind), xmlEsc(strings.Join(e.Cites, " ")))
		if e.Label != "" {
			fmt.Fprintf(bw, `<data key="e_label">%s</data><data key="e_role">%s</data><data key="e_nats">%s</data><data key="e_shadowed">%t</data>`,
				xmlEsc(e.Label), xmlEsc(e.Role), strconv.FormatFloat(e.Nats, 'f', -1, 64), e.Shadowed)
		}
		bw.WriteString("</edge>\n")
	}
	bw.WriteString("  </graph>\n</graphml>\n")
	return bw.Flush()
}

func xmlEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xfffe || r == 0xffff {
			return -1 // not allowed in XML 1.0
		}
		return r
	}, s)))
	return b.String()
}
