package parse

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NewJSONL returns the parser for generic JSON Lines: one JSON object per
// line. Each object becomes one event of kind "other" (or the kind named
// by a "kind" key, when it is one of the known kinds). The time comes from
// the first of timestamp, @timestamp, time, ts, eventTime, event_time,
// date (RFC 3339 text or epoch seconds/milliseconds); the source from
// src_ip, source_ip, client_ip, remote_addr, src, sourceIPAddress,
// id.orig_h, ip; the destination from dest_ip, dst_ip, destination_ip,
// dst, id.resp_h; the user from user, username, user_name, userName,
// usr; the action from action, event_type, eventName, event, type;
// the outcome from outcome/result/status words (success, ok, failure,
// failed, denied, …). Up to 32 other top-level scalar values are kept in
// Fields (each cut to 1 KiB). Blank lines are skipped; lines that are not
// a JSON object are malformed.
func NewJSONL() Parser { return jsonlParser{} }

type jsonlParser struct{}

func (jsonlParser) Name() string { return "jsonl" }
func (jsonlParser) Version() int { return 2 }

func (jsonlParser) Detect(head []byte, name string) int {
	lines := headLines(head, 20)
	ok := 0
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) > 1 && l[0] == '{' && (l[len(l)-1] == '}' || len(lines) == 1) {
			ok++
		}
	}
	if len(lines) == 0 || ok*2 < len(lines) {
		return 0
	}
	return 20
}

var (
	jsonTimeKeys   = []string{"timestamp", "@timestamp", "time", "ts", "eventTime", "event_time", "date"}
	jsonSrcKeys    = []string{"src_ip", "source_ip", "client_ip", "remote_addr", "src", "sourceIPAddress", "id.orig_h", "ip"}
	jsonSrcPorts   = []string{"src_port", "source_port", "client_port", "remote_port", "id.orig_p"}
	jsonDstKeys    = []string{"dest_ip", "dst_ip", "destination_ip", "dst", "id.resp_h"}
	jsonDstPorts   = []string{"dest_port", "dst_port", "destination_port", "id.resp_p"}
	jsonUserKeys   = []string{"user", "username", "user_name", "userName", "usr"}
	jsonActionKeys = []string{"action", "event_type", "eventName", "event", "type"}
	jsonResultKeys = []string{"outcome", "result", "status"}
)

func (p jsonlParser) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	c := newClock(opts)
	return lineLoop(r, e, true, func(line []byte, off, num int64, trunc bool) error {
		line, e.marked = markJSON(line)
		m, why := decodeObject(line)
		if why != "" {
			e.malformed(off, num, 0, why)
			return nil
		}
		ev := Event{Kind: KindOther, Outcome: OutcomeUnknown, Fields: map[string]string{}}
		used := map[string]bool{}
		pick := func(keys []string) (string, bool) {
			for _, k := range keys {
				if v, ok := lookup(m, k); ok {
					if s, ok := scalar(v); ok && s != "" {
						used[k] = true
						return s, true
					}
				}
			}
			return "", false
		}
		for _, k := range jsonTimeKeys {
			if v, ok := lookup(m, k); ok {
				if t, zoned, ok := jsonTime(v); ok {
					ev.Time = t
					if !zoned {
						ev.Time, ev.TimeNote = c.zoneless(t)
					}
					used[k] = true
					break
				}
			}
		}
		if s, ok := pick(jsonSrcKeys); ok {
			if ev.Src = e.ip([]byte(s)); ev.Src == "" {
				ev.Fields["src_host"] = s
			}
		}
		if s, ok := pick(jsonSrcPorts); ok {
			ev.SrcPort = atoiPort([]byte(s))
		}
		if s, ok := pick(jsonDstKeys); ok {
			ev.Dst = e.ip([]byte(s))
		}
		if s, ok := pick(jsonDstPorts); ok {
			ev.DstPort = atoiPort([]byte(s))
		}
		ev.User, _ = pick(jsonUserKeys)
		ev.Action, _ = pick(jsonActionKeys)
		if s, ok := pick([]string{"kind"}); ok && isKind(s) {
			ev.Kind = s
		}
		if s, ok := pick(jsonResultKeys); ok {
			ev.Outcome = outcomeWord(s)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if !used[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(ev.Fields) >= 32 {
				break
			}
			if s, ok := scalar(m[k]); ok {
				ev.Fields[capString(k, 128)] = capString(s, 1024)
			}
		}
		return e.event(&ev, off, num, 0, trunc)
	})
}

func isKind(s string) bool {
	switch s {
	case KindAuth, KindHTTP, KindAPI, KindFlow, KindAlert, KindDNS, KindProcess, KindOther:
		return true
	}
	return false
}

func outcomeWord(s string) string {
	switch strings.ToLower(s) {
	case "success", "succeeded", "successful", "ok", "allow", "allowed", "accept", "accepted", "pass", "true":
		return OutcomeSuccess
	case "failure", "fail", "failed", "error", "denied", "deny", "reject", "rejected", "blocked", "drop", "false":
		return OutcomeFailure
	}
	return OutcomeUnknown
}

func capString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// decodeObject decodes one JSON object, keeping numbers exact.
func decodeObject(line []byte) (map[string]any, string) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return nil, "not a JSON object"
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, "bad JSON: " + capString(err.Error(), 200)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "bad JSON: data after the object"
	}
	return m, ""
}

// lookup finds key in m, first as a flat key ("id.orig_h" as Zeek writes
// it), then as a dotted path into nested objects.
func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for {
		i := strings.IndexByte(key, '.')
		if i < 0 {
			return nil, false
		}
		sub, ok := m[key[:i]].(map[string]any)
		if !ok {
			return nil, false
		}
		m, key = sub, key[i+1:]
		if v, ok := m[key]; ok {
			return v, true
		}
	}
}

// scalar renders a JSON string, number or boolean.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

var jsonTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
}

var zonelessLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// jsonTime reads a time written as text or as epoch seconds (or
// milliseconds, microseconds when too large for seconds). zoned is false
// when the text gave no zone.
func jsonTime(v any) (t time.Time, zoned, ok bool) {
	switch v := v.(type) {
	case string:
		if len(v) > 64 {
			return t, false, false
		}
		for _, l := range jsonTimeLayouts {
			if t, err := time.Parse(l, v); err == nil {
				return t, true, true
			}
		}
		for _, l := range zonelessLayouts {
			if t, err := time.Parse(l, v); err == nil {
				return t, false, true
			}
		}
		if t, ok := epoch(v); ok {
			return t, true, true
		}
	case json.Number:
		if t, ok := epoch(v.String()); ok {
			return t, true, true
		}
	}
	return t, false, false
}

// epoch parses decimal epoch seconds exactly ("1521911721.255387"); larger
// integers are read as milliseconds, microseconds or nanoseconds.
func epoch(s string) (time.Time, bool) {
	ip, frac, _ := strings.Cut(s, ".")
	if len(ip) == 0 || len(ip) > 19 || len(frac) > 9 || !isDigits([]byte(ip)) || (frac != "" && !isDigits([]byte(frac))) {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(ip, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	ns := int64(0)
	if frac != "" {
		n, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		ns = n
	}
	switch {
	case sec >= 1e17:
		return time.Unix(0, sec).UTC(), true
	case sec >= 1e14:
		return time.UnixMicro(sec).UTC(), true
	case sec >= 1e11:
		return time.UnixMilli(sec).UTC(), true
	}
	return time.Unix(sec, ns).UTC(), true
}
