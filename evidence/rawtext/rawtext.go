// Package rawtext is Casefile's one way of holding bytes from evidence as
// text, and of showing that text on a terminal.
//
// Logs are bytes, not always UTF-8: a Latin-1 user name ("j\xe9r\xf4me") in
// an OpenSSH, syslog or Apache line is one byte per letter. Events,
// indicators and their index are JSON, which holds only UTF-8, so every
// parser passes its text through Encode, and the bytes can always be had
// back with Decode:
//
//   - a byte that is not part of valid UTF-8 is written \xHH, two lower-case
//     hex digits (always 80 to ff);
//   - a backslash that would otherwise read as such an escape (one followed
//     by "x" and two lower-case hex digits naming 80–ff or 5c) is written
//     \x5c;
//   - everything else, valid UTF-8 included, is kept as it is.
//
// So text that is valid UTF-8 and holds no such backslash — nearly all log
// text — is unchanged, and Decode(Encode(s)) == s for every s. (Artefact
// file names are recorded apart, with %XX escapes and a name_escaped flag:
// see evidence.EscapeName.)
//
// Display makes any such text safe to print as part of one line: on top of
// Encode's escapes it writes control characters as \xHH (newline \x0a,
// escape \x1b, …) and C1 controls, Unicode format characters (bidi
// overrides, zero-width marks) and line separators as \uHHHH, and escapes a
// backslash that would read as either. A hostile name can then neither
// start a line, move the cursor, recolour the terminal, nor pass for
// another value.
package rawtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Encode returns s as valid UTF-8 from which Decode gives s back. Valid
// UTF-8 without a backslash escape in it is returned as it is.
func Encode(s string) string {
	if plainASCII(s) || utf8.ValidString(s) && strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return encode(s, false)
}

// plainASCII reports whether s is ASCII without a backslash, which Encode
// returns as it is: one loop, cheaper for the short strings of an event
// (host names, pids, programs) than the two calls of the general check.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	return true
}

// Decode reverses Encode. Text that Encode did not write decodes to itself
// except where it holds an escape.
func Decode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return decode(s, false)
}

// Display returns text (as Encode wrote it, or any other string) as one
// line that is safe to print: valid UTF-8 without control or format
// characters, the bytes of Decode(s) written as the package comment says.
func Display(s string) string {
	plain := true
	for _, r := range s {
		if r == '\\' || r == utf8.RuneError || mustEscape(r) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return encode(Decode(s), true)
}

// Forms returns the stored (encoded) values a value typed by a person may
// stand for, without duplicates: its own bytes encoded; and, when it is
// written in the stored or the displayed form (with \xHH escapes), the
// value that form names.
func Forms(typed string) []string {
	out := []string{Encode(typed)}
	for _, f := range []string{Encode(Decode(typed)), Encode(decode(typed, true))} {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// mustEscape reports whether Display escapes the valid rune r.
func mustEscape(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

func encode(s string, display bool) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\' && escapeAt(s, i, display) > 0:
				b.WriteString(`\x5c`)
			case display && mustEscape(rune(c)):
				writeX(&b, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeX(&b, c)
		case display && mustEscape(r) && r <= 0xffff:
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		case display && mustEscape(r):
			for _, x := range []byte(s[i : i+n]) {
				writeX(&b, x)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func writeX(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func decode(s string, display bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch escapeAt(s, i, display) {
		case 4:
			b.WriteByte(hexByte(s[i+2])<<4 | hexByte(s[i+3]))
			i += 4
		case 6:
			var r rune
			for _, h := range []byte(s[i+2 : i+6]) {
				r = r<<4 | rune(hexByte(h))
			}
			b.WriteRune(r)
			i += 6
		default:
			b.WriteByte('\\')
			i++
		}
	}
	return b.String()
}

// escapeAt returns the length of the escape that starts at s[i] (a
// backslash), or 0 when none does. Stored text has \xHH for 80–ff and 5c;
// displayed text has \xHH for any byte and \uHHHH.
func escapeAt(s string, i int, display bool) int {
	if i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
		v := hexByte(s[i+2])<<4 | hexByte(s[i+3])
		if display || v >= 0x80 || v == '\\' {
			return 4
		}
	}
	if display && i+5 < len(s) && s[i+1] == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
		return 6
	}
	return 0
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func hexByte(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

// Printable reports whether s is valid UTF-8 without control characters
// (newlines included), format characters or line separators: text a person
// may give for a single-line field (a title, a recipient).
func Printable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
		}
		if mustEscape(r) {
			return false
		}
	}
	return true
}
