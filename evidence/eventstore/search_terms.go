package eventstore

import (
	"strconv"

	"github.com/casefile/casefile/evidence/parse"
)

// What the search index knows of an event is a set of terms: field terms
// ("field\x00value", the value in ASCII lower case) and words of its text
// ("\x00word"). eachTerm is the one definition of that set: the writer
// indexes it, Verify recomputes it, and a query's brute-force reading
// (Matches) tests against it, so all three agree by construction.

// maxTermValue bounds the bytes of a field value or word kept in a term;
// longer ones are cut, and a query for such a value is checked against the
// events themselves.
const maxTermValue = 96

// canonicalField is the name a field is indexed under: aliases that name
// the same thing in several formats become one name (a switch, not a
// map: it runs for every field of every event indexed).
func canonicalField(f string) string {
	switch f {
	case "rule":
		return "signature"
	case "status_code":
		return "status"
	case "computer":
		return "host"
	case "uri":
		return "url"
	case "username":
		return "user"
	case "source":
		return "src"
	case "destination":
		return "dst"
	case "query_name":
		return "query"
	}
	return f
}

// eachItem calls fn with every value of e the index reads: under the
// field name it is indexed by (empty: words only), and whether its words
// count as the event's text. Empty values are left out.
func eachItem(e *parse.Event, fn func(name, value string, worded bool)) {
	item := func(name, value string, worded bool) {
		if value != "" {
			fn(name, value, worded)
		}
	}
	item("kind", e.Kind, false)
	item("action", e.Action, true)
	item("outcome", e.Outcome, false)
	if e.Src != "" {
		item("src", e.Src, true)
		item("", e.SrcService, true)
	} else {
		item("src", e.SrcService, true)
	}
	item("dst", e.Dst, true)
	item("user", e.User, true)
	// The source port is left out: nearly one value per event, searched
	// for almost never.
	if e.DstPort != 0 {
		item("dst_port", strconv.Itoa(e.DstPort), false)
	}
	if e.Kind == parse.KindHTTP {
		item("method", e.Action, false)
	}
	if e.Kind == parse.KindAlert && e.Fields["signature"] == "" {
		item("signature", e.Action, false)
	}
	for k, v := range e.Fields {
		item(canonicalField(k), v, true)
	}
}

// eachField calls fn with every field of e a query can name.
func eachField(e *parse.Event, fn func(name, value string)) {
	eachItem(e, func(name, value string, _ bool) {
		if name != "" {
			fn(name, value)
		}
	})
}

// textOf is the text of an event that words and phrases search.
func textOf(e *parse.Event) []string {
	var out []string
	eachItem(e, func(_, value string, worded bool) {
		if worded {
			out = append(out, value)
		}
	})
	return out
}

// eachTerm calls fn with every term of e: its fields and the words of its
// text (a term may repeat; fn's slice is reused after it returns).
func eachTerm(e *parse.Event, buf []byte, fn func([]byte)) []byte {
	eachItem(e, func(name, value string, worded bool) {
		buf = itemTerms(buf, name, value, worded, fn)
	})
	return buf
}

// itemTerms calls fn with the terms of one item.
func itemTerms(buf []byte, name, value string, worded bool, fn func([]byte)) []byte {
	if name != "" {
		buf = appendFieldTerm(buf[:0], name, value)
		fn(buf)
	}
	if worded {
		buf = eachWord(value, buf, true, "\x00", fn)
		buf = eachPair(value, buf, fn)
	}
	return buf
}

func appendFieldTerm(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, 0)
	if len(value) > maxTermValue {
		value = value[:maxTermValue]
	}
	for i := 0; i < len(value); i++ {
		dst = append(dst, lower(value[i]))
	}
	return dst
}

// asciiLower is s with ASCII letters in lower case, as terms keep it.
func asciiLower(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = lower(s[i])
	}
	return string(b)
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// isWordByte: ASCII letters and digits, and every byte of a multi-byte
// UTF-8 character (so words in other scripts stay whole).
func isWordByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b >= 0x80
}

// isJoiner: bytes that join word runs into one compound word when between
// two of them ("10.0.0.1", "www.example.com", "invalid_user", "a@b.c").
func isJoiner(b byte) bool { return b == '.' || b == '-' || b == '_' || b == '@' }

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// eachWord calls fn with the words of s in lower case: each compound word
// (word runs joined by isJoiner bytes) and, when parts is set and a
// compound has several runs, each run that is not all digits too. "%HH" escapes separate words,
// so "1%20UNION%20SELECT" gives "1", "union", "select". Words are cut to
// maxTermValue bytes, each after lead. buf is scratch space, returned
// for reuse.
func eachWord(s string, buf []byte, parts bool, lead string, fn func([]byte)) []byte {
	i := 0
	for i < len(s) {
		if !isWordByte(s[i]) {
			i += skip(s, i)
			continue
		}
		// A compound word starts at i.
		start := i
		runs := 1
		for i < len(s) {
			if isWordByte(s[i]) {
				i++
				continue
			}
			if isJoiner(s[i]) && i+1 < len(s) && isWordByte(s[i+1]) {
				runs++
				i++
				continue
			}
			break
		}
		w := s[start:i]
		buf = appendLowerCut(append(buf[:0], lead...), w)
		fn(buf)
		if parts && runs > 1 {
			j := 0
			for j < len(w) {
				if !isWordByte(w[j]) {
					j++
					continue
				}
				k, letters := j, false
				for k < len(w) && isWordByte(w[k]) {
					letters = letters || w[k] > '9'
					k++
				}
				if letters { // the numbers of 10.0.0.1 are not words of their own
					buf = appendLowerCut(append(buf[:0], lead...), w[j:k])
					fn(buf)
				}
				j = k
			}
		}
	}
	return buf
}

// skip is how many bytes of separator start at s[i]: a "%HH" escape
// whole, anything else one byte.
func skip(s string, i int) int {
	if i+2 < len(s) && s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
		return 3
	}
	return 1
}

func appendLowerCut(dst []byte, w string) []byte {
	if len(w) > maxTermValue {
		w = w[:maxTermValue]
	}
	for i := 0; i < len(w); i++ {
		dst = append(dst, lower(w[i]))
	}
	return dst
}

// eachPair calls fn with each pair of consecutive compound words of s,
// "\x01first second" (lower case, each cut as words are): a phrase of two
// words is then one term, answered without reading the events.
func eachPair(s string, buf []byte, fn func([]byte)) []byte {
	var prev []byte
	eachWord(s, nil, false, "", func(cur []byte) {
		if prev != nil {
			buf = append(append(append(append(buf[:0], 1), prev...), ' '), cur...)
			fn(buf)
		}
		prev = append(prev[:0], cur...)
	})
	return buf
}

// words returns the compound words of s (no parts), lower case.
func words(s string) []string {
	var out []string
	eachWord(s, nil, false, "", func(w []byte) { out = append(out, string(w)) })
	return out
}

// normalText is s as phrases are matched: its compound words, uncut,
// separated and surrounded by single spaces.
func normalText(s string) string {
	b := []byte{' '}
	i := 0
	for i < len(s) {
		if !isWordByte(s[i]) {
			i += skip(s, i)
			continue
		}
		start := i
		for i < len(s) && (isWordByte(s[i]) || isJoiner(s[i]) && i+1 < len(s) && isWordByte(s[i+1])) {
			i++
		}
		for j := start; j < i; j++ {
			b = append(b, lower(s[j]))
		}
		b = append(b, ' ')
	}
	return string(b)
}
