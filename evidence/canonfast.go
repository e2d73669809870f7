package evidence

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// canonicalFast writes the payload shapes most entries have (maps of
// strings, integers, booleans, and such maps and lists nested) straight
// as canonical JSON: encoding/json's reflection and the check of its
// output were most of the cost of appending such an entry. It returns
// false, leaving buf to be discarded, for anything else (a struct, a
// float, a named type, invalid UTF-8, deep nesting): Canonical then takes
// the general path, whose output is the same for every value handled
// here (TestCanonicalFastMatchesGeneral).
func canonicalFast(buf *bytes.Buffer, v any, depth int) bool {
	if depth > maxCanonicalDepth/2 {
		return false
	}
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case string:
		return canonicalText(buf, x)
	case int:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(x), 10))
	case int64:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), x, 10))
	case int32:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(x), 10))
	case uint32:
		buf.Write(strconv.AppendUint(buf.AvailableBuffer(), uint64(x), 10))
	case uint64:
		if x > math.MaxInt64 {
			return false // canonical form is a double's
		}
		buf.Write(strconv.AppendUint(buf.AvailableBuffer(), x, 10))
	case []any:
		return canonicalList(buf, x, depth)
	case []string:
		return canonicalList(buf, x, depth)
	case map[string]any:
		return canonicalMap(buf, x, depth)
	case map[string]string:
		return canonicalMap(buf, x, depth)
	case map[string]int:
		return canonicalMap(buf, x, depth)
	case map[string]int64:
		return canonicalMap(buf, x, depth)
	default:
		return false
	}
	return true
}

// canonicalList writes an array.
func canonicalList[E any](buf *bytes.Buffer, x []E, depth int) bool {
	if x == nil {
		buf.WriteString("null") // as encoding/json writes a nil slice
		return true
	}
	buf.WriteByte('[')
	for i, e := range x {
		if i > 0 {
			buf.WriteByte(',')
		}
		if !canonicalFast(buf, any(e), depth+1) {
			return false
		}
	}
	buf.WriteByte(']')
	return true
}

// canonicalMap writes an object, its members sorted as canonical JSON
// sorts them (by UTF-16 code units).
func canonicalMap[V any](buf *bytes.Buffer, m map[string]V, depth int) bool {
	if m == nil {
		buf.WriteString("null") // as encoding/json writes a nil map
		return true
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
	buf.WriteByte('{')
	for i, kv := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		if !canonicalText(buf, kv.k) {
			return false
		}
		buf.WriteByte(':')
		if !canonicalFast(buf, any(kv.v), depth+1) {
			return false
		}
	}
	buf.WriteByte('}')
	return true
}

// canonicalText writes s as a JSON string, or returns false when it is not
// UTF-8. Most strings are printable ASCII, which needs neither escapes nor
// a check of its encoding: those are found a word at a time (plainRun) and
// copied whole.
func canonicalText(buf *bytes.Buffer, s string) bool {
	if plainRun(s) < len(s)-len(s)%8 || !plainTail(s[len(s)-len(s)%8:]) {
		if !utf8.ValidString(s) {
			return false
		}
		writeCanonicalString(buf, s)
		return true
	}
	b := append(buf.AvailableBuffer(), '"')
	b = append(b, s...)
	buf.Write(append(b, '"'))
	return true
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
