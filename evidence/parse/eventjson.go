package parse

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
)

// AppendJSON appends the event's JSON encoding to dst: byte for byte what
// encoding/json writes for it with HTML escaping off (the form of
// `casefile events --json` and of the events digest), without reflection.
// A test checks the two agree on every sample and fixture.
func (e *Event) AppendJSON(dst []byte) []byte {
	var enc JSONEncoder
	return enc.Append(dst, e)
}

// JSONEncoder is Event.AppendJSON remembering the encoding of the last time
// note and artefact it wrote: the events of a log share them, and they
// are the longest strings of most events. The zero value is ready; a
// JSONEncoder is for one goroutine.
type JSONEncoder struct {
	note, artefact lastString
	fields         []field // the event's fields, sorted by name
}

type field struct{ k, v string }

// lastString is a string and its JSON encoding.
type lastString struct {
	s   string
	enc []byte
	set bool
}

func (l *lastString) append(dst []byte, s string) []byte {
	if !l.set || s != l.s {
		l.s, l.enc, l.set = s, evidence.AppendJSONString(l.enc[:0], s), true
	}
	return append(dst, l.enc...)
}

// Append appends e's JSON encoding to dst, as AppendJSON does.
func (enc *JSONEncoder) Append(dst []byte, e *Event) []byte {
	dst = append(dst, `{"time":`...)
	dst = appendTime(dst, e.Time)
	if e.TimeNote != "" {
		dst = append(dst, `,"time_note":`...)
		dst = enc.note.append(dst, e.TimeNote)
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
		fs := enc.fields[:0]
		for k, v := range e.Fields {
			fs = append(fs, field{k, v})
		}
		slices.SortFunc(fs, func(a, b field) int { return strings.Compare(a.k, b.k) })
		dst = append(dst, `,"fields":{`...)
		for i, f := range fs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, f.k)
			dst = append(dst, ':')
			dst = appendString(dst, f.v)
		}
		dst = append(dst, '}')
		clear(fs) // keeps no strings alive
		enc.fields = fs[:0]
	}
	c := &e.Citation
	dst = append(dst, `,"citation":{"artefact":`...)
	dst = enc.artefact.append(dst, c.Artefact)
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

func appendTime(dst []byte, t time.Time) []byte { return evidence.AppendJSONTime(dst, t) }
func appendString(dst []byte, s string) []byte  { return evidence.AppendJSONString(dst, s) }
