package evidence

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestCanonicalFastMatchesGeneral: for every value the fast path takes,
// it writes exactly what encoding/json and the canonical check write.
func TestCanonicalFastMatchesGeneral(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", "quote \" back \\ nl \n tab \t ctl \x01 del \x7f", "line\u2028sep\u2029",
		"é 日本 😀", 0, -1, math.MaxInt64, math.MinInt64, int64(-5), int32(7), uint32(9), uint64(math.MaxInt64),
		[]any(nil), []any{}, []any{1, "a", nil, []any{true}}, []string(nil), []string{"x", "y\n"},
		map[string]any(nil), map[string]any{}, map[string]string{"b": "1", "a": "2"}, map[string]int{"z": 1, "A": -2},
		map[string]int64{"k": math.MinInt64},
		map[string]any{"artefact": "sha256:9f86", "offset": 12, "reason": "review", "nested": map[string]any{"\uffff": 1, "😀": 2, "\ue000": 3, "a": []any{map[string]string{}}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, randomPayload(rng, 0))
	}
	// Each character that is not written as it is, or not ASCII, at each
	// place of strings around the word size the plain ones are found by.
	for n := range 20 {
		for at := range n {
			for _, c := range []string{"\"", "\\", "\x00", "\x1f", "\n", "\x7f", "é", "\u2028", "😀"} {
				s := strings.Repeat("a", at) + c + strings.Repeat("b", n-at-1)
				values = append(values, s, map[string]any{s: s})
			}
		}
	}
	for _, v := range values {
		fast, ok := appendCanonicalFast(nil, v, 0)
		if !ok {
			t.Fatalf("fast path refused %#v", v)
		}
		want, err := canonicalGeneral(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if !bytes.Equal(fast, want) {
			t.Fatalf("%#v:\nfast    %s\ngeneral %s", v, fast, want)
		}
	}
	// What it does not take, the general path does.
	for _, v := range []any{1.5, uint64(math.MaxUint64), "bad \xff utf-8", map[string]any{"\xff": 1}, struct{ A int }{1}, []byte("x"), map[string]any{"f": 0.1}} {
		if _, ok := appendCanonicalFast(nil, v, 0); ok {
			t.Fatalf("fast path took %#v", v)
		}
	}
}

func randomPayload(rng *rand.Rand, depth int) any {
	strs := []string{"", "a", "B", "é", "😀", "\ue000", "\n", "\"", "\\", "\x00", "x y", "\u2028", "Zz"}
	str := func() string {
		s := ""
		for range rng.IntN(4) {
			s += strs[rng.IntN(len(strs))]
		}
		return s
	}
	k := rng.IntN(9)
	if depth > 3 {
		k = rng.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return str()
	case 3:
		return rng.Int64() - rng.Int64()
	case 4:
		return int(rng.Int32())
	case 5, 6:
		m := map[string]any{}
		for range rng.IntN(20) {
			m[str()] = randomPayload(rng, depth+1)
		}
		return m
	case 7:
		var l []any
		for range rng.IntN(4) {
			l = append(l, randomPayload(rng, depth+1))
		}
		return l
	default:
		m := map[string]string{}
		for range rng.IntN(5) {
			m[str()] = str()
		}
		return m
	}
}

// TestCompareUTF16: the byte-order shortcut orders every pair of strings
// as their UTF-16 code units do, around the characters where UTF-8 and
// UTF-16 order differ (U+E000–U+FFFF against those above U+FFFF).
func TestCompareUTF16(t *testing.T) {
	chars := []string{"", "a", "B", "\x7f", "é", "è", "\u0800", "\ud7ff", "\ue000", "\uefff", "\uffff", "😀", "\U00010000", "\U0010ffff", "日"}
	rng := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		s := ""
		for range rng.IntN(4) {
			s += chars[rng.IntN(len(chars))]
		}
		return s
	}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for range 20000 {
		a, b := str(), str()
		if rng.IntN(4) == 0 {
			b = a + str()
		}
		want := sign(slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b))))
		if got := sign(compareUTF16(a, b)); got != want {
			t.Fatalf("compareUTF16(%+q, %+q) = %d, UTF-16 order %d", a, b, got, want)
		}
	}
}
