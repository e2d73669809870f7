// Package prefixtab answers "which of these prefixes contain this address?"
// in O(log n) without allocating, for the offline dataset readers.
//
// A Table is built once from a list of prefixes, each carrying a caller's
// value index, and is then read-only and safe for concurrent use. Because
// CIDR prefixes are either nested or disjoint, the address space splits into
// at most 2n+1 elementary ranges, each covered by the same stack of prefixes;
// Lookup is a binary search over the range starts. IPv4 and IPv6 live in
// separate tables: an IPv4 address never matches an IPv6 prefix (not even
// ::/0 or ::ffff:0:0/96), and IPv4-mapped IPv6 addresses are unmapped first.
package prefixtab

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
)

// Entry is one prefix with the caller's index of the record it stands for.
type Entry struct {
	Prefix netip.Prefix // must be valid; host bits are masked off
	Value  int32
}

// u128 is an address as a 128-bit unsigned integer (IPv4 in the low 32 bits).
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) inc() (u128, bool) {
	lo := a.lo + 1
	hi := a.hi
	if lo == 0 {
		hi++
		if hi == 0 {
			return u128{}, true // overflowed past the top of the space
		}
	}
	return u128{hi, lo}, false
}

func key(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// lastAddr is the highest address of the (masked) prefix p.
func lastAddr(p netip.Prefix) u128 {
	k := key(p.Addr())
	host := p.Addr().BitLen() - p.Bits()
	switch {
	case host == 0:
	case host >= 128:
		k = u128{^uint64(0), ^uint64(0)}
	case host >= 64:
		k.lo = ^uint64(0)
		k.hi |= (uint64(1) << (host - 64)) - 1
	default:
		k.lo |= (uint64(1) << host) - 1
	}
	return k
}

// Table is an immutable prefix table. The zero value is an empty table.
type Table struct {
	v4 family[uint32]
	v6 family[u128]
}

// family holds the elementary ranges of one address family: range i starts
// at starts[i] and is covered by the entries covers[off[i]:off[i+1]], least
// specific first. Covers are stored by value so that Lookup returns a
// subslice without allocating.
type family[K uint32 | u128] struct {
	starts []K
	off    []int32
	covers []Entry
	n      int // number of entries
}

// Build returns the table of entries. Invalid prefixes are skipped; callers
// validate and count them before. Build does not keep entries.
func Build(entries []Entry) *Table {
	var v4, v6 []Entry
	for _, e := range entries {
		if !e.Prefix.IsValid() {
			continue
		}
		e.Prefix = e.Prefix.Masked()
		if e.Prefix.Addr().Is4() {
			v4 = append(v4, e)
		} else {
			v6 = append(v6, e)
		}
	}
	t := &Table{}
	s4, o4, c4 := build(v4)
	if n := len(s4); n > 0 && s4[n-1].lo > 0xffffffff {
		// The range after 255.255.255.255 is outside IPv4.
		s4, o4, c4 = s4[:n-1], o4[:n], c4[:o4[n-1]]
	}
	t.v4 = family[uint32]{starts: make([]uint32, len(s4)), off: o4, covers: c4, n: len(v4)}
	for i, s := range s4 {
		t.v4.starts[i] = uint32(s.lo)
	}
	s6, o6, c6 := build(v6)
	t.v6 = family[u128]{starts: s6, off: o6, covers: c6, n: len(v6)}
	return t
}

func build(es []Entry) (starts []u128, off []int32, covers []Entry) {
	sorted := slices.Clone(es)
	// Ascending start; for equal starts the wider prefix first, so that the
	// stack below always holds a chain of nested prefixes. Stable for ties.
	slices.SortStableFunc(sorted, func(a, b Entry) int {
		ka, kb := key(a.Prefix.Addr()), key(b.Prefix.Addr())
		if ka != kb {
			if ka.less(kb) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits())
	})
	var stack []Entry // open prefixes, each nested in the one below
	var cur u128      // first address not yet assigned to a range
	done := false     // cur overflowed: the whole space is assigned
	off = []int32{0}
	emit := func(start u128) {
		if n := len(starts); n > 0 && starts[n-1] == start {
			// A zero-length range (cannot happen for CIDR input): replace its cover.
			covers = append(covers[:off[n-1]], stack...)
			off[n] = int32(len(covers))
			return
		}
		starts = append(starts, start)
		covers = append(covers, stack...)
		off = append(off, int32(len(covers)))
	}
	// pop closes the innermost open prefix: the rest of it gets the current
	// cover, and the range after it the enclosing cover.
	pop := func() {
		end := lastAddr(stack[len(stack)-1].Prefix)
		if !done && !end.less(cur) {
			emit(cur)
			cur, done = end.inc()
		}
		stack = stack[:len(stack)-1]
	}
	for _, e := range sorted {
		s := key(e.Prefix.Addr())
		for len(stack) > 0 && lastAddr(stack[len(stack)-1].Prefix).less(s) {
			pop() // ends below s, so end+1 cannot overflow
		}
		if cur.less(s) {
			emit(cur)
		}
		cur = s
		stack = append(stack, e)
	}
	for len(stack) > 0 {
		pop()
	}
	if !done {
		emit(cur)
	}
	return starts, off, covers
}

// Lookup returns the entries whose prefixes contain a, least specific first,
// or nil. The returned slice is shared: callers must not modify it.
func (t *Table) Lookup(a netip.Addr) []Entry {
	if t == nil || !a.IsValid() {
		return nil
	}
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return t.v4.lookup(binary.BigEndian.Uint32(b[:]), func(x, y uint32) bool { return x <= y })
	}
	return t.v6.lookup(key(a), func(x, y u128) bool { return !y.less(x) })
}

// MostSpecific returns the longest matching prefix's entry.
func MostSpecific(es []Entry) (Entry, bool) {
	if len(es) == 0 {
		return Entry{}, false
	}
	return es[len(es)-1], true
}

// Len reports the number of entries in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.v4.n + t.v6.n
}

func (f *family[K]) lookup(k K, le func(a, b K) bool) []Entry {
	// Find the last range whose start is <= k.
	lo, hi := 0, len(f.starts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if le(f.starts[m], k) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 {
		return nil
	}
	c := f.covers[f.off[i]:f.off[i+1]:f.off[i+1]]
	if len(c) == 0 {
		return nil
	}
	return c
}
