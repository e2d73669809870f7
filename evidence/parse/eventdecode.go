package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/maphash"
	"strconv"
	"time"
	"unicode/utf8"
)

// EventDecoder reads the JSON lines AppendJSON writes, for readers of many
// events (the event store's scans): it reads that exact form without
// reflection, shares the strings events repeat (time notes, artefact
// digests, parser names, field names) instead of allocating them per event,
// and reuses the time of the previous event when it is written the same.
// Anything else (whitespace, other key orders or spellings, escapes it does
// not take, duplicate keys, null) goes to encoding/json, so the result and
// the errors are always those of json.Unmarshal. Not safe for concurrent
// use.
type EventDecoder struct {
	strs     *[sharedSlots]string
	seed     maphash.Seed
	lastTime []byte
	lastT    time.Time
	fast     bool // for tests: report a fallback as an error
}

// sharedSlots is the size of the cache of strings a decoder shares: each
// string read takes the slot of its hash, replacing what was there. Values
// that never repeat (addresses of a million sources, process ids) thus
// cost one hash and one allocation, as they would unshared, and cannot
// grow it, while those that repeat stay in their slot most of the time. A
// map keeping the first 65,536 strings cost a third of a decoder's time
// on a case of a million addresses: full of addresses, it missed on every
// lookup.
const sharedSlots = 4096

// NewEventDecoder returns a decoder.
func NewEventDecoder() *EventDecoder {
	return &EventDecoder{strs: new([sharedSlots]string), seed: maphash.MakeSeed()}
}

// Decode sets *e from one JSON line, as json.Unmarshal(line, e) would on
// a zero Event.
func (d *EventDecoder) Decode(line []byte, e *Event) error {
	*e = Event{}
	if d.decode(line, e) {
		return nil
	}
	if d.fast {
		return errSlowPath
	}
	*e = Event{}
	return json.Unmarshal(line, e)
}

var errSlowPath = errors.New("not the form AppendJSON writes")

// Keys of an event and of its citation, as bits: a key seen twice sends
// the line to encoding/json.
const (
	kTime = 1 << iota
	kTimeNote
	kKind
	kAction
	kOutcome
	kSrc
	kSrcPort
	kSrcService
	kDst
	kDstPort
	kUser
	kFields
	kCitation
)

func (d *EventDecoder) decode(b []byte, e *Event) bool {
	r := reader{b: b, d: d}
	var seen int
	n, ok := r.object(func() bool {
		key, ok := r.rawKey()
		if !ok {
			return false
		}
		var bit int
		switch string(key) {
		case "time":
			bit, ok = kTime, r.time(&e.Time)
		case "time_note":
			bit, ok = kTimeNote, r.str(&e.TimeNote)
		case "kind":
			bit, ok = kKind, r.str(&e.Kind)
		case "action":
			bit, ok = kAction, r.str(&e.Action)
		case "outcome":
			bit, ok = kOutcome, r.str(&e.Outcome)
		case "src":
			bit, ok = kSrc, r.str(&e.Src)
		case "src_port":
			var n int64
			bit, ok = kSrcPort, r.int(&n)
			e.SrcPort = int(n)
		case "src_service":
			bit, ok = kSrcService, r.str(&e.SrcService)
		case "dst":
			bit, ok = kDst, r.str(&e.Dst)
		case "dst_port":
			var n int64
			bit, ok = kDstPort, r.int(&n)
			e.DstPort = int(n)
		case "user":
			bit, ok = kUser, r.str(&e.User)
		case "fields":
			bit, ok = kFields, r.fields(&e.Fields)
		case "citation":
			bit, ok = kCitation, r.citation(&e.Citation)
		default:
			return false
		}
		return once(&seen, bit, ok)
	})
	return ok && n > 0 && r.i == len(r.b)
}

// once records a key's bit in seen: false when the key came before (a
// duplicate goes to encoding/json) or its value did not read.
func once(seen *int, bit int, ok bool) bool {
	if !ok || *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

type reader struct {
	b []byte
	i int
	d *EventDecoder
}

func (r *reader) peek(c byte) bool { return r.i < len(r.b) && r.b[r.i] == c }

func (r *reader) byte(c byte) bool {
	if r.peek(c) {
		r.i++
		return true
	}
	return false
}

// object reads {member, member, …} with no whitespace, calling member
// for each; it returns how many there were.
func (r *reader) object(member func() bool) (int, bool) {
	if !r.byte('{') {
		return 0, false
	}
	for n := 0; ; n++ {
		if r.peek('}') {
			r.i++
			return n, true
		}
		if n > 0 && !r.byte(',') || !member() {
			return n, false
		}
	}
}

// rawKey reads "key": where key is plain ASCII without escapes; callers
// switch on string(key), which does not allocate.
func (r *reader) rawKey() ([]byte, bool) {
	raw, ok := r.plain()
	return raw, ok && r.byte(':')
}

// plain reads a string of printable ASCII without escapes, and returns its
// bytes (a view into the line).
func (r *reader) plain() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], true
		case c < 0x20 || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
		r.i++
	}
	return nil, false
}

// str reads a string value. Strings with escapes or non-ASCII bytes are
// read by encoding/json (its handling of invalid UTF-8 is the reference).
func (r *reader) str(dst *string) bool {
	start := r.i
	if raw, ok := r.plain(); ok {
		*dst = r.d.share(raw)
		return true
	}
	r.i = start
	end, ok := r.stringEnd()
	if !ok || json.Unmarshal(r.b[start:end], dst) != nil {
		return false
	}
	r.i = end
	return true
}

// stringEnd finds the end of the JSON string starting at r.i, honouring
// backslash escapes.
func (r *reader) stringEnd() (int, bool) {
	if !r.peek('"') {
		return 0, false
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch r.b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

func (d *EventDecoder) share(b []byte) string {
	slot := &d.strs[maphash.Bytes(d.seed, b)%sharedSlots]
	if *slot == string(b) {
		return *slot
	}
	*slot = string(b)
	return *slot
}

// int reads an integer written as encoding/json writes one: an optional
// minus and digits without a leading zero.
func (r *reader) int(dst *int64) bool {
	start := r.i
	if r.peek('-') {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	if r.i == digits || r.b[digits] == '0' && r.i-digits > 1 {
		return false
	}
	if r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		return false
	}
	if r.i-digits > 18 { // might overflow: let strconv say
		n, err := strconv.ParseInt(string(r.b[start:r.i]), 10, 64)
		*dst = n
		return err == nil
	}
	var n int64
	for _, c := range r.b[digits:r.i] {
		n = n*10 + int64(c-'0')
	}
	if digits > start {
		n = -n
	}
	*dst = n
	return true
}

func (r *reader) time(dst *time.Time) bool {
	start := r.i
	if _, ok := r.plain(); !ok {
		return false
	}
	raw := r.b[start:r.i]
	if r.d.lastTime != nil && bytes.Equal(raw, r.d.lastTime) {
		*dst = r.d.lastT
		return true
	}
	if dst.UnmarshalJSON(raw) != nil {
		return false
	}
	r.d.lastTime, r.d.lastT = append(r.d.lastTime[:0], raw...), *dst
	return true
}

func (r *reader) fields(dst *map[string]string) bool {
	m := map[string]string{}
	_, ok := r.object(func() bool {
		var k, v string
		if !r.str(&k) || !r.byte(':') || !r.str(&v) {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		m[k] = v
		return true
	})
	if ok {
		*dst = m
	}
	return ok
}

func (r *reader) citation(c *Citation) bool {
	var seen int
	_, ok := r.object(func() bool {
		key, ok := r.rawKey()
		if !ok {
			return false
		}
		var bit int
		switch string(key) {
		case "artefact":
			bit, ok = 1, r.str(&c.Artefact)
		case "offset":
			bit, ok = 2, r.int(&c.Offset)
		case "line":
			bit, ok = 4, r.int(&c.Line)
		case "record":
			bit, ok = 8, r.int(&c.Record)
		case "member":
			bit, ok = 16, r.str(&c.Member)
		case "parser":
			bit, ok = 32, r.str(&c.Parser)
		default:
			return false
		}
		return once(&seen, bit, ok)
	})
	return ok
}
