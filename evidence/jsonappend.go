package evidence

import (
	"time"
	"unicode/utf8"
)

// AppendJSONTime appends t as time.Time.MarshalJSON writes it (RFC 3339 with
// nanoseconds, trailing zeros trimmed). Years outside 0–9999, which
// MarshalJSON refuses, are the caller's to keep out.
func AppendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

const hexChars = "0123456789abcdef"

// AppendJSONString appends s quoted as encoding/json writes it with HTML
// escaping off: invalid UTF-8 becomes U+FFFD, \b \f \n \r \t keep their
// short escapes, other control characters become \u00xx, and U+2028 and
// U+2029 are escaped. (Canonical JSON differs only in those last two, which
// the log's check catches and re-encodes.)
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexChars[b>>4], hexChars[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexChars[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain8 reports whether the 8 bytes of s are all ASCII that JSON writes
// as it is (no control character, quote or backslash): the common case,
// tested a word at a time (exact bit tricks, no false answers).
func plain8(s string) bool {
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	return plainWord(w)
}

// plainRun is how many of the first bytes of s, in whole words of 8, are
// what plain8 accepts.
func plainRun(s string) int {
	n := 0
	for ; n+8 <= len(s); n += 8 {
		w := uint64(s[n]) | uint64(s[n+1])<<8 | uint64(s[n+2])<<16 | uint64(s[n+3])<<24 |
			uint64(s[n+4])<<32 | uint64(s[n+5])<<40 | uint64(s[n+6])<<48 | uint64(s[n+7])<<56
		if !plainWord(w) {
			break
		}
	}
	return n
}

// plainWord is plain8 of the bytes of w.
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, b := w^'"'*ones, w^'\\'*ones // a zero byte where a quote or backslash was
	bad := w |                      // not ASCII
		(w-0x20*ones)&^w | // below 0x20
		(q-ones)&^q | (b-ones)&^b
	return bad&highs == 0
}
