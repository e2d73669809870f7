package whois

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// u128 is an address as a 128-bit number (IPv4 in the low 32 bits).
type u128 struct{ hi, lo uint64 }

func toU128(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func fromU128(v u128, is4 bool) netip.Addr {
	if is4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return netip.AddrFrom16(b)
}

func (v u128) sub(w u128) u128 {
	lo, borrow := bits.Sub64(v.lo, w.lo, 0)
	hi, _ := bits.Sub64(v.hi, w.hi, borrow)
	return u128{hi, lo}
}

func (v u128) less(w u128) bool {
	return v.hi < w.hi || v.hi == w.hi && v.lo < w.lo
}

// trailingZeros counts the trailing zero bits of v (128 for zero).
func (v u128) trailingZeros() int {
	if v.lo != 0 {
		return bits.TrailingZeros64(v.lo)
	}
	return 64 + bits.TrailingZeros64(v.hi)
}

// larger reports whether the range [f1, l1] holds more addresses than
// [f2, l2]. An IPv6 range counts as larger than any IPv4 range.
func larger(f1, l1, f2, l2 netip.Addr) bool {
	if f1.Is4() != f2.Is4() {
		return !f1.Is4()
	}
	return toU128(l2).sub(toU128(f2)).less(toU128(l1).sub(toU128(f1)))
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	host := a.BitLen() - p.Bits()
	v := toU128(a)
	switch {
	case host >= 128:
		v = u128{^uint64(0), ^uint64(0)}
	case host >= 64:
		v.lo = ^uint64(0)
		v.hi |= (uint64(1) << (host - 64)) - 1
	default:
		v.lo |= (uint64(1) << host) - 1
	}
	return fromU128(v, a.Is4())
}

// rangePrefixes returns the fewest prefixes that cover exactly [first, last]
// (first and last of one family, first <= last), in address order.
func rangePrefixes(first, last netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	bitLen := first.BitLen()
	for {
		// The largest block starting at first that is aligned and ends at or
		// before last.
		v := toU128(first)
		host := v.trailingZeros()
		if host > bitLen {
			host = bitLen
		}
		for ; host > 0; host-- {
			p := netip.PrefixFrom(first, bitLen-host)
			if !last.Less(lastAddr(p)) {
				break
			}
		}
		p := netip.PrefixFrom(first, bitLen-host)
		out = append(out, p)
		end := lastAddr(p)
		if end == last || len(out) > 256 {
			return out
		}
		first = end.Next()
	}
}
