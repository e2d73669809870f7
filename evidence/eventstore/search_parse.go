package eventstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/parse"
)

// SearchQuery is a parsed search: every clause must hold (AND), within the
// time range. The syntax:
//
//	word              a word of the event's text (case-insensitive; a dotted
//	                  word such as 10.0.0.1 or www.example.com is one word)
//	"a phrase"        these words, in this order, in one text value
//	field:value       a field equal to value (case-insensitive): kind,
//	                  action, outcome, src, dst, user, dst_port,
//	                  host, status, method, signature (rule), url, and any
//	                  key of the event's fields; field:"a value" quotes it
//	artefact:HEX      events of that artefact (sha256, or a prefix of it)
//	parser:NAME       events read by that parser (openssh, zeek, …)
//	indicator:X       events that mention the indicator X (an address is
//	                  normalised), as `casefile events --indicator` lists
//	-clause           negation
//	after:T before:T  time range, after inclusive, before exclusive (UTC;
//	                  2024-01-01, 2024-01-01T10:00, or RFC 3339)
type SearchQuery struct {
	Text          string // the query as given
	Clauses       []Clause
	After, Before time.Time
}

// Clause is one condition of a query.
type Clause struct {
	Not bool
	// Terms must all be in the event's terms (see eachTerm).
	Terms []string
	// Phrase, when set, must occur in the normalText of one of the event's
	// text values: the index narrows, the event decides.
	Phrase string
	// Field and Value, when set, name a field whose value is longer than a
	// term keeps: the event's value must equal Value (lower case).
	Field, Value string
	// Run-level clauses: the artefact digest starts with Artefact, or the
	// parser's name is Parser.
	Artefact, Parser string
	// Indicator, when set, selects the events that mention an indicator
	// (EventIndicators), answered by the indicator postings.
	Indicator string
}

// needsEvent tells whether the clause is decided by the event itself
// rather than by its terms alone.
func (c *Clause) needsEvent() bool { return c.Phrase != "" || c.Field != "" }

func (c *Clause) runLevel() bool { return c.Artefact != "" || c.Parser != "" }

// ParseSearch parses a query; the error says what is wrong with it.
func ParseSearch(text string) (*SearchQuery, error) {
	q := &SearchQuery{Text: text}
	s := text
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			break
		}
		not := false
		if s[0] == '-' && len(s) > 1 && s[1] != ' ' {
			not, s = true, s[1:]
		}
		var name, value string
		if s[0] == '"' {
			v, rest, err := quotedAt(s)
			if err != nil {
				return nil, err
			}
			value, s = v, rest
		} else {
			end := strings.IndexAny(s, " \t\r\n")
			if end < 0 {
				end = len(s)
			}
			tok := s[:end]
			if i := strings.IndexByte(tok, ':'); i > 0 && isFieldName(tok[:i]) {
				name = tok[:i]
				if strings.HasPrefix(s[i+1:], `"`) {
					v, rest, err := quotedAt(s[i+1:])
					if err != nil {
						return nil, err
					}
					value, s = v, rest
				} else {
					value, s = tok[i+1:], s[end:]
				}
				if value == "" {
					return nil, fmt.Errorf("%s: give a value after the colon", name)
				}
			} else {
				value, s = tok, s[end:]
			}
		}
		switch name {
		case "after", "before":
			if not {
				return nil, fmt.Errorf("-%s: a time bound cannot be negated", name)
			}
			t, err := parseBound(value)
			if err != nil {
				return nil, fmt.Errorf("%s:%s: %v", name, value, err)
			}
			if name == "after" {
				q.After = t
			} else {
				q.Before = t
			}
			continue
		case "artefact", "artifact":
			h := strings.TrimPrefix(strings.ToLower(value), "sha256:")
			if !isHexString(h) {
				return nil, fmt.Errorf("artefact:%s: give the artefact's SHA-256 in hex (or its first digits)", value)
			}
			q.Clauses = append(q.Clauses, Clause{Not: not, Artefact: "sha256:" + h})
			continue
		case "parser":
			q.Clauses = append(q.Clauses, Clause{Not: not, Parser: strings.ToLower(value)})
			continue
		case "indicator":
			q.Clauses = append(q.Clauses, Clause{Not: not, Indicator: value})
			continue
		case "":
			c := Clause{Not: not}
			ws := words(value)
			switch len(ws) {
			case 0:
				continue // punctuation only: nothing to look for
			case 1:
				c.Terms = []string{"\x00" + ws[0]}
			default: // a phrase: its pairs of words, in order
				for i := 1; i < len(ws); i++ {
					c.Terms = append(c.Terms, "\x01"+ws[i-1]+" "+ws[i])
				}
			}
			// The terms decide alone unless words were cut or a pair
			// leaves their order open (three words or more).
			if full := strings.Fields(normalText(value)); len(full) > 2 || slices.ContainsFunc(full, func(w string) bool { return len(w) > maxTermValue }) {
				c.Phrase = normalText(value)
			}
			q.Clauses = append(q.Clauses, c)
			continue
		}
		f := canonicalField(name)
		c := Clause{Not: not, Terms: []string{string(appendFieldTerm(nil, f, value))}}
		if len(value) > maxTermValue {
			c.Field, c.Value = f, asciiLower(value)
		}
		q.Clauses = append(q.Clauses, c)
	}
	return q, nil
}

// quotedAt reads a "…" string at the start of s (\" and \\ escape) and
// returns it and the rest of s.
func quotedAt(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("a quote is not closed: %s", s)
}

func isFieldName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

func isHexString(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// parseBound reads a time bound, in UTC unless it gives an offset.
func parseBound(s string) (time.Time, error) {
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("use a date and time like 2024-01-01 or 2024-01-01T10:30 (UTC) or RFC 3339")
}

// Matches tells whether e satisfies q, reading the event alone: the
// definition the index answers by its postings.
func (q *SearchQuery) Matches(e *parse.Event) bool {
	if !q.inRange(e.Time) {
		return false
	}
	var terms map[string]bool
	for i := range q.Clauses {
		c := &q.Clauses[i]
		var ok bool
		if c.runLevel() {
			ok = c.matchRun(e.Citation.Artefact, e.Citation.Parser)
		} else if c.Indicator != "" {
			ok = mentions(e, c.Indicator)
		} else {
			if terms == nil {
				terms = map[string]bool{}
				eachTerm(e, nil, func(t []byte) { terms[string(t)] = true })
			}
			ok = true
			for _, t := range c.Terms {
				ok = ok && terms[t]
			}
			ok = ok && c.matchEvent(e)
		}
		if ok == c.Not {
			return false
		}
	}
	return true
}

// mentions tells whether e mentions the indicator typed as v, in any of
// the forms resolve would look it up by.
func mentions(e *parse.Event, v string) bool {
	a, isIP := indicator.NormalizeIP(v)
	forms := indicatorForms(v)
	for _, ind := range EventIndicators(e) {
		if isIP {
			if ind.Type == indicator.TypeIP && ind.Value == a.String() {
				return true
			}
			continue
		}
		if ind.Type != indicator.TypeIP && contains(forms, ind.Value) {
			return true
		}
	}
	return false
}

// inRange tells whether t is within the query's bounds (an event without
// a time is outside any bound).
func (q *SearchQuery) inRange(t time.Time) bool {
	if q.After.IsZero() && q.Before.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (q.After.IsZero() || !t.Before(q.After)) && (q.Before.IsZero() || t.Before(q.Before))
}

// matchEvent checks what the terms alone cannot: a phrase, or a long
// field value.
func (c *Clause) matchEvent(e *parse.Event) bool {
	if c.Phrase != "" {
		found := false
		for _, v := range textOf(e) {
			if strings.Contains(normalText(v), c.Phrase) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if c.Field != "" {
		found := false
		eachField(e, func(name, value string) {
			found = found || name == c.Field && asciiLower(value) == c.Value
		})
		return found
	}
	return true
}

// matchRun checks a run-level clause against an artefact digest and a
// parser ("openssh/2").
func (c *Clause) matchRun(artefact, parser string) bool {
	if c.Artefact != "" {
		return strings.HasPrefix(artefact, c.Artefact)
	}
	name, _, _ := strings.Cut(parser, "/")
	return strings.ToLower(name) == c.Parser || strings.ToLower(parser) == c.Parser
}
