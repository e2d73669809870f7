package sigma

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxValues bounds the values of one field in one selection.
const MaxValues = 10000

// parseDetection compiles the detection block: named selections, the
// condition and the timeframe.
func parseDetection(name string, r *Rule, det *yaml.Node) error {
	bad := func(at *yaml.Node, format string, a ...any) error {
		return &Error{File: name, Line: at.Line, Msg: "detection: " + fmt.Sprintf(format, a...)}
	}
	if det.Kind != yaml.MappingNode {
		return bad(det, "want a mapping of selections and a condition")
	}
	sels := map[string]node{}
	var order []string
	var condNodes []*yaml.Node
	var tf time.Duration
	var tfNode *yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		switch k.Value {
		case "condition":
			if v.Kind == yaml.SequenceNode {
				condNodes = append(condNodes, v.Content...)
			} else {
				condNodes = append(condNodes, v)
			}
		case "timeframe":
			s, err := scalar(name, v)
			if err != nil {
				return err
			}
			if tf, err = parseDuration(s); err != nil {
				return bad(v, "timeframe: %v", err)
			}
			tfNode = v
		default:
			if _, dup := sels[k.Value]; dup {
				return bad(k, "selection %q given twice", k.Value)
			}
			if !identRe.MatchString(k.Value) {
				return bad(k, "selection name %q: use letters, digits and _ only", k.Value)
			}
			m, err := parseSelection(name, v)
			if err != nil {
				return err
			}
			sels[k.Value] = m
			order = append(order, k.Value)
		}
	}
	if len(condNodes) == 0 {
		return bad(det, "no condition")
	}
	var alts []node
	for _, cn := range condNodes {
		s, err := scalar(name, cn)
		if err != nil {
			return err
		}
		c, agg, err := parseCondition(s, sels, order)
		if err != nil {
			return bad(cn, "condition %q: %v", s, err)
		}
		if agg != nil {
			if len(condNodes) > 1 {
				return bad(cn, "an aggregation needs a single condition")
			}
			agg.window = tf
			r.agg = agg
		}
		alts = append(alts, c)
	}
	if tfNode != nil && r.agg == nil {
		return bad(tfNode, "timeframe without an aggregation (\"| count() by … >= N\")")
	}
	if len(alts) == 1 {
		r.cond = alts[0]
	} else {
		r.cond = orNode(alts)
	}
	if r.agg != nil && r.agg.fn == "beacon" {
		if r.jit == 0 {
			r.jit = 0.2
		}
		if r.minIv == 0 {
			r.minIv = 10 * time.Second
		}
	}
	return nil
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseSelection compiles one named selection: a mapping (all its fields
// must match), a list of mappings (any of them), or a list of keywords
// (any of them in any field).
func parseSelection(name string, v *yaml.Node) (node, error) {
	switch v.Kind {
	case yaml.MappingNode:
		return parseMap(name, v)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, &Error{File: name, Line: v.Line, Msg: "detection: empty selection"}
		}
		if v.Content[0].Kind == yaml.MappingNode {
			alts := make(orNode, 0, len(v.Content))
			for _, c := range v.Content {
				if c.Kind != yaml.MappingNode {
					return nil, &Error{File: name, Line: c.Line, Msg: "detection: a list of field maps cannot mix in other values"}
				}
				m, err := parseMap(name, c)
				if err != nil {
					return nil, err
				}
				alts = append(alts, m)
			}
			return alts, nil
		}
		vals, err := values(name, v)
		if err != nil {
			return nil, err
		}
		return keywordsNode(name, v, vals)
	case yaml.ScalarNode:
		return keywordsNode(name, v, []*yaml.Node{v})
	}
	return nil, &Error{File: name, Line: v.Line, Msg: "detection: a selection is a field map, a list of field maps or a list of keywords"}
}

func keywordsNode(name string, at *yaml.Node, vals []*yaml.Node) (node, error) {
	k := &keywords{}
	for _, v := range vals {
		p, err := compileValue(v.Value, "contains", false)
		if err != nil {
			return nil, &Error{File: name, Line: v.Line, Msg: "detection: " + err.Error()}
		}
		k.pats = append(k.pats, p)
	}
	return k, nil
}

func values(name string, v *yaml.Node) ([]*yaml.Node, error) {
	if v.Kind == yaml.ScalarNode {
		return []*yaml.Node{v}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, &Error{File: name, Line: v.Line, Msg: "detection: want a value or a list of values"}
	}
	if len(v.Content) > MaxValues {
		return nil, &Error{File: name, Line: v.Line, Msg: fmt.Sprintf("detection: more than %d values", MaxValues)}
	}
	for _, c := range v.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, &Error{File: name, Line: c.Line, Msg: "detection: want a single value here"}
		}
	}
	return v.Content, nil
}

func parseMap(name string, v *yaml.Node) (node, error) {
	if len(v.Content) == 0 {
		return nil, &Error{File: name, Line: v.Line, Msg: "detection: empty field map"}
	}
	all := make(andNode, 0, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		f, err := parseField(name, k, x)
		if err != nil {
			return nil, err
		}
		all = append(all, f)
	}
	return all, nil
}

// modifiers Casefile supports; others are an error, never ignored.
var knownMods = map[string]bool{"contains": true, "startswith": true, "endswith": true, "re": true, "all": true,
	"cidr": true, "exists": true, "cased": true, "lt": true, "lte": true, "gt": true, "gte": true,
	"i": true, "m": true, "s": true}

func parseField(name string, k, x *yaml.Node) (node, error) {
	bad := func(at *yaml.Node, format string, a ...any) error {
		return &Error{File: name, Line: at.Line, Msg: "detection: " + fmt.Sprintf(format, a...)}
	}
	parts := strings.Split(k.Value, "|")
	fname := parts[0]
	if fname == "" {
		return nil, bad(k, "field name missing in %q", k.Value)
	}
	f := &fieldMatch{name: canonicalField(fname)}
	kind, mods := "", map[string]bool{}
	for _, m := range parts[1:] {
		if !knownMods[m] {
			return nil, bad(k, "modifier %q is not supported (supported: contains, startswith, endswith, re, all, cidr, exists, cased, lt, lte, gt, gte)", m)
		}
		if mods[m] {
			return nil, bad(k, "modifier %q given twice", m)
		}
		mods[m] = true
		switch m {
		case "contains", "startswith", "endswith", "re", "cidr", "exists", "lt", "lte", "gt", "gte":
			if kind != "" {
				return nil, bad(k, "modifiers %q and %q cannot be combined", kind, m)
			}
			kind = m
		}
	}
	if (mods["i"] || mods["m"] || mods["s"]) && kind != "re" {
		return nil, bad(k, "the i, m and s modifiers need re")
	}
	f.all = mods["all"]
	if x.Kind == yaml.ScalarNode && x.Tag == "!!null" {
		if kind != "" || f.all {
			return nil, bad(x, "null cannot be used with modifiers")
		}
		f.empty = true
		return f, nil
	}
	vals, err := values(name, x)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, bad(x, "empty list of values")
	}
	if kind == "exists" {
		if len(vals) != 1 || (vals[0].Value != "true" && vals[0].Value != "false") {
			return nil, bad(x, "exists wants true or false")
		}
		f.exists = vals[0].Value == "true"
		f.existsSet = true
		return f, nil
	}
	for _, v := range vals {
		if v.Tag == "!!null" {
			return nil, bad(v, "null inside a list of values is not supported")
		}
		var p pattern
		switch kind {
		case "re":
			flags := ""
			for _, fl := range []string{"i", "m", "s"} {
				if mods[fl] {
					flags += fl
				}
			}
			if flags != "" {
				flags = "(?" + flags + ")"
			}
			re, err := regexp.Compile(flags + v.Value)
			if err != nil {
				return nil, bad(v, "re %q: %v", v.Value, err)
			}
			p = pattern{kind: pRegexp, re: re}
		case "cidr":
			pf, err := netip.ParsePrefix(v.Value)
			if err != nil {
				return nil, bad(v, "cidr %q: %v", v.Value, err)
			}
			p = pattern{kind: pCIDR, prefix: pf.Masked()}
		case "lt", "lte", "gt", "gte":
			n, err := strconv.ParseFloat(v.Value, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, bad(v, "%s wants a number, not %q", kind, v.Value)
			}
			p = pattern{kind: pNumber, op: kind, num: n}
		default:
			p, err = compileValue(v.Value, kind, mods["cased"])
			if err != nil {
				return nil, bad(v, "%v", err)
			}
		}
		f.pats = append(f.pats, p)
	}
	f.optimise()
	return f, nil
}
