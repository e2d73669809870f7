package parse

import (
	"bytes"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NewZeek returns the parser for Zeek logs, both TSV (with the #separator,
// #fields and #types header; a missing #close line is fine, and a new
// header block may start mid-stream) and JSON (one object per line, ts as
// ISO-8601 text or epoch seconds).
//
// The log type comes from #path, the JSON _path key, or else the fields
// present. Mapping: conn → flow (action the protocol); ssh → auth (action
// "ssh", outcome from auth_success T/F, unknown when unset); rdp → auth
// when a cookie names a user (User = cookie), else other, outcome unknown
// (Zeek's result "Success" says the protocol negotiation went through, not
// that the user authenticated, which happens later inside TLS/CredSSP where
// Zeek cannot see; the cookie is the name the client offered, cut to nine
// characters by mstsc, not an account signed into); ntlm → auth
// (User = username, outcome from success); notice → alert (action the
// note); dns → dns (action "query"); http → http (action the method,
// outcome from status_code); any other log → other with action the path.
// Src/Dst/ports are id.orig_h/id.orig_p/id.resp_h/id.resp_p (notice: src
// and dst when set). Up to 32 other non-empty columns go in Fields.
func NewZeek() Parser { return zeekParser{} }

type zeekParser struct{}

func (zeekParser) Name() string { return "zeek" }
func (zeekParser) Version() int { return 3 }

func (zeekParser) Detect(head []byte, name string) int {
	if bytes.HasPrefix(head, []byte("#separator ")) {
		return 95
	}
	lines := headLines(head, 20)
	ok := 0
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte("{")) && (has(l, `"id.orig_h"`) || has(l, `"_path"`)) {
			ok++
		}
	}
	if ok == 0 || ok*2 < len(lines) {
		return 0
	}
	return 85
}

type zeekHeader struct {
	sep    []byte
	unset  string
	empty  string
	path   string
	fields []string
}

func (p zeekParser) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	h := zeekHeader{sep: []byte("\t"), unset: "-", empty: "(empty)"}
	pathHint := zeekPathFromName(opts.Name)
	var cols [][]byte
	vals := make(map[string]string, 32)
	return lineLoop(r, e, true, func(line []byte, off, num int64, trunc bool) error {
		if line[0] == '#' {
			h.directive(line)
			return nil
		}
		clear(vals)
		path := h.path
		if line[0] == '{' {
			line, e.marked = markJSON(line)
			m, why := decodeObject(line)
			if why != "" {
				e.malformed(off, num, 0, why)
				return nil
			}
			for k, v := range m {
				switch v := v.(type) {
				case []any:
					parts := make([]string, 0, len(v))
					for _, x := range v {
						if s, ok := scalar(x); ok {
							parts = append(parts, s)
						}
					}
					vals[k] = strings.Join(parts, ",")
				default:
					if s, ok := scalar(v); ok {
						if b, isBool := v.(bool); isBool {
							s = "F"
							if b {
								s = "T"
							}
						}
						vals[k] = s
					}
				}
			}
			path = vals["_path"]
		} else {
			if len(h.fields) == 0 {
				e.malformed(off, num, 0, "zeek data line before #fields")
				return nil
			}
			cols = splitInto(cols[:0], line, h.sep)
			if len(cols) != len(h.fields) {
				e.malformed(off, num, 0, "zeek line has "+strconv.Itoa(len(cols))+" columns, #fields has "+strconv.Itoa(len(h.fields)))
				return nil
			}
			for i, c := range cols {
				s := string(c)
				if s == h.unset || s == h.empty {
					continue
				}
				vals[h.fields[i]] = s
			}
		}
		if path == "" {
			path = pathHint
		}
		if path == "" {
			path = zeekGuessPath(vals)
		}
		ev, why := zeekEvent(e, path, vals)
		if why != "" {
			e.malformed(off, num, 0, why)
			return nil
		}
		return e.event(&ev, off, num, 0, trunc)
	})
}

func splitInto(dst [][]byte, b, sep []byte) [][]byte {
	for {
		i := bytes.Index(b, sep)
		if i < 0 {
			return append(dst, b)
		}
		dst = append(dst, b[:i])
		b = b[i+len(sep):]
	}
}

// directive reads one "#..." header line.
func (h *zeekHeader) directive(line []byte) {
	if r, ok := cut(line, "#separator "); ok {
		if sep := zeekUnescape(string(r)); sep != "" {
			h.sep = []byte(sep)
		}
		return
	}
	key, rest, ok := bytes.Cut(line[1:], h.sep)
	if !ok {
		return
	}
	switch string(key) {
	case "fields":
		h.fields = h.fields[:0]
		for _, f := range bytes.Split(rest, h.sep) {
			h.fields = append(h.fields, string(f))
		}
	case "path":
		h.path = string(rest)
	case "unset_field":
		h.unset = string(rest)
	case "empty_field":
		h.empty = string(rest)
	}
}

// zeekUnescape decodes "\x09".
func zeekUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func zeekPathFromName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	base, _, _ := strings.Cut(name, ".")
	switch base {
	case "conn", "ssh", "rdp", "ntlm", "notice", "dns", "http", "ssl", "files", "weird", "x509", "smb_files", "smtp", "ftp", "dce_rpc", "kerberos":
		return base
	}
	return ""
}

func zeekGuessPath(v map[string]string) string {
	switch {
	case v["conn_state"] != "" || v["history"] != "":
		return "conn"
	case v["auth_success"] != "" || v["host_key"] != "":
		return "ssh"
	case v["cookie"] != "" || v["security_protocol"] != "":
		return "rdp"
	case v["note"] != "":
		return "notice"
	case v["query"] != "" || v["qtype_name"] != "":
		return "dns"
	case v["method"] != "" || v["status_code"] != "":
		return "http"
	case v["server_nb_computer_name"] != "" || v["domainname"] != "":
		return "ntlm"
	}
	return ""
}

// zeekTime reads ts: epoch seconds (TSV and some JSON) or ISO-8601.
func zeekTime(s string) (time.Time, bool) {
	if t, ok := epoch(s); ok {
		return t, true
	}
	t, _, ok := jsonTime(s)
	return t, ok
}

func zeekEvent(e *emitter, path string, v map[string]string) (Event, string) {
	ev := Event{Kind: KindOther, Outcome: OutcomeUnknown, Action: path, Fields: make(map[string]string, 16)}
	ts, ok := v["ts"]
	if !ok {
		return ev, "zeek record without ts"
	}
	if ev.Time, ok = zeekTime(ts); !ok {
		return ev, "bad zeek ts"
	}
	used := map[string]bool{"ts": true, "_path": true, "_write_ts": true}
	take := func(k string) string {
		used[k] = true
		return v[k]
	}
	ev.Src = e.ip([]byte(take("id.orig_h")))
	ev.SrcPort = atoiPort([]byte(take("id.orig_p")))
	ev.Dst = e.ip([]byte(take("id.resp_h")))
	ev.DstPort = atoiPort([]byte(take("id.resp_p")))
	tf := func(s string) string {
		switch s {
		case "T", "true":
			return OutcomeSuccess
		case "F", "false":
			return OutcomeFailure
		}
		return OutcomeUnknown
	}
	switch path {
	case "conn":
		ev.Kind, ev.Action = KindFlow, take("proto")
	case "ssh":
		ev.Kind, ev.Action = KindAuth, "ssh"
		ev.Outcome = tf(take("auth_success"))
	case "rdp":
		ev.Action = "rdp"
		if c := take("cookie"); c != "" {
			ev.Kind, ev.User = KindAuth, c
			ev.Fields["cookie"] = capString(c, 256)
		}
	case "ntlm":
		ev.Kind, ev.Action = KindAuth, "ntlm"
		ev.User = take("username")
		ev.Outcome = tf(take("success"))
	case "notice":
		ev.Kind, ev.Action = KindAlert, take("note")
		if ev.Src == "" {
			ev.Src = e.ip([]byte(v["src"]))
		}
		if ev.Dst == "" {
			ev.Dst = e.ip([]byte(v["dst"]))
		}
	case "dns":
		ev.Kind, ev.Action = KindDNS, "query"
	case "http":
		ev.Kind, ev.Action = KindHTTP, take("method")
		ev.User = take("username")
		ev.Outcome = statusOutcome(v["status_code"])
	}
	ev.User = capString(ev.User, 256)
	keys := make([]string, 0, len(v))
	for k := range v {
		if !used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(ev.Fields) >= 32 {
			break
		}
		ev.Fields[capString(k, 128)] = capString(v[k], 1024)
	}
	return ev, ""
}
