package enrich

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// DecodeJSON sets o to the observation b encodes: exactly what
// json.Unmarshal(b, o) gives for an o of zero value, errors included.
//
// An assessment reads every observation of a case at least twice, and
// encoding/json spends some 10 µs on each (reflection, a validating scan
// before the decoding one, a map of interfaces for Fields): minutes for a
// case of a million enriched sources. The form AppendJSON writes — no
// whitespace, no escapes, the known keys once each, valid UTF-8 — is
// decoded here in one pass; anything else (an escape, whitespace, a key
// spelt otherwise, a null, a number out of range, nesting deeper than
// maxDepth) is handed to encoding/json, so the answer never depends on
// which path took it. A test and a fuzz target check the two agree.
func (o *Observation) DecodeJSON(b []byte) error {
	*o = Observation{}
	d := obsDecoder{b: b}
	if d.observation(o) {
		return nil
	}
	*o = Observation{}
	return json.Unmarshal(b, o)
}

// obsDecoder reads the canonical form of an observation; each method
// reports false where the input leaves that form.
type obsDecoder struct {
	b []byte
	i int
}

func (d *obsDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// The keys of an observation, one bit each, to refuse a key given twice
// (encoding/json would merge a second "fields" into the first).
const (
	keyDataset = 1 << iota
	keyDatasetDate
	keyFields
	keyIndicator
	keyNetwork
	keyReliability
	keySource
	keySourceType
	keyValidAt
)

func (d *obsDecoder) observation(o *Observation) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return d.i == len(d.b)
	}
	var seen uint16
	for {
		key, ok := d.raw()
		if !ok || !d.eat(':') {
			return false
		}
		var bit uint16
		switch string(key) {
		case "dataset":
			bit = keyDataset
			o.Dataset, ok = d.str()
		case "dataset_date":
			bit = keyDatasetDate
			ok = d.time(&o.DatasetDate)
		case "fields":
			bit = keyFields
			if d.i < len(d.b) && d.b[d.i] == '{' {
				o.Fields, ok = d.object(0)
			} else {
				ok = false
			}
		case "indicator":
			bit = keyIndicator
			o.Indicator, ok = d.str()
		case "network":
			bit = keyNetwork
			o.Network, ok = d.str()
		case "reliability":
			bit = keyReliability
			o.Reliability, ok = d.str()
		case "source":
			bit = keySource
			o.Source, ok = d.str()
		case "source_type":
			bit = keySourceType
			o.SourceType, ok = d.str()
		case "valid_at":
			bit = keyValidAt
			ok = d.time(&o.ValidAt)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if d.eat(',') {
			continue
		}
		return d.eat('}') && d.i == len(d.b)
	}
}

// raw reads a string without escapes or control characters and returns
// its bytes between the quotes, refusing invalid UTF-8 (which
// encoding/json would replace).
func (d *obsDecoder) raw() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start, ascii := d.i, true
	for ; d.i < len(d.b); d.i++ {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

func (d *obsDecoder) str() (string, bool) {
	s, ok := d.raw()
	return string(s), ok
}

// time gives the quoted string to a time's UnmarshalJSON, as encoding/json
// does; an error is left for encoding/json to report.
func (d *obsDecoder) time(t *time.Time) bool {
	start := d.i
	if _, ok := d.raw(); !ok {
		return false
	}
	return t.UnmarshalJSON(d.b[start:d.i]) == nil
}

// decodeMaxDepth bounds the nesting read here; deeper values go to encoding/json.
const decodeMaxDepth = 32

// value reads any JSON value as encoding/json reads it into an interface.
func (d *obsDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return d.str()
	case c == '{':
		m, ok := d.object(depth + 1)
		return m, ok
	case c == '[':
		return d.array(depth + 1)
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return d.number()
	}
}

func (d *obsDecoder) literal(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// object reads an object into a map (a later key replaces an earlier one,
// as encoding/json does).
func (d *obsDecoder) object(depth int) (map[string]any, bool) {
	if depth > decodeMaxDepth || !d.eat('{') {
		return nil, false
	}
	m := map[string]any{}
	if d.eat('}') {
		return m, true
	}
	for {
		k, ok := d.raw()
		if !ok || !d.eat(':') {
			return nil, false
		}
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[string(k)] = v
		if d.eat(',') {
			continue
		}
		return m, d.eat('}')
	}
}

func (d *obsDecoder) array(depth int) ([]any, bool) {
	if depth > decodeMaxDepth || !d.eat('[') {
		return nil, false
	}
	a := []any{}
	if d.eat(']') {
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if d.eat(',') {
			continue
		}
		return a, d.eat(']')
	}
}

// number reads a JSON number (its grammar checked here, as encoding/json's
// scanner does) into a float64; one strconv cannot hold is left to
// encoding/json, which reports it.
func (d *obsDecoder) number() (any, bool) {
	start := d.i
	d.eat('-')
	switch {
	case d.eat('0'):
	case d.digits() == 0:
		return nil, false
	}
	if d.eat('.') && d.digits() == 0 {
		return nil, false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	return f, err == nil
}

func (d *obsDecoder) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}
