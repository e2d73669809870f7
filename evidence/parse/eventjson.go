package parse

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the event's JSON encoding to dst: byte for byte what
// encoding/json writes for it with HTML escaping off (the form of
// `casefile events --json` and of the events digest), without reflection.
// A test checks the two agree on every sample and fixture.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"time":`...)
	dst = appendTime(dst, e.Time)
	if e.TimeNote != "" {
		dst = appendKey(dst, "time_note", e.TimeNote)
	}
	dst = appendKey(dst, "kind", e.Kind)
	if e.Action != "" {
		dst = appendKey(dst, "action", e.Action)
	}
	dst = appendKey(dst, "outcome", e.Outcome)
	if e.Src != "" {
		dst = appendKey(dst, "src", e.Src)
	}
	if e.SrcPort != 0 {
		dst = append(dst, `,"src_port":`...)
		dst = strconv.AppendInt(dst, int64(e.SrcPort), 10)
	}
	if e.SrcService != "" {
		dst = appendKey(dst, "src_service", e.SrcService)
	}
	if e.Dst != "" {
		dst = appendKey(dst, "dst", e.Dst)
	}
	if e.DstPort != 0 {
		dst = append(dst, `,"dst_port":`...)
		dst = strconv.AppendInt(dst, int64(e.DstPort), 10)
	}
	if e.User != "" {
		dst = appendKey(dst, "user", e.User)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, `,"fields":{`...)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, e.Fields[k])
		}
		dst = append(dst, '}')
	}
	c := &e.Citation
	dst = append(dst, `,"citation":{"artefact":`...)
	dst = appendString(dst, c.Artefact)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, c.Offset, 10)
	if c.Line != 0 {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, c.Line, 10)
	}
	if c.Record != 0 {
		dst = append(dst, `,"record":`...)
		dst = strconv.AppendInt(dst, c.Record, 10)
	}
	if c.Member != "" {
		dst = appendKey(dst, "member", c.Member)
	}
	dst = appendKey(dst, "parser", c.Parser)
	return append(dst, "}}"...)
}

func appendKey(dst []byte, key, v string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return appendString(dst, v)
}

// appendTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, trailing zeros trimmed).
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

const hexChars = "0123456789abcdef"

// appendString writes s as encoding/json does with HTML escaping off:
// invalid UTF-8 becomes U+FFFD, control characters other than \n \r \t
// become \u00xx (\b and \f included), U+2028 and U+2029 are escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
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
