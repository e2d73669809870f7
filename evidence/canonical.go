package evidence

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxCanonicalDepth bounds the nesting of canonical JSON values.
const maxCanonicalDepth = 64

// Canonical returns the canonical JSON encoding of v: object keys sorted by
// their UTF-16 code units, no insignificant whitespace, strings escaped as
// RFC 8785 does (short escapes for \b \f \n \r \t, \u00xx for other control
// characters, everything else verbatim UTF-8), integers as plain decimal and
// other numbers in the shortest form that round-trips (ECMAScript style).
//
// v is encoded as encoding/json encodes it, so struct tags apply (common
// payload shapes take a shorter path to the same bytes: canonfast.go).
func Canonical(v any) ([]byte, error) {
	if fast, ok := appendCanonicalFast(make([]byte, 0, 256), v, 0); ok {
		return fast, nil
	}
	return canonicalGeneral(v)
}

// canonicalGeneral is Canonical for any value encoding/json encodes.
func canonicalGeneral(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok && checkCanonicalFast(raw) == nil {
		return raw, nil // already canonical: used as is
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// Values whose encoding is already canonical (structs with fields in key
	// order, maps, integers, plain strings) need no re-encoding.
	if checkCanonicalFast(raw) == nil {
		return raw, nil
	}
	return canonicalize(raw)
}

// CheckCanonical reports an error unless b is exactly the canonical encoding
// of the JSON value it holds. Stored entries must pass it.
func CheckCanonical(b []byte) error { return checkCanonicalFast(b) }

func canonicalize(raw []byte) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("canonical json: invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if dec.More() {
		return nil, errors.New("canonical json: trailing data")
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := encodeCanonical(&buf, v, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeCanonical(buf *bytes.Buffer, v any, depth int) error {
	if depth > maxCanonicalDepth {
		return errors.New("canonical json: nesting too deep")
	}
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case string:
		buf.Write(appendCanonicalString(buf.AvailableBuffer(), x))
	case json.Number:
		s, err := canonicalNumber(string(x))
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeCanonical(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(appendCanonicalString(buf.AvailableBuffer(), k))
			buf.WriteByte(':')
			if err := encodeCanonical(buf, x[k], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("canonical json: unexpected %T", v)
	}
	return nil
}

// canonicalNumber keeps integers that fit an int64 as they are written and
// renders every other number in ECMAScript shortest form.
func canonicalNumber(s string) (string, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("canonical json: number %q out of range", s)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	b, err := json.Marshal(f) // encoding/json follows ECMAScript number formatting
	if err != nil {
		return "", fmt.Errorf("canonical json: %w", err)
	}
	return string(b), nil
}

// compareUTF16 orders strings (valid UTF-8) by their UTF-16 code units.
// That is their byte order except where one has a character U+E000–U+FFFF
// and the other one above U+FFFF at the same place (UTF-8 lead bytes 0xEE
// and up on both sides: surrogates sort below U+E000), so only there are
// they converted.
func compareUTF16(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case i == len(a) || i == len(b):
		return cmp.Compare(len(a), len(b))
	case a[i] < 0xee || b[i] < 0xee:
		return cmp.Compare(a[i], b[i])
	}
	ua, ub := utf16.Encode([]rune(a[i:])), utf16.Encode([]rune(b[i:]))
	return slices.Compare(ua, ub)
}

const hexDigits = "0123456789abcdef"

// appendCanonicalString appends s, valid UTF-8, as a canonical JSON
// string.
func appendCanonicalString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		c := s[i]
		i++
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i-1]...)
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
