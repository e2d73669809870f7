package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// canonScanner checks, without decoding into Go values, that bytes are
// exactly the canonical JSON encoding (see Canonical): no whitespace,
// object keys unique and in UTF-16 order, strings escaped minimally,
// numbers in canonical form. It also reports the spans of the top-level
// object's members, so ParseEntry can read fields without a second parse.
type canonScanner struct {
	b    []byte
	pos  int
	keys [][]byte // top-level members' raw keys and values, when collecting
	vals [][]byte
	keep bool
}

var errNotCanonical = errors.New("not in canonical form")

func (s *canonScanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errNotCanonical, what, s.pos)
}

func checkCanonicalFast(b []byte) error {
	s := canonScanner{b: b}
	return s.check()
}

func (s *canonScanner) check() error {
	if !utf8.Valid(s.b) {
		return errors.New("invalid UTF-8")
	}
	if err := s.value(0); err != nil {
		return err
	}
	if s.pos != len(s.b) {
		return s.fail("trailing data")
	}
	return nil
}

func (s *canonScanner) value(depth int) error {
	if depth > maxCanonicalDepth {
		return s.fail("nesting too deep")
	}
	if s.pos >= len(s.b) {
		return s.fail("unexpected end")
	}
	switch c := s.b[s.pos]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		s.pos++
		if s.pos < len(s.b) && s.b[s.pos] == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.value(depth + 1); err != nil {
				return err
			}
			if s.pos >= len(s.b) {
				return s.fail("unterminated array")
			}
			if s.b[s.pos] == ']' {
				s.pos++
				return nil
			}
			if s.b[s.pos] != ',' {
				return s.fail("expected , or ]")
			}
			s.pos++
		}
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.fail("unexpected character")
	}
}

func (s *canonScanner) lit(w string) error {
	if !bytes.HasPrefix(s.b[s.pos:], []byte(w)) {
		return s.fail("bad literal")
	}
	s.pos += len(w)
	return nil
}

func (s *canonScanner) object(depth int) error {
	s.pos++ // {
	if s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
		return nil
	}
	var prev []byte
	for {
		if s.pos >= len(s.b) || s.b[s.pos] != '"' {
			return s.fail("expected a key")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		if prev != nil && compareKeys(prev, key) >= 0 {
			return s.fail("keys not in order or repeated")
		}
		prev = key
		if s.pos >= len(s.b) || s.b[s.pos] != ':' {
			return s.fail("expected :")
		}
		s.pos++
		start := s.pos
		if err := s.value(depth + 1); err != nil {
			return err
		}
		if depth == 0 && s.keep {
			s.keys = append(s.keys, key)
			s.vals = append(s.vals, s.b[start:s.pos])
		}
		if s.pos >= len(s.b) {
			return s.fail("unterminated object")
		}
		if s.b[s.pos] == '}' {
			s.pos++
			return nil
		}
		if s.b[s.pos] != ',' {
			return s.fail("expected , or }")
		}
		s.pos++
	}
}

// str checks a canonical string and returns its raw content (escapes
// left in place; keys with escapes are compared after decoding).
func (s *canonScanner) str() ([]byte, error) {
	s.pos++ // "
	start := s.pos
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case c == '"':
			raw := s.b[start:s.pos]
			s.pos++
			return raw, nil
		case c < 0x20:
			return nil, s.fail("raw control character")
		case c == '\\':
			if s.pos+1 >= len(s.b) {
				return nil, s.fail("bad escape")
			}
			switch s.b[s.pos+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				// Only control characters without a short form are written
				// as \u00xx, in lower-case hex.
				if s.pos+6 > len(s.b) || s.b[s.pos+2] != '0' || s.b[s.pos+3] != '0' {
					return nil, s.fail("needless \\u escape")
				}
				v := hexVal(s.b[s.pos+4])<<4 | hexVal(s.b[s.pos+5])
				if hexVal(s.b[s.pos+4]) < 0 || hexVal(s.b[s.pos+5]) < 0 || v >= 0x20 ||
					v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t' {
					return nil, s.fail("needless \\u escape")
				}
				s.pos += 6
			default:
				return nil, s.fail("bad escape")
			}
		default:
			s.pos++
		}
	}
	return nil, s.fail("unterminated string")
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1 << 8
}

func (s *canonScanner) number() error {
	start := s.pos
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
			s.pos++
			continue
		}
		break
	}
	lit := string(s.b[start:s.pos])
	want, err := canonicalNumber(lit)
	if err != nil || want != lit {
		return s.fail("number not in canonical form")
	}
	return nil
}

// compareKeys orders raw (still escaped) keys by their UTF-16 code units.
func compareKeys(a, b []byte) int {
	if isPlainASCII(a) && isPlainASCII(b) {
		return bytes.Compare(a, b)
	}
	da, db := unescapeKey(a), unescapeKey(b)
	ua, ub := utf16.Encode([]rune(da)), utf16.Encode([]rune(db))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	return len(ua) - len(ub)
}

func isPlainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == '\\' {
			return false
		}
	}
	return true
}

func unescapeKey(b []byte) string {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch b[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 < len(b) {
				out = append(out, byte(hexVal(b[i+3])<<4|hexVal(b[i+4])))
				i += 4
			}
		default:
			out = append(out, b[i])
		}
	}
	return string(out)
}
