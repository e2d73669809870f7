package prefixtab

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// brute is the obvious linear answer the table must reproduce.
func brute(es []Entry, a netip.Addr) []Entry {
	a = a.Unmap()
	var out []Entry
	for _, e := range es {
		if e.Prefix.IsValid() && e.Prefix.Masked().Contains(a) {
			e.Prefix = e.Prefix.Masked()
			out = append(out, e)
		}
	}
	// least specific first, stable for equal prefixes
	slices.SortStableFunc(out, func(x, y Entry) int { return x.Prefix.Bits() - y.Prefix.Bits() })
	return out
}

func same(t *testing.T, es []Entry, tab *Table, a netip.Addr) {
	t.Helper()
	got, want := tab.Lookup(a), brute(es, a)
	if len(got) != len(want) {
		t.Fatalf("Lookup(%v) = %v, want %v", a, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("Lookup(%v) = %v, want %v", a, got, want)
		}
	}
}

func TestExamples(t *testing.T) {
	es := []Entry{
		{netip.MustParsePrefix("52.80.0.0/16"), 1},
		{netip.MustParsePrefix("52.80.0.0/16"), 2}, // same prefix twice (AMAZON + EC2)
		{netip.MustParsePrefix("52.0.0.0/8"), 3},
		{netip.MustParsePrefix("52.80.34.196/32"), 4},
		{netip.MustParsePrefix("0.0.0.0/0"), 5},
		{netip.MustParsePrefix("255.255.255.0/24"), 6},
		{netip.MustParsePrefix("2001:db8::/32"), 7},
		{netip.MustParsePrefix("::/0"), 8},
		{netip.MustParsePrefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 9},
		{netip.MustParsePrefix("10.1.2.3/8"), 10}, // host bits set
		{netip.Prefix{}, 11},                      // invalid: skipped
	}
	tab := Build(es)
	if tab.Len() != 10 {
		t.Fatalf("Len = %d, want 10", tab.Len())
	}
	for _, s := range []string{"52.80.34.196", "52.80.34.197", "52.81.0.0", "52.0.0.0", "51.255.255.255",
		"255.255.255.255", "0.0.0.0", "10.200.0.1", "2001:db8::1", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"::ffff:52.80.34.196", "2001:db9::"} {
		same(t, es, tab, netip.MustParseAddr(s))
	}
	got := tab.Lookup(netip.MustParseAddr("52.80.34.196"))
	if len(got) != 5 || got[4].Value != 4 || got[0].Value != 5 {
		t.Fatalf("52.80.34.196: %v", got)
	}
	// An IPv4 address never matches ::/0, an IPv6 address never 0.0.0.0/0.
	if g := tab.Lookup(netip.MustParseAddr("1.2.3.4")); len(g) != 1 || g[0].Value != 5 {
		t.Fatalf("1.2.3.4: %v", g)
	}
	if g := tab.Lookup(netip.MustParseAddr("3fff::1")); len(g) != 1 || g[0].Value != 8 {
		t.Fatalf("3fff::1: %v", g)
	}
	var empty *Table
	if empty.Lookup(netip.MustParseAddr("1.2.3.4")) != nil || Build(nil).Lookup(netip.MustParseAddr("1.2.3.4")) != nil {
		t.Fatal("empty table matched")
	}
}

func randPrefix(r *rand.Rand, v6 bool) netip.Prefix {
	if v6 {
		var b [16]byte
		b[0] = byte(r.IntN(4)) // crowd the prefixes so that they nest
		for i := 1; i < 16; i++ {
			b[i] = byte(r.IntN(256))
		}
		return netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129))
	}
	b := [4]byte{byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
	return netip.PrefixFrom(netip.AddrFrom4(b), r.IntN(33))
}

func TestRandomAgainstBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := r.IntN(40)
		es := make([]Entry, n)
		for i := range es {
			es[i] = Entry{randPrefix(r, r.IntN(2) == 0), int32(i)}
		}
		tab := Build(es)
		for range 300 {
			var a netip.Addr
			if r.IntN(2) == 0 {
				// an address at or next to a prefix boundary
				if n == 0 {
					a = netip.MustParseAddr("1.2.3.4")
				} else {
					p := es[r.IntN(n)]
					a = p.Prefix.Masked().Addr()
					if r.IntN(2) == 0 {
						a = a.Prev()
					}
					if !a.IsValid() {
						a = p.Prefix.Addr()
					}
				}
			} else {
				a = randPrefix(r, r.IntN(2) == 0).Addr()
			}
			same(t, es, tab, a)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tab := Build([]Entry{{netip.MustParsePrefix("52.80.0.0/16"), 1}, {netip.MustParsePrefix("2600::/16"), 2}})
	a4, a6 := netip.MustParseAddr("52.80.1.1"), netip.MustParseAddr("2600::1")
	if n := testing.AllocsPerRun(100, func() { tab.Lookup(a4); tab.Lookup(a6) }); n != 0 {
		t.Fatalf("%v allocations per lookup", n)
	}
}

func FuzzTable(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 8, 1, 2, 3, 4, 32}, []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, prefixes, addr []byte) {
		var es []Entry
		for i := 0; i+5 <= len(prefixes) && len(es) < 64; i += 5 {
			a := netip.AddrFrom4([4]byte(prefixes[i : i+4]))
			es = append(es, Entry{netip.PrefixFrom(a, int(prefixes[i+4])%33), int32(len(es))})
		}
		if len(addr) < 4 {
			return
		}
		tab := Build(es)
		same(t, es, tab, netip.AddrFrom4([4]byte(addr[:4])))
	})
}
