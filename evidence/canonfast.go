package evidence

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendCanonicalFast appends the payload shapes most entries have (maps
// of strings, integers, booleans, and such maps and lists nested) to b
// straight as canonical JSON: encoding/json's reflection and the check of
// its output were most of the cost of appending such an entry. It returns
// false, with b to be cut back to its length before, for anything else (a
// struct, a float, a named type, invalid UTF-8, deep nesting): Canonical
// then takes the general path, whose output is the same for every value
// handled here (TestCanonicalFastMatchesGeneral). It appends to a slice
// rather than writing to a bytes.Buffer: the Buffer's calls, a few per
// member, were a quarter of its cost.
func appendCanonicalFast(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxCanonicalDepth/2 {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case string:
		return appendCanonicalText(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint64:
		if x > math.MaxInt64 {
			return b, false // canonical form is a double's
		}
		return strconv.AppendUint(b, x, 10), true
	case []any:
		return appendCanonicalList(b, x, depth)
	case []string:
		return appendCanonicalList(b, x, depth)
	case map[string]any:
		return appendCanonicalMap(b, x, depth)
	case map[string]string:
		return appendCanonicalMap(b, x, depth)
	case map[string]int:
		return appendCanonicalMap(b, x, depth)
	case map[string]int64:
		return appendCanonicalMap(b, x, depth)
	}
	return b, false
}

// appendCanonicalList appends an array.
func appendCanonicalList[E any](b []byte, x []E, depth int) ([]byte, bool) {
	if x == nil {
		return append(b, "null"...), true // as encoding/json writes a nil slice
	}
	b = append(b, '[')
	for i, e := range x {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendCanonicalFast(b, any(e), depth+1); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendCanonicalMap appends an object, its members sorted as canonical
// JSON sorts them (by UTF-16 code units).
func appendCanonicalMap[V any](b []byte, m map[string]V, depth int) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true // as encoding/json writes a nil map
	}
	type member struct {
		k string
		v V
	}
	var small [16]member
	members := small[:0]
	for k, v := range m {
		members = append(members, member{k, v})
	}
	slices.SortFunc(members, func(a, b member) int { return compareUTF16(a.k, b.k) })
	b = append(b, '{')
	for i, kv := range members {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendCanonicalText(b, kv.k); !ok {
			return b, false
		}
		b = append(b, ':')
		if b, ok = appendCanonicalFast(b, any(kv.v), depth+1); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendCanonicalText appends s as a JSON string, or returns false when
// it is not UTF-8. Most strings are printable ASCII, which needs neither
// escapes nor a check of its encoding: those are found a word at a time
// (plainRun) and copied whole.
func appendCanonicalText(b []byte, s string) ([]byte, bool) {
	if plainRun(s) < len(s)-len(s)%8 || !plainTail(s[len(s)-len(s)%8:]) {
		if !utf8.ValidString(s) {
			return b, false
		}
		return appendCanonicalString(b, s), true
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// plainTail reports whether every byte of s is printable ASCII other than
// a quote or backslash.
func plainTail(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
