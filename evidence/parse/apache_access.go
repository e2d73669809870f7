package parse

import (
	"bytes"
	"io"
	"time"
)

// NewApacheAccess returns the parser for Apache and nginx access logs in
// the common and combined formats, with or without a leading virtual host
// ("www.example.com:443 1.2.3.4 - - [...] ..."). Each line becomes one http
// event: action is the request method, outcome success for 2xx/3xx and
// failure for 4xx/5xx, User the authenticated user unless "-". Fields:
// path, protocol, status, bytes, and when present referer, user_agent,
// vhost, client_host (a client written as a name), request (when the
// request line is not "METHOD PATH PROTOCOL"). A quoted field that is not
// terminated makes the line malformed.
func NewApacheAccess() Parser { return apacheAccess{} }

type apacheAccess struct{}

func (apacheAccess) Name() string { return "apache-access" }
func (apacheAccess) Version() int { return 2 }

func (p apacheAccess) Detect(head []byte, name string) int {
	st := accessState{zones: map[int]*time.Location{}}
	n, ok := 0, 0
	for _, line := range headLines(head, 50) {
		n++
		var ev Event
		if st.parse(&ev, line, nil) == "" {
			ok++
		}
	}
	if n == 0 || ok*2 < n {
		return 0
	}
	return 85
}

func (p apacheAccess) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	st := accessState{zones: map[int]*time.Location{}}
	return lineLoop(r, e, true, func(line []byte, off, num int64, trunc bool) error {
		ev := Event{Kind: KindHTTP, Fields: make(map[string]string, 8)}
		if why := st.parse(&ev, line, e); why != "" {
			e.malformed(off, num, 0, why)
			return nil
		}
		return e.event(&ev, off, num, 0, trunc)
	})
}

type accessState struct {
	zones map[int]*time.Location
}

// quoted reads a double-quoted field at the start of b, honouring
// backslash escapes, and returns its content (still escaped) and the rest.
func quoted(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, b, false
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return b[1:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// parse fills ev from one access-log line; e may be nil (detection), in
// which case no strings are kept.
func (st *accessState) parse(ev *Event, line []byte, e *emitter) string {
	i := bytes.Index(line, []byte(" ["))
	if i <= 0 {
		return "no [time] field"
	}
	var tok [5][]byte
	n := 0
	for rest := line[:i]; len(rest) > 0; {
		var w []byte
		w, rest = word(rest)
		if n == len(tok) {
			return "too many fields before [time]"
		}
		tok[n] = w
		n++
	}
	var vhost []byte
	switch n {
	case 3:
	case 4:
		vhost = tok[0]
		copy(tok[:3], tok[1:4])
	default:
		return "expected host ident user before [time]"
	}
	b := line[i+2:]
	j := bytes.IndexByte(b, ']')
	if j < 0 {
		return "unterminated [time]"
	}
	t, ok := st.clf(b[:j])
	if !ok {
		return "bad time"
	}
	b, ok = cut(b[j+1:], " ")
	if !ok {
		return "no request"
	}
	req, b, ok := quoted(b)
	if !ok {
		return "unterminated or missing request quote"
	}
	b, _ = cut(b, " ")
	status, b := word(b)
	size, b := word(b)
	if len(status) != 3 || status[0] < '1' || status[0] > '5' || atoiPort(status) == 0 {
		return "bad status"
	}
	if len(size) == 0 || (string(size) != "-" && !isDigits(size)) {
		return "bad size"
	}
	var ref, ua []byte
	var hasRef bool
	if len(b) > 0 && b[0] == '"' {
		if ref, b, ok = quoted(b); !ok {
			return "unterminated referer quote"
		}
		hasRef = true
		b, _ = cut(b, " ")
		if len(b) > 0 && b[0] == '"' {
			if ua, _, ok = quoted(b); !ok {
				return "unterminated user-agent quote"
			}
		}
	}
	if e == nil {
		return ""
	}
	ev.Time = t
	if ev.Src = e.ip(tok[0]); ev.Src == "" {
		ev.Fields["client_host"] = e.str(tok[0])
	}
	if u := tok[2]; string(u) != "-" {
		ev.User = e.str(u)
	}
	method, r := word(req)
	path, proto := word(r)
	if len(method) > 0 && len(path) > 0 && bytes.IndexByte(proto, ' ') < 0 && isToken(method) {
		ev.Action = e.str(method)
		ev.Fields["path"] = string(path)
		if len(proto) > 0 {
			ev.Fields["protocol"] = e.str(proto)
		}
	} else {
		ev.Fields["request"] = string(req)
	}
	ev.Fields["status"] = e.str(status)
	ev.Fields["bytes"] = e.str(size)
	switch status[0] {
	case '2', '3':
		ev.Outcome = OutcomeSuccess
	case '4', '5':
		ev.Outcome = OutcomeFailure
	}
	if hasRef {
		ev.Fields["referer"] = e.str(ref)
		ev.Fields["user_agent"] = e.str(ua)
	}
	if vhost != nil {
		ev.Fields["vhost"] = e.str(vhost)
	}
	return ""
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// isToken reports whether b looks like an HTTP method.
func isToken(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return len(b) > 0 && len(b) <= 32
}

// clf parses "17/May/2015:10:05:03 +0000".
func (st *accessState) clf(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	day, ok1 := atoiN(b, 2)
	mon, ok2 := parseMonth(b[3:6])
	year, ok3 := atoiN(b[7:], 4)
	hh, mm, ss, _, _, ok4 := parseHMS(b[12:20])
	zh, ok5 := atoiN(b[22:], 2)
	zm, ok6 := atoiN(b[24:], 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || (b[21] != '+' && b[21] != '-') || day < 1 || day > 31 {
		return time.Time{}, false
	}
	off := zh*3600 + zm*60
	if b[21] == '-' {
		off = -off
	}
	loc, ok := st.zones[off]
	if !ok {
		loc = time.FixedZone("", off)
		if off == 0 {
			loc = time.UTC
		}
		if len(st.zones) < 64 {
			st.zones[off] = loc
		}
	}
	return time.Date(year, mon, day, hh, mm, ss, 0, loc), true
}

// headLines returns up to max complete lines of head (the last line too
// when head holds a single line), skipping blank ones.
func headLines(head []byte, max int) [][]byte {
	var out [][]byte
	for len(head) > 0 && len(out) < max {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			if len(out) > 0 {
				break
			}
			line, head = head, nil
		} else {
			line, head = head[:i], head[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if !isBlank(line) {
			out = append(out, line)
		}
	}
	return out
}
