package attrib

import (
	"encoding/binary"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// The census of a sharded assessment (shard.go) writes every event that
// names a source it does not fold whole to a temporary file, once, with
// the numbers of those sources and the plain rules the event matched; each
// shard pass then folds its sources from those records instead of reading,
// decoding and matching every event of the case again. At 10^8 events the
// case's events were read three times, and reading one (Badger, the
// stored form's decoder, the rules) costs several times what folding it
// does.
//
// The form is process-local, like AppendSource's: no file format. It keeps
// what fold and the functions it calls read of an event: every field but
// the time's location (fold reads instants only; a decoded time is UTC).
// Strings that repeat (kinds, parsers, artefacts, field names, common
// values) are written once per file and referred to after; the writer
// decides which, so the reader needs no rule of its own. Times, offsets
// and line numbers are written as differences from the record before.

// Tags of a string in an event record: the low two bits say what follows.
const (
	strLiteral = iota // the string's bytes, length tag>>2
	strDefine         // the same, and the string joins the file's table
	strRef            // the table's string number tag>>2
	strKey            // the key of the record's first source (tag == strKey)
)

const (
	// maxTable bounds the strings a file's table keeps; maxTabled the
	// length of one (an artefact's digest is 71 bytes). A shard file's
	// table is at most some 128 KiB.
	maxTable  = 1024
	maxTabled = 128
)

// eventEnc writes the records of one file. A record is its sources (each
// number shifted left, the low bit set when the source is the event's
// inbound party), the indexes of the plain rules it matched, and the
// event.
type eventEnc struct {
	b                    []byte
	tab                  map[string]uint32
	t                    int64 // the previous record's time (Unix seconds), offset, line, record
	off, line, recNumber int64
	// What each field of the record before was, when tabled: most
	// records repeat them, and comparing a string is cheaper than
	// looking it up (a census writes 10^8 records).
	memo   [nMemo]tabled
	fields []fieldMemo
}

// tabled is a string of the table and its number.
type tabled struct {
	s  string
	n  uint32
	ok bool
}

// The fields of an event eventEnc remembers.
const (
	memoTimeNote = iota
	memoKind
	memoAction
	memoOutcome
	memoSrcService
	memoDst
	memoUser
	memoArtefact
	memoMember
	memoParser
	nMemo
)

// fieldMemo remembers an event field's name and last value.
type fieldMemo struct{ k, v tabled }

// maxFieldMemos bounds the field names remembered.
const maxFieldMemos = 16

func newEventEnc() *eventEnc { return &eventEnc{tab: map[string]uint32{}} }

// record appends one record to e.b (after its length, which the caller
// writes); key is the first source's indicator.
func (e *eventEnc) record(srcs []uint64, hits []int, key string, ev *parse.Event) {
	e.b = binary.AppendUvarint(e.b, uint64(len(srcs)))
	for _, s := range srcs {
		e.b = binary.AppendUvarint(e.b, s)
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(hits)))
	for _, h := range hits {
		e.b = binary.AppendUvarint(e.b, uint64(h))
	}
	if ev.Time.IsZero() {
		e.b = append(e.b, 0)
	} else {
		e.b = append(e.b, 1)
		s := ev.Time.Unix()
		e.b = binary.AppendVarint(e.b, s-e.t)
		e.b = binary.AppendUvarint(e.b, uint64(ev.Time.Nanosecond()))
		e.t = s
	}
	e.memoStr(memoTimeNote, ev.TimeNote, naming, key)
	e.memoStr(memoKind, ev.Kind, naming, key)
	e.memoStr(memoAction, ev.Action, naming, key)
	e.memoStr(memoOutcome, ev.Outcome, naming, key)
	e.str(ev.Src, once, key)
	e.b = binary.AppendVarint(e.b, int64(ev.SrcPort))
	e.memoStr(memoSrcService, ev.SrcService, naming, key)
	e.memoStr(memoDst, ev.Dst, value, key)
	e.b = binary.AppendVarint(e.b, int64(ev.DstPort))
	e.memoStr(memoUser, ev.User, value, key)
	e.b = binary.AppendUvarint(e.b, uint64(len(ev.Fields)))
	for k, v := range ev.Fields {
		m := e.fieldMemo(k)
		if m == nil {
			e.str(k, naming, key)
			e.str(v, value, key)
			continue
		}
		e.remembered(&m.k, k, naming, key)
		e.remembered(&m.v, v, value, key)
	}
	c := &ev.Citation
	e.memoStr(memoArtefact, c.Artefact, naming, key)
	e.b = binary.AppendVarint(e.b, c.Offset-e.off)
	e.b = binary.AppendVarint(e.b, c.Line-e.line)
	e.b = binary.AppendVarint(e.b, c.Record-e.recNumber)
	e.off, e.line, e.recNumber = c.Offset, c.Line, c.Record
	e.memoStr(memoMember, c.Member, naming, key)
	e.memoStr(memoParser, c.Parser, naming, key)
}

// How a string may repeat, which decides whether it joins the table.
const (
	once   = iota // an address, a user name: written as it is
	value         // a field's value: joins while the table is half empty
	naming        // a kind, parser, artefact, field name: joins while there is room
)

func (e *eventEnc) memoStr(f int, s string, repeats int, key string) {
	e.remembered(&e.memo[f], s, repeats, key)
}

// remembered writes s, a reference when it is m's string.
func (e *eventEnc) remembered(m *tabled, s string, repeats int, key string) {
	if m.ok && m.s == s {
		e.b = binary.AppendUvarint(e.b, uint64(m.n)<<2|strRef)
		return
	}
	n, ok := e.str(s, repeats, key)
	*m = tabled{s, n, ok}
}

// fieldMemo is what is remembered of field k, nil when there is no room.
func (e *eventEnc) fieldMemo(k string) *fieldMemo {
	for i := range e.fields {
		if e.fields[i].k.s == k {
			return &e.fields[i]
		}
	}
	if len(e.fields) == maxFieldMemos {
		return nil
	}
	e.fields = append(e.fields, fieldMemo{k: tabled{s: k}})
	return &e.fields[len(e.fields)-1]
}

// str writes s: the first source's key or a string of the table when it
// is one, else its bytes, which join the table when s may repeat and the
// table has room for it. Values take at most half the table, so that
// the names of a file written late (a second artefact, its parser) still
// find room. It returns s's number when s is in the table.
func (e *eventEnc) str(s string, repeats int, key string) (uint32, bool) {
	if s == "" {
		e.b = append(e.b, strLiteral)
		return 0, false
	}
	if s == key {
		e.b = append(e.b, strKey)
		return 0, false
	}
	if n, ok := e.tab[s]; ok {
		e.b = binary.AppendUvarint(e.b, uint64(n)<<2|strRef)
		return n, true
	}
	tag := uint64(len(s)) << 2
	room := repeats == naming && len(e.tab) < maxTable || repeats == value && len(e.tab) < maxTable/2
	if !room || len(s) > maxTabled {
		e.b = binary.AppendUvarint(e.b, tag)
		e.b = append(e.b, s...)
		return 0, false
	}
	n := uint32(len(e.tab))
	e.tab[s] = n
	e.b = binary.AppendUvarint(e.b, tag|strDefine)
	e.b = append(e.b, s...)
	return n, true
}

// eventDec reads the records eventEnc wrote, into one event it reuses:
// what a record gives is valid until the next is read, but its strings
// are the caller's to keep.
type eventDec struct {
	binReader
	tab                  []string
	t                    int64
	off, line, recNumber int64
	ev                   parse.Event
	srcs                 []uint64
	hits                 []int
	keys                 []string // the indicators by source number, for strKey
}

// record reads one record from b; the sources, hits and event are then in
// d.srcs, d.hits and d.ev.
func (d *eventDec) record(b []byte) error {
	d.b = b
	d.srcs = d.srcs[:0]
	n := d.count()
	if n == 0 { // a detection's record, or damage
		d.fail()
	}
	for ; n > 0; n-- {
		d.srcs = append(d.srcs, d.uvarint())
	}
	d.hits = d.hits[:0]
	for n := d.count(); n > 0; n-- {
		d.hits = append(d.hits, int(d.uvarint()))
	}
	key := ""
	if len(d.srcs) > 0 && d.srcs[0]>>1 < uint64(len(d.keys)) {
		key = d.keys[d.srcs[0]>>1]
	}
	ev := &d.ev
	ev.Time = time.Time{}
	if d.byte() == 1 {
		d.t += d.i64()
		ns := d.uvarint()
		if ns >= 1e9 {
			d.fail()
		}
		ev.Time = time.Unix(d.t, int64(ns)).UTC()
	}
	ev.TimeNote = d.str(key)
	ev.Kind = d.str(key)
	ev.Action = d.str(key)
	ev.Outcome = d.str(key)
	ev.Src = d.str(key)
	ev.SrcPort = int(d.i64())
	ev.SrcService = d.str(key)
	ev.Dst = d.str(key)
	ev.DstPort = int(d.i64())
	ev.User = d.str(key)
	n = d.count()
	ev.Fields = nil
	if n > 0 {
		ev.Fields = make(map[string]string, n) // the event's own: a shard pass folds it on another goroutine
		for ; n > 0; n-- {
			k := d.str(key)
			ev.Fields[k] = d.str(key)
		}
	}
	c := &ev.Citation
	c.Artefact = d.str(key)
	d.off += d.i64()
	d.line += d.i64()
	d.recNumber += d.i64()
	c.Offset, c.Line, c.Record = d.off, d.line, d.recNumber
	c.Member = d.str(key)
	c.Parser = d.str(key)
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return d.err
}

func (d *eventDec) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// count reads a number of items, each of which takes a byte at least.
func (d *eventDec) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *eventDec) str(key string) string {
	tag := d.uvarint()
	switch tag & 3 {
	case strKey:
		if tag != strKey || key == "" {
			d.fail()
		}
		return key
	case strRef:
		if tag>>2 >= uint64(len(d.tab)) {
			d.fail()
			return ""
		}
		return d.tab[tag>>2]
	}
	n := tag >> 2
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	if tag&3 == strDefine {
		d.tab = append(d.tab, s)
	}
	return s
}
