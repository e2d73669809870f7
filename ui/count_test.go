package ui

import "testing"

// TestCountOf: the counts pages show are written with thousands separated,
// whatever integer type holds them.
func TestCountOf(t *testing.T) {
	for _, c := range []struct {
		n    any
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {int64(100_000_000), "100,000,000"}, {uint64(1234567), "1,234,567"}, {-5, "-5"}} {
		if got := countOf(c.n); got != c.want {
			t.Errorf("countOf(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}
