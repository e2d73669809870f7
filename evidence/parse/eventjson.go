package parse

import (
	"slices"
	"strconv"
	"time"

	"github.com/casefile/casefile/evidence"
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

func appendTime(dst []byte, t time.Time) []byte { return evidence.AppendJSONTime(dst, t) }
func appendString(dst []byte, s string) []byte  { return evidence.AppendJSONString(dst, s) }
