package eventstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"
	"strconv"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// The search index of a run is kept per part of partEvents (65,536)
// events, so that an event's number within its part fits 16 bits: each
// term's posting in a part is a sorted array of those numbers, or a bitset
// of 8 KiB once it names more than arrayMax events. A part's terms are
// stored sorted, in s2-compressed chunks of about chunkBytes, each keyed by
// its last term: the part's list of chunk keys, read once, finds the
// chunk holding a term. The part's event times (UTC ns, 0 when unknown)
// are stored beside it for the time range, the chronological order and
// the histogram. A record
// (xr/<run>) committed with the events.parsed entry says the index is
// complete; Run.Search says the run was indexed when parsed.
//
// The keys of postings and times name the version (xs/1/…), so that an
// index rebuilt by another version never mixes with the one before it.
var (
	prefixSearch = []byte("xs/" + strconv.Itoa(SearchVersion) + "/") // xs/<version>/<run 8><part BE32><last term> → s2(chunk of term postings)
	prefixTimes  = []byte("xt/" + strconv.Itoa(SearchVersion) + "/") // xt/<version>/<run 8><part BE32> → s2(uvarint n, n varint deltas of UTC ns)
	prefixSRec   = []byte("xr/")                                     // xr/<run 8> → searchRecord (JSON), of the version it says
)

// SearchVersion is the version of the search index's terms and layout:
// a change to eachTerm, the postings or the chunks needs a new one.
const SearchVersion = 1

const (
	arrayMax   = 4096 // postings of more events are bitsets
	bitsetLen  = partEvents / 64
	chunkBytes = 32 << 10
)

type searchRecord struct {
	Version int   `json:"version"`
	Parts   int   `json:"parts"`
	Events  int64 `json:"events"`
	Terms   int64 `json:"terms"` // postings stored, over all parts
}

func searchRecKey(id [8]byte) []byte { return append(bytes.Clone(prefixSRec), id[:]...) }

// acc collects one term's events within a part.
type acc struct {
	arr  []uint16
	bits *[bitsetLen]uint64
}

func (a *acc) add(i uint16) {
	if a.bits != nil {
		a.bits[i>>6] |= 1 << (i & 63)
		return
	}
	if n := len(a.arr); n > 0 && a.arr[n-1] == i {
		return
	}
	a.arr = append(a.arr, i)
	if len(a.arr) > arrayMax {
		a.bits = new([bitsetLen]uint64)
		for _, j := range a.arr {
			a.bits[j>>6] |= 1 << (j & 63)
		}
		a.arr = nil
	}
}

// partBuilder builds the search index of one part; it is fed the events
// in order.
// Values repeat (hosts, programs, addresses, actions), so the terms of
// each item (eachItem) are looked up once per part and remembered by the
// item: most events cost one lookup per item, not one per term.
type partBuilder struct {
	terms map[string]*acc
	items map[string][]*acc // worded byte, name, \x00, value → its terms
	times []int64
	buf   []byte
	key   []byte
}

func newPartBuilder() *partBuilder {
	return &partBuilder{terms: map[string]*acc{}, items: map[string][]*acc{}, times: make([]int64, 0, 1024)}
}

func (p *partBuilder) add(e *parse.Event) {
	i := uint16(len(p.times))
	var t int64
	if !e.Time.IsZero() {
		t = e.Time.UnixNano()
	}
	p.times = append(p.times, t)
	eachItem(e, func(name, value string, worded bool) {
		k := append(p.key[:0], 'n')
		if worded {
			k[0] = 'w'
		}
		k = append(append(append(k, name...), 0), value...)
		p.key = k
		accs, ok := p.items[string(k)]
		if !ok {
			p.buf = itemTerms(p.buf, name, value, worded, func(term []byte) {
				a := p.terms[string(term)]
				if a == nil {
					a = &acc{}
					p.terms[string(term)] = a
				}
				if !slices.Contains(accs, a) {
					accs = append(accs, a)
				}
			})
			p.items[string(k)] = accs
		}
		for _, a := range accs {
			a.add(i)
		}
	})
}

// ops encodes the part: its chunks of postings, then its times (bulk
// values: evidence.Op.Bulk).
func (p *partBuilder) ops(id [8]byte, part uint32) []evidence.Op {
	keys := make([]string, 0, len(p.terms))
	for k := range p.terms {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var ops []evidence.Op
	var chunk []byte
	for i, k := range keys {
		chunk = binary.AppendUvarint(chunk, uint64(len(k)))
		chunk = append(chunk, k...)
		chunk = appendPosting(chunk, p.terms[k])
		if len(chunk) >= chunkBytes || i == len(keys)-1 {
			key := blockKey(prefixSearch, id, part)
			ops = append(ops, evidence.Op{Key: append(key, k...), Value: s2.Encode(nil, chunk), Bulk: true})
			chunk = chunk[:0]
		}
	}
	t := binary.AppendUvarint(nil, uint64(len(p.times)))
	prev := int64(0)
	for _, v := range p.times {
		t = binary.AppendVarint(t, v-prev)
		prev = v
	}
	return append(ops, evidence.Op{Key: blockKey(prefixTimes, id, part), Value: s2.Encode(nil, t), Bulk: true})
}

// appendPosting: 0, uvarint n, n uint16 LE; or 1 and the bitset's words LE.
func appendPosting(dst []byte, a *acc) []byte {
	if a.bits == nil {
		dst = append(dst, 0)
		dst = binary.AppendUvarint(dst, uint64(len(a.arr)))
		for _, v := range a.arr {
			dst = binary.LittleEndian.AppendUint16(dst, v)
		}
		return dst
	}
	dst = append(dst, 1)
	for _, w := range a.bits {
		dst = binary.LittleEndian.AppendUint64(dst, w)
	}
	return dst
}

// bitset is the events of one part a posting or a query names.
type bitset [bitsetLen]uint64

func (b *bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b *bitset) fill(n int) {
	for i := range b {
		switch {
		case (i+1)*64 <= n:
			b[i] = ^uint64(0)
		case i*64 < n:
			b[i] = 1<<(n-i*64) - 1
		default:
			b[i] = 0
		}
	}
}

// each calls fn for every member, ascending.
func (b *bitset) each(fn func(i int)) {
	for wi, w := range b {
		for w != 0 {
			fn(wi*64 + bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
}

// findPosting looks term up in a decoded chunk and returns it as a bitset.
func findPosting(chunk []byte, term string) (*bitset, bool, error) {
	for len(chunk) > 0 {
		l, n := binary.Uvarint(chunk)
		if n <= 0 || uint64(len(chunk)-n) < l+1 {
			return nil, false, fmt.Errorf("search index chunk: malformed")
		}
		k := chunk[n : n+int(l)]
		chunk = chunk[n+int(l):]
		typ := chunk[0]
		chunk = chunk[1:]
		var size int
		var cnt uint64
		switch typ {
		case 0:
			c, m := binary.Uvarint(chunk)
			if m <= 0 || c > arrayMax || uint64(len(chunk)-m) < 2*c {
				return nil, false, fmt.Errorf("search index chunk: malformed array")
			}
			cnt, chunk = c, chunk[m:]
			size = int(2 * c)
		case 1:
			size = 8 * bitsetLen
			if len(chunk) < size {
				return nil, false, fmt.Errorf("search index chunk: malformed bitset")
			}
		default:
			return nil, false, fmt.Errorf("search index chunk: unknown posting type %d", typ)
		}
		switch c := bytes.Compare(k, []byte(term)); {
		case c == 0:
			b := new(bitset)
			if typ == 0 {
				for i := range int(cnt) {
					v := binary.LittleEndian.Uint16(chunk[2*i:])
					b[v>>6] |= 1 << (v & 63)
				}
			} else {
				for i := range b {
					b[i] = binary.LittleEndian.Uint64(chunk[8*i:])
				}
			}
			return b, true, nil
		case c > 0:
			return nil, false, nil // terms are sorted: it is not here
		}
		chunk = chunk[size:]
	}
	return nil, false, nil
}

// decodeTimes reads a part's time column.
func decodeTimes(v []byte) ([]int64, error) {
	raw, err := s2.Decode(nil, v)
	if err != nil {
		return nil, fmt.Errorf("search index times: %w", err)
	}
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > partEvents {
		return nil, fmt.Errorf("search index times: malformed")
	}
	raw = raw[k:]
	out := make([]int64, n)
	prev := int64(0)
	for i := range out {
		d, m := binary.Varint(raw)
		if m <= 0 {
			return nil, fmt.Errorf("search index times: truncated")
		}
		raw = raw[m:]
		prev += d
		out[i] = prev
	}
	return out, nil
}

// searchWriter builds a run's search index as its events are stored, one
// part at a time, in a goroutine of its own.
type searchWriter struct {
	c     *evidence.Case
	id    [8]byte
	part  uint32
	cur   *partBuilder
	terms int64
	n     int64
}

func (s *searchWriter) add(e *parse.Event) error {
	if s.cur == nil {
		s.cur = newPartBuilder()
	}
	s.cur.add(e)
	s.n++
	if len(s.cur.times) == partEvents {
		return s.writePart(false)
	}
	return nil
}

func (s *searchWriter) writePart(durable bool) error {
	if s.cur == nil || len(s.cur.times) == 0 {
		return s.c.WriteDerived(nil, durable)
	}
	ops := s.cur.ops(s.id, s.part)
	s.terms += int64(len(s.cur.terms))
	s.part++
	s.cur = nil
	for len(ops) > opsPerWrite {
		if err := s.c.WriteDerived(ops[:opsPerWrite], false); err != nil {
			return err
		}
		ops = ops[opsPerWrite:]
	}
	return s.c.WriteDerived(ops, durable)
}

// finish writes the last part durably and returns the record to commit.
func (s *searchWriter) finish() (evidence.Op, error) {
	if err := s.writePart(true); err != nil {
		return evidence.Op{}, err
	}
	rec, err := json.Marshal(searchRecord{Version: SearchVersion, Parts: int(s.part), Events: s.n, Terms: s.terms})
	return evidence.Op{Key: searchRecKey(s.id), Value: rec}, err
}
