package parse

import (
	"strings"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence/rawtext"
)

// Every text an event carries is valid UTF-8, written by rawtext.Encode: a
// byte of the log that is not UTF-8 (a Latin-1 user name) becomes \xHH and
// can be had back with rawtext.Decode. encodeText does it for every parser,
// as the last step before an event reaches the sink, so that what is
// stored, indexed and verified is the same text.

// encodeText encodes every string of ev. With marked set, the strings hold
// the marks of markJSON (a JSON record that was not UTF-8) and are first
// turned back into the record's bytes.
func encodeText(ev *Event, marked bool) {
	enc := func(s string) string {
		if marked {
			s = unmark(s)
		}
		return rawtext.Encode(s)
	}
	ev.TimeNote, ev.Kind, ev.Action, ev.Outcome = enc(ev.TimeNote), enc(ev.Kind), enc(ev.Action), enc(ev.Outcome)
	ev.Src, ev.SrcService, ev.Dst, ev.User = enc(ev.Src), enc(ev.SrcService), enc(ev.Dst), enc(ev.User)
	var changed []string
	for k, v := range ev.Fields {
		if enc(k) != k || enc(v) != v {
			changed = append(changed, k)
		}
	}
	for _, k := range changed {
		v := ev.Fields[k]
		delete(ev.Fields, k)
		ev.Fields[enc(k)] = enc(v)
	}
}

// JSON holds only UTF-8: encoding/json turns every byte that is not into
// U+FFFD, and the byte is lost. markJSON rewrites a JSON text that is not
// valid UTF-8 so that such bytes survive decoding as marks: byte b in a
// string becomes the rune U+10FF00+b (U+10FF80 to U+10FFFF, the end of a
// private use plane). Those runes themselves, written raw or as \u escapes,
// are marked byte by byte, so unmark gives back exactly the bytes of the
// string. Valid UTF-8 is returned as it is, with marked false.
func markJSON(b []byte) (out []byte, marked bool) {
	if utf8.Valid(b) {
		return b, false
	}
	out = make([]byte, 0, len(b)+len(b)/4)
	inString := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case !inString:
			if c == '"' {
				inString = true
			}
			out = append(out, c)
			i++
		case c == '"':
			inString = false
			out = append(out, c)
			i++
		case c == '\\' && i+1 < len(b):
			if r, n := markedEscape(b[i:]); n > 0 {
				out = appendMarks(out, string(utf8.AppendRune(nil, r)))
				i += n
				continue
			}
			n := 2
			if b[i+1] == 'u' {
				n = min(6, len(b)-i)
			}
			out = append(out, b[i:i+n]...)
			i += n
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if (r == utf8.RuneError && n == 1) || isMark(r) {
				out = appendMarks(out, string(b[i:i+n]))
			} else {
				out = append(out, b[i:i+n]...)
			}
			i += n
		}
	}
	return out, true
}

const markBase = 0x10ff00

func isMark(r rune) bool { return r >= markBase+0x80 && r <= markBase+0xff }

func appendMarks(out []byte, bytes string) []byte {
	for i := 0; i < len(bytes); i++ {
		out = utf8.AppendRune(out, markBase+rune(bytes[i]))
	}
	return out
}

// markedEscape reads a surrogate pair escape ("\udbff\udf80") at the start
// of b naming a mark rune, and returns the rune and the escape's length.
func markedEscape(b []byte) (rune, int) {
	if len(b) < 12 || b[1] != 'u' || b[7] != 'u' || b[6] != '\\' {
		return 0, 0
	}
	hi, ok1 := hex4(b[2:6])
	lo, ok2 := hex4(b[8:12])
	if !ok1 || !ok2 || hi < 0xd800 || hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff {
		return 0, 0
	}
	r := 0x10000 + (hi-0xd800)<<10 + (lo - 0xdc00)
	if !isMark(r) {
		return 0, 0
	}
	return r, 12
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// unmark turns the marks of markJSON back into bytes.
func unmark(s string) string {
	if !strings.Contains(s, "\xf4\x8f\xbe") && !strings.Contains(s, "\xf4\x8f\xbf") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isMark(r) {
			b.WriteByte(byte(r - markBase))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
