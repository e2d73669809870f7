package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// MaxCondition bounds a condition's length and nesting.
const (
	MaxCondition = 4096
	maxDepth     = 64
)

// quantNode is "1 of pattern" (any) or "all of pattern".
type quantNode struct {
	of  []node
	all bool
}

func (q *quantNode) eval(c *evalCtx) bool {
	for _, n := range q.of {
		if n.eval(c) != q.all {
			return !q.all
		}
	}
	return q.all
}

// aggregation is the part after "|": count() or count(field) or beacon(),
// grouped by fields, compared with a number.
type aggregation struct {
	fn       string // "count" or "beacon"
	distinct string // count(field): distinct values of the field
	dIdx     int
	by       []string
	byIdx    []int
	op       string
	n        float64
	window   time.Duration
}

// fires reports whether a count satisfies the comparison.
func (a *aggregation) fires(n int64) bool {
	x := float64(n)
	switch a.op {
	case ">":
		return x > a.n
	case ">=":
		return x >= a.n
	case "<":
		return x < a.n
	case "<=":
		return x <= a.n
	}
	return x == a.n
}

type tokenizer struct {
	toks []string
	pos  int
}

func tokenize(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '|' || c == ',':
			out = append(out, s[i:i+1])
			i++
		case c == '>' || c == '<' || c == '=' || c == '!':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		case c == '_' || c == '*' || c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '*' || s[j] == '.' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at column %d", c, i+1)
		}
	}
	return out, nil
}

func (t *tokenizer) peek() string {
	if t.pos < len(t.toks) {
		return t.toks[t.pos]
	}
	return ""
}

func (t *tokenizer) next() string {
	s := t.peek()
	if t.pos < len(t.toks) {
		t.pos++
	}
	return s
}

type condParser struct {
	tokenizer
	sels  map[string]node
	order []string
	depth int
	used  map[string]bool
}

// parseCondition compiles a condition over the named selections.
func parseCondition(s string, sels map[string]node, order []string) (node, *aggregation, error) {
	if len(s) > MaxCondition {
		return nil, nil, fmt.Errorf("longer than %d characters", MaxCondition)
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, nil, err
	}
	p := &condParser{tokenizer: tokenizer{toks: toks}, sels: sels, order: order, used: map[string]bool{}}
	n, err := p.expr()
	if err != nil {
		return nil, nil, err
	}
	var agg *aggregation
	if p.peek() == "|" {
		p.next()
		if agg, err = p.aggregation(); err != nil {
			return nil, nil, err
		}
	}
	if p.peek() != "" {
		return nil, nil, fmt.Errorf("unexpected %q", p.peek())
	}
	return n, agg, nil
}

func (p *condParser) expr() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	alts := orNode{left}
	for strings.EqualFold(p.peek(), "or") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		alts = append(alts, r)
	}
	if len(alts) == 1 {
		return left, nil
	}
	return alts, nil
}

func (p *condParser) and() (node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	all := andNode{left}
	for strings.EqualFold(p.peek(), "and") {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	if len(all) == 1 {
		return left, nil
	}
	return all, nil
}

func (p *condParser) unary() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	t := p.next()
	switch low := strings.ToLower(t); {
	case low == "not":
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case t == "(":
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return n, nil
	case low == "1" || low == "all" || low == "any":
		if !strings.EqualFold(p.next(), "of") {
			return nil, fmt.Errorf("want \"%s of …\"", t)
		}
		return p.quantifier(low == "all")
	case t == "":
		return nil, fmt.Errorf("ends too early")
	case low == "and" || low == "or" || low == "of" || low == "them" || t == ")" || t == "|":
		return nil, fmt.Errorf("unexpected %q", t)
	}
	n, ok := p.sels[t]
	if !ok {
		return nil, fmt.Errorf("no selection named %q", t)
	}
	return n, nil
}

func (p *condParser) quantifier(all bool) (node, error) {
	pat := p.next()
	if pat == "" || pat == "(" || pat == ")" || pat == "|" {
		return nil, fmt.Errorf("\"of\" wants a selection pattern or them")
	}
	q := &quantNode{all: all}
	for _, name := range p.order {
		var ok bool
		if strings.EqualFold(pat, "them") {
			ok = !strings.HasPrefix(name, "_")
		} else {
			ok, _ = path.Match(pat, name)
		}
		if ok {
			q.of = append(q.of, p.sels[name])
		}
	}
	if len(q.of) == 0 {
		return nil, fmt.Errorf("no selection matches %q", pat)
	}
	return q, nil
}

func (p *condParser) aggregation() (*aggregation, error) {
	a := &aggregation{fn: strings.ToLower(p.next())}
	if a.fn != "count" && a.fn != "beacon" {
		return nil, fmt.Errorf("aggregation %q: want count() or beacon()", a.fn)
	}
	if p.next() != "(" {
		return nil, fmt.Errorf("want %s(", a.fn)
	}
	if t := p.peek(); t != ")" {
		if a.fn == "beacon" || !isField(t) {
			return nil, fmt.Errorf("%s(): unexpected %q", a.fn, t)
		}
		a.distinct = canonicalField(p.next())
	}
	if p.next() != ")" {
		return nil, fmt.Errorf("missing ) after %s(", a.fn)
	}
	if strings.EqualFold(p.peek(), "by") {
		p.next()
		for {
			t := p.next()
			if !isField(t) {
				return nil, fmt.Errorf("by: want a field name, not %q", t)
			}
			a.by = append(a.by, canonicalField(t))
			if p.peek() != "," {
				break
			}
			p.next()
		}
	}
	switch a.op = p.next(); a.op {
	case ">", ">=", "<", "<=", "=", "==":
	default:
		return nil, fmt.Errorf("aggregation: want a comparison (> >= < <= ==) and a number, not %q", a.op)
	}
	n, err := strconv.ParseFloat(p.next(), 64)
	if err != nil || n < 0 || n > 1e12 {
		return nil, fmt.Errorf("aggregation: want a number after %s", a.op)
	}
	a.n = n
	if a.fn == "beacon" && a.op != ">=" && a.op != ">" {
		return nil, fmt.Errorf("beacon() wants >= N or > N (the number of regular contacts)")
	}
	return a, nil
}

func isField(t string) bool {
	if t == "" || t == "(" || t == ")" || t == "," || t == "|" {
		return false
	}
	return !strings.ContainsAny(t, "*<>=!")
}
