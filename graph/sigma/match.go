package sigma

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// node is a compiled piece of a condition.
type node interface {
	eval(c *evalCtx) bool
}

type andNode []node

func (a andNode) eval(c *evalCtx) bool {
	for _, n := range a {
		if !n.eval(c) {
			return false
		}
	}
	return true
}

type orNode []node

func (o orNode) eval(c *evalCtx) bool {
	for _, n := range o {
		if n.eval(c) {
			return true
		}
	}
	return false
}

type notNode struct{ n node }

func (n notNode) eval(c *evalCtx) bool { return !n.n.eval(c) }

const (
	pEqual = iota
	pPrefix
	pSuffix
	pContains
	pGlob
	pRegexp
	pCIDR
	pNumber
)

// pattern is one value of a field: text compared without regard to case
// (unless cased), a regular expression, a network or a number.
type pattern struct {
	kind   int
	lit    string // lower case unless cased
	cased  bool
	re     *regexp.Regexp
	prefix netip.Prefix
	op     string
	num    float64
}

// compileValue turns a Sigma value with its modifier into a pattern.
// Sigma wildcards: * any run, ? one character, \* \? \\ literal.
func compileValue(v, kind string, cased bool) (pattern, error) {
	lit, wild := unescape(v)
	switch kind {
	case "contains":
		lit, wild = "*"+lit+"*", append(append([]bool{true}, wild...), true)
	case "startswith":
		lit, wild = lit+"*", append(wild, true)
	case "endswith":
		lit, wild = "*"+lit, append([]bool{true}, wild...)
	}
	// lit and wild are in bytes of lit: wild[i] says lit[i] is a wildcard.
	inner := 0
	for i, w := range wild {
		if w && i != 0 && i != len(wild)-1 || w && lit[i] == '?' {
			inner++
		}
	}
	low := func(s string) string {
		if cased {
			return s
		}
		return strings.ToLower(s)
	}
	n := len(lit)
	lead := n > 0 && wild[0] && lit[0] == '*'
	trail := n > 1 && wild[n-1] && lit[n-1] == '*'
	if inner == 0 {
		core := lit
		if lead {
			core = core[1:]
		}
		if trail {
			core = core[:len(core)-1]
		}
		switch {
		case lead && trail:
			return pattern{kind: pContains, lit: low(core), cased: cased}, nil
		case lead:
			return pattern{kind: pSuffix, lit: low(core), cased: cased}, nil
		case trail:
			return pattern{kind: pPrefix, lit: low(core), cased: cased}, nil
		}
		return pattern{kind: pEqual, lit: core, cased: cased}, nil
	}
	var b strings.Builder
	if !cased {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteByte('^')
	for i := 0; i < n; i++ {
		switch {
		case wild[i] && lit[i] == '*':
			b.WriteString(".*")
		case wild[i] && lit[i] == '?':
			b.WriteByte('.')
		default:
			b.WriteString(regexp.QuoteMeta(lit[i : i+1]))
		}
	}
	b.WriteByte('$')
	re, err := regexp.Compile(b.String())
	if err != nil {
		return pattern{}, fmt.Errorf("value %q: %v", v, err)
	}
	return pattern{kind: pGlob, re: re}, nil
}

// unescape resolves Sigma escapes; wild marks the bytes that are wildcards.
func unescape(v string) (string, []bool) {
	var b []byte
	var wild []bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && (v[i+1] == '*' || v[i+1] == '?' || v[i+1] == '\\') {
			b, wild = append(b, v[i+1]), append(wild, false)
			i++
			continue
		}
		b, wild = append(b, c), append(wild, c == '*' || c == '?')
	}
	return string(b), wild
}

// match reports whether one field value matches the pattern. low is the
// value in lower case (the same string when it has no upper case).
func (p *pattern) match(raw string, low func() string) bool {
	switch p.kind {
	case pEqual:
		if p.cased {
			return raw == p.lit
		}
		return strings.EqualFold(raw, p.lit)
	case pPrefix, pSuffix, pContains:
		s := raw
		if !p.cased {
			s = low()
		}
		switch p.kind {
		case pPrefix:
			return strings.HasPrefix(s, p.lit)
		case pSuffix:
			return strings.HasSuffix(s, p.lit)
		}
		return strings.Contains(s, p.lit)
	case pGlob, pRegexp:
		return p.re.MatchString(raw)
	case pCIDR:
		a, err := netip.ParseAddr(raw)
		return err == nil && p.prefix.Contains(a.Unmap())
	case pNumber:
		x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return false
		}
		switch p.op {
		case "lt":
			return x < p.num
		case "lte":
			return x <= p.num
		case "gt":
			return x > p.num
		}
		return x >= p.num
	}
	return false
}

// multiContains finds any of several lower-case needles in one pass over
// the field: a bitmap of the needles' first two bytes says where one may
// start. With ASCII needles it folds ASCII case itself and reads the field
// as it is; otherwise it needs the field in lower case.
type multiContains struct {
	pairs  [1024]uint64 // bit b0<<8|b1 set: some needle starts with b0 b1
	byPair map[uint16][]string
	single [256]bool // one-byte needles
	empty  bool      // an empty needle matches everything
	ascii  bool
}

func newMultiContains(needles []string) *multiContains {
	m := &multiContains{byPair: map[uint16][]string{}, ascii: true}
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			if n[i] >= 0x80 {
				m.ascii = false
			}
		}
		switch len(n) {
		case 0:
			m.empty = true
		case 1:
			m.single[n[0]] = true
		default:
			k := uint16(n[0])<<8 | uint16(n[1])
			m.pairs[k>>6] |= 1 << (k & 63)
			m.byPair[k] = append(m.byPair[k], n)
		}
	}
	return m
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold: s starts with n (lower-case ASCII), ignoring ASCII case.
func hasPrefixFold(s, n string) bool {
	if len(s) < len(n) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if lowerASCII(s[i]) != n[i] {
			return false
		}
	}
	return true
}

// match reports whether s contains a needle; raw is the field as it is,
// low gives it in lower case.
func (m *multiContains) match(raw string, low func() string) bool {
	if m.empty {
		return true
	}
	s, fold := raw, m.ascii
	if !fold {
		s = low()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if fold {
			c = lowerASCII(c)
		}
		if m.single[c] {
			return true
		}
		if i+1 == len(s) {
			break
		}
		d := s[i+1]
		if fold {
			d = lowerASCII(d)
		}
		k := uint16(c)<<8 | uint16(d)
		if m.pairs[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		for _, n := range m.byPair[k] {
			if fold && hasPrefixFold(s[i:], n) || !fold && strings.HasPrefix(s[i:], n) {
				return true
			}
		}
	}
	return false
}

// minMulti is the number of contains values from which one pass over the
// field beats one search per value.
const minMulti = 4

// optimise moves the case-insensitive contains values of an "any of" list
// into one multiContains.
func (f *fieldMatch) optimise() {
	if f.all {
		return
	}
	var needles []string
	var rest []pattern
	for _, p := range f.pats {
		if p.kind == pContains && !p.cased {
			needles = append(needles, p.lit)
		} else {
			rest = append(rest, p)
		}
	}
	if len(needles) >= minMulti {
		f.multi, f.pats = newMultiContains(needles), rest
	}
}

// fieldMatch is "field|modifiers: values".
type fieldMatch struct {
	name      string
	idx       int // into the engine's field table
	multi     *multiContains
	pats      []pattern
	all       bool
	empty     bool // field: null — absent or empty
	exists    bool
	existsSet bool
}

func (f *fieldMatch) eval(c *evalCtx) bool {
	raw := c.raw(f.idx)
	switch {
	case f.empty:
		return raw == ""
	case f.existsSet:
		return (raw != "") == f.exists
	}
	if raw == "" { // only field: '' matches an empty or absent field
		for i := range f.pats {
			if f.pats[i].kind == pEqual && f.pats[i].lit == "" {
				return true
			}
		}
		return false
	}
	low := func() string { return c.lower(f.idx) }
	if f.multi != nil && f.multi.match(raw, low) {
		return true
	}
	if f.all {
		for i := range f.pats {
			if !f.pats[i].match(raw, low) {
				return false
			}
		}
		return true
	}
	for i := range f.pats {
		if f.pats[i].match(raw, low) {
			return true
		}
	}
	return false
}

// keywords match any field of the event (Sigma's full-text search).
type keywords struct{ pats []pattern }

func (k *keywords) eval(c *evalCtx) bool {
	for i := range k.pats {
		p := &k.pats[i]
		hit := false
		c.eachValue(func(v string) bool {
			if p.match(v, func() string { return strings.ToLower(v) }) {
				hit = true
				return false
			}
			return true
		})
		if hit {
			return true
		}
	}
	return false
}

// walk calls fn for every field match in the tree.
func walk(n node, fn func(*fieldMatch)) {
	switch x := n.(type) {
	case andNode:
		for _, c := range x {
			walk(c, fn)
		}
	case orNode:
		for _, c := range x {
			walk(c, fn)
		}
	case notNode:
		walk(x.n, fn)
	case *fieldMatch:
		fn(x)
	case *quantNode:
		for _, c := range x.of {
			walk(c, fn)
		}
	}
}
