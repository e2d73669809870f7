package ui

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// The explanation of one source, shown on its page as a graph (an SVG laid
// out here, so it needs no script and no network) and as a list, its text
// alternative. Both are drawn from graph.Explain, the structure that
// `casefile graph --source` writes.

//go:embed templates/explanation.tmpl
var explanationTmpl string

var explanationT = template.Must(template.New("explanation").Funcs(templateFuncs()).Parse(explanationTmpl))

type explainView struct {
	Indicator string
	Static    string // cache-busting version of the assets
	SVG       svgView
	Hyps      []hypRow
	Factors   []factorItem
	Campaign  *campaignItem
}

type hypRow struct {
	Role                        string
	Prior, Factors, Score, Prob float64
	Chosen, Reference           bool
}

type factorItem struct {
	Anchor     string
	Text       string
	Diagnostic bool
	Weights    []weightItem
	Evidence   []linkItem
	More       int64
}

type weightItem struct {
	Role     string
	Words    string
	Nats     float64
	Shadowed bool
}

type linkItem struct{ Label, Href string }

type campaignItem struct {
	ID, Label string
	Members   []memberItem
	More      int
}

type memberItem struct{ Indicator, Role string }

// explanation renders the explanation of s, or a line saying why it is
// missing: the page must not fail for want of its graph.
func (h *handler) explanation(ctx context.Context, res *attrib.Result, s *attrib.Source) template.HTML {
	g, err := graph.Explain(h.s.c.Case, res, attrib.DefaultModel(), s.Indicator)
	if err != nil {
		h.s.log.Error("explanation graph", "indicator", s.Indicator, "err", err)
		return template.HTML(`<p class="error">The explanation graph could not be drawn: ` + template.HTMLEscapeString(err.Error()) + `</p>`)
	}
	v := explainOf(g, s)
	v.Static = h.s.static.version
	var b bytes.Buffer
	if err := explanationT.Execute(&b, v); err != nil {
		h.s.log.Error("explanation template", "err", err)
		return ""
	}
	return template.HTML(b.String())
}

// explainOf turns the explanation graph into the rows of the list and the
// boxes and lines of the drawing.
func explainOf(g *graph.Graph, s *attrib.Source) *explainView {
	v := &explainView{Indicator: s.Indicator}
	out := map[string][]*graph.Edge{}
	for _, e := range g.Edges {
		out[e.From] = append(out[e.From], e)
	}
	for _, role := range attrib.Roles() {
		n := g.Node("hypothesis:" + role)
		if n == nil {
			continue
		}
		r := hypRow{Role: role, Chosen: n.Attrs["chosen"] == "true", Reference: role == attrib.Undetermined}
		r.Prior, _ = strconv.ParseFloat(n.Attrs["prior_nats"], 64)
		r.Factors, _ = strconv.ParseFloat(n.Attrs["factor_nats"], 64)
		r.Score, _ = strconv.ParseFloat(n.Attrs["score_nats"], 64)
		r.Prob, _ = strconv.ParseFloat(n.Attrs["probability"], 64)
		v.Hyps = append(v.Hyps, r)
	}
	// The heaviest side first.
	slices.SortStableFunc(v.Hyps, func(a, b hypRow) int { return cmp.Compare(b.Score, a.Score) })
	for i, id := range graph.FactorIDs(s) {
		n := g.Node(id)
		if n == nil {
			continue
		}
		f := factorItem{Anchor: "f-" + strings.NewReplacer(":", "-", "#", "-").Replace(id), Text: n.Label,
			Diagnostic: n.Attrs["diagnostic"] == "true", More: s.Factors[i].EvidenceN - int64(len(s.Factors[i].Evidence))}
		for _, e := range out[id] {
			switch e.Kind {
			case graph.EdgeWeighs:
				f.Weights = append(f.Weights, weightItem{Role: e.Role, Words: e.Label, Nats: e.Nats, Shadowed: e.Shadowed})
			case graph.EdgeRestsOn:
				t := g.Node(e.To)
				l := linkItem{Label: t.Label}
				if len(e.Cites) > 0 {
					l.Href = citeLink(e.Cites[0])["href"]
				}
				f.Evidence = append(f.Evidence, l)
			}
		}
		// Strongest weight first, shadowed ones last.
		slices.SortStableFunc(f.Weights, func(a, b weightItem) int {
			if a.Shadowed != b.Shadowed {
				if a.Shadowed {
					return 1
				}
				return -1
			}
			return cmp.Compare(math.Abs(b.Nats), math.Abs(a.Nats))
		})
		v.Factors = append(v.Factors, f)
	}
	if s.Campaign != "" {
		if n := g.Node("campaign:" + s.Campaign); n != nil {
			c := &campaignItem{ID: s.Campaign, Label: n.Label}
			for _, m := range g.Nodes {
				if m.Group == s.Campaign && m.Kind != graph.NodeCampaign && m.Label != s.Indicator {
					c.Members = append(c.Members, memberItem{Indicator: m.Label, Role: m.Attrs["role"]})
				}
			}
			total, _ := strconv.Atoi(n.Attrs["members_total"])
			c.More = total - 1 - len(c.Members)
			v.Campaign = c
		}
	}
	v.SVG = layoutExplanation(v)
	return v
}

// The drawing: the source on the left, its factors in the middle, the
// hypotheses on the right, heaviest first; a line from each factor to each
// role it moved, green for, red against, its width the nats, dashed when a
// stronger factor of the same family counted instead.

type svgView struct {
	W, H  int
	Boxes []svgBox
	Lines []svgLine
}

type svgBox struct {
	X, Y, W, H int
	Class      string
	Title      string
	Href       string
	Text       []svgText
	Links      []svgLink
}

type svgText struct {
	X, Y  int
	Class string
	S     string
}

type svgLink struct {
	X, Y        int
	Label, Href string
}

type svgLine struct {
	X1, Y1, X2, Y2 int
	Class          string
	Width          string
	Title          string
	LX, LY         int
	Label          string
}

const (
	svgW                  = 1000
	srcX, srcW            = 8, 190
	facX, facW            = 236, 380
	hypX, hypW            = 736, 256
	weightGap             = 14
	lineH, smallH, padTop = 16, 15, 18
	maxTextLines          = 3
	maxEvidence           = 3
)

func layoutExplanation(v *explainView) svgView {
	var sv svgView
	y := 8
	facY := map[int][2]int{} // factor index → top, centre
	for i, f := range v.Factors {
		text := wrapLabel(f.Text, 60, maxTextLines)
		ev := f.Evidence
		more := f.More + int64(max(0, len(ev)-maxEvidence))
		if len(ev) > maxEvidence {
			ev = ev[:maxEvidence]
		}
		h := padTop + lineH*len(text) + smallH*len(ev) + 8
		if more > 0 {
			h += smallH
		}
		b := svgBox{X: facX, Y: y, W: facW, H: h, Class: "factor", Title: f.Text, Href: "#" + f.Anchor}
		if !f.Diagnostic {
			b.Class += " nondiag"
			b.Title += " (not diagnostic: it moves no role)"
		}
		ty := y + padTop
		for _, t := range text {
			b.Text = append(b.Text, svgText{X: facX + 8, Y: ty, S: t})
			ty += lineH
		}
		for _, e := range ev {
			b.Links = append(b.Links, svgLink{X: facX + 14, Y: ty - 1, Label: "↳ " + clipWords(e.Label, 54), Href: e.Href})
			ty += smallH
		}
		if more > 0 {
			b.Text = append(b.Text, svgText{X: facX + 14, Y: ty - 1, Class: "small", S: fmt.Sprintf("and %d more", more)})
		}
		sv.Boxes = append(sv.Boxes, b)
		facY[i] = [2]int{y, y + h/2}
		y += h + 12
	}
	colH := max(y, 5*84)
	// Hypotheses spread over the height of the factor column.
	hypY := map[string]int{}
	step := colH / max(1, len(v.Hyps))
	for i, r := range v.Hyps {
		top := 8 + i*step
		b := svgBox{X: hypX, Y: top, W: hypW, H: 62, Class: "hyp"}
		name := graph.RoleShort(r.Role)
		b.Title = fmt.Sprintf("%s: prior %+.2f nats, factors %+.2f nats, score %+.2f nats, probability %.0f %%", name, r.Prior, r.Factors, r.Score, r.Prob*100)
		head := fmt.Sprintf("%s — %.0f %%", name, r.Prob*100)
		sum := fmt.Sprintf("prior %+.2f + factors %+.2f = %+.2f nats", r.Prior, r.Factors, r.Score)
		if r.Reference {
			sum = "the reference: 0 nats"
		}
		if r.Chosen {
			b.Class += " chosen"
			head = "▶ " + head + " (chosen)"
		}
		b.Text = []svgText{{X: hypX + 8, Y: top + 20, Class: "strong", S: head}, {X: hypX + 8, Y: top + 38, Class: "small", S: sum}}
		// A bar for the probability, so the heaviest side shows at a glance.
		sv.Boxes = append(sv.Boxes, b)
		sv.Boxes = append(sv.Boxes, svgBox{X: hypX + 8, Y: top + 46, W: int(math.Round(float64(hypW-16) * r.Prob)), H: 8, Class: "pbar"})
		hypY[r.Role] = top + 31
	}
	// The source, and its campaign folded into one node beneath it.
	srcTop := max(8, colH/2-40)
	src := svgBox{X: srcX, Y: srcTop, W: srcW, H: 0, Class: "source", Title: v.Indicator}
	sy := srcTop + 22
	for _, t := range wrapLabel(v.Indicator, 24, 3) {
		src.Text = append(src.Text, svgText{X: srcX + 10, Y: sy, Class: "strong mono", S: t})
		sy += lineH
	}
	src.Text = append(src.Text, svgText{X: srcX + 10, Y: sy, Class: "small", S: "the source"})
	src.H = sy - srcTop + 10
	sv.Boxes = append(sv.Boxes, src)
	if c := v.Campaign; c != nil {
		cb := svgBox{X: srcX, Y: srcTop + src.H + 24, W: srcW, H: 0, Class: "campaign", Title: c.Label, Href: "#campaign-members"}
		cy := cb.Y + 20
		for _, t := range wrapLabel(c.Label, 28, 4) {
			cb.Text = append(cb.Text, svgText{X: srcX + 10, Y: cy, Class: "small", S: t})
			cy += smallH
		}
		cb.H = cy - cb.Y + 4
		sv.Boxes = append(sv.Boxes, cb)
		sv.Lines = append(sv.Lines, svgLine{X1: srcX + srcW/2, Y1: srcTop + src.H, X2: srcX + srcW/2, Y2: cb.Y, Class: "member", Title: "member of " + c.ID})
		colH = max(colH, cb.Y+cb.H+8)
	}
	srcMid := srcTop + src.H/2
	for i, f := range v.Factors {
		fy := facY[i][1]
		sv.Lines = append(sv.Lines, svgLine{X1: srcX + srcW, Y1: srcMid, X2: facX, Y2: fy, Class: "shows", Title: "shows: " + f.Text})
	}
	for i, f := range v.Factors {
		// Each weight leaves the factor at its own height, labelled
		// there, in the order of the hypotheses it goes to.
		ws := slices.Clone(f.Weights)
		slices.SortStableFunc(ws, func(a, b weightItem) int { return cmp.Compare(hypY[a.Role], hypY[b.Role]) })
		y0 := facY[i][1] - (len(ws)-1)*weightGap/2
		for k, w := range ws {
			hy, ok := hypY[w.Role]
			if !ok {
				continue
			}
			fy := y0 + k*weightGap
			l := svgLine{X1: facX + facW, Y1: fy, X2: hypX, Y2: hy, Title: w.Words,
				Width: strconv.FormatFloat(math.Min(5, 1+math.Abs(w.Nats)), 'f', 1, 64)}
			switch {
			case w.Shadowed:
				l.Class, l.Width = "shadowed", "1"
			case w.Nats > 0:
				l.Class, l.Label = "for", fmt.Sprintf("%+.1f", w.Nats)
			default:
				l.Class, l.Label = "against", fmt.Sprintf("%+.1f", w.Nats)
			}
			l.LX, l.LY = l.X1+4, fy+4
			sv.Lines = append(sv.Lines, l)
		}
	}
	sv.W, sv.H = svgW, colH+8
	return sv
}

// wrapLabel breaks s into at most n lines of about width characters, at
// spaces, or after a dot, colon, slash or hyphen inside a longer token (an
// address or a hash), never in the middle of a word otherwise; what does
// not fit ends in "…" after a whole word.
func wrapLabel(s string, width, n int) []string {
	type token struct {
		s     string
		space bool // a space before it in s
	}
	var toks []token
	for _, w := range strings.Fields(s) {
		first := true
		for len([]rune(w)) > width {
			head := string([]rune(w)[:width])
			cut := strings.LastIndexAny(head, ".:/-") + 1
			if cut <= 0 {
				cut = len(head)
			}
			toks = append(toks, token{w[:cut], first})
			w, first = w[cut:], false
		}
		toks = append(toks, token{w, first})
	}
	var lines []string
	cur := ""
	for _, t := range toks {
		joined := t.s
		if cur != "" && t.space {
			joined = cur + " " + t.s
		} else if cur != "" {
			joined = cur + t.s
		}
		if cur != "" && len([]rune(joined)) > width {
			lines = append(lines, cur)
			if len(lines) == n {
				lines[n-1] += " …"
				return lines
			}
			cur = t.s
			continue
		}
		cur = joined
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// clipWords shortens s to about n characters at a word boundary.
func clipWords(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + " …"
	}
	return string(r) + "…"
}
