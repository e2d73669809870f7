package parse

import (
	"bytes"
	"io"
	"time"
)

// NewApacheError returns the parser for the Apache httpd error log, in the
// 2.2 form "[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] msg" and
// the 2.4 form "[Thu Jun 27 11:55:44.569531 2013] [core:error] [pid
// 4101:tid 140] [client 1.2.3.4:5678] AH00126: msg".
//
// Only lines that name a client become events (kind http, action the
// level, outcome failure for error and worse, unknown otherwise); the
// others (server start-up, child management) are counted in Stats.Lines
// and not emitted. The log states no zone: Options.Location or UTC is
// used and TimeNote says which. Fields: level, module, pid, tid, message.
func NewApacheError() Parser { return apacheError{} }

type apacheError struct{}

func (apacheError) Name() string { return "apache-error" }
func (apacheError) Version() int { return 2 }

func (apacheError) Detect(head []byte, name string) int {
	n, ok := 0, 0
	for _, line := range headLines(head, 50) {
		n++
		if _, _, _, why := ctimeBracket(line); why == "" {
			ok++
		}
	}
	if n == 0 || ok*2 < n {
		return 0
	}
	return 80
}

func (p apacheError) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	c := newClock(opts)
	return lineLoop(r, e, true, func(line []byte, off, num int64, trunc bool) error {
		t, level, rest, why := ctimeBracket(line)
		if why != "" {
			e.malformed(off, num, 0, why)
			return nil
		}
		ev := Event{Kind: KindHTTP, Outcome: OutcomeUnknown, Fields: make(map[string]string, 6)}
		if i := bytes.IndexByte(level, ':'); i >= 0 {
			ev.Fields["module"] = e.str(level[:i])
			level = level[i+1:]
		}
		ev.Action = e.str(level)
		ev.Fields["level"] = ev.Action
		switch string(level) {
		case "error", "crit", "alert", "emerg":
			ev.Outcome = OutcomeFailure
		}
		for len(rest) > 1 && rest[0] == '[' {
			j := closeBracket(rest)
			if j < 0 {
				break
			}
			grp := rest[1:j]
			rest = bytes.TrimPrefix(rest[j+1:], []byte(" "))
			switch {
			case bytes.HasPrefix(grp, []byte("client ")):
				ev.Src, ev.SrcPort, _ = e.addrPort(grp[len("client "):])
			case bytes.HasPrefix(grp, []byte("pid ")):
				pid, tid, _ := bytes.Cut(grp[len("pid "):], []byte(":tid "))
				ev.Fields["pid"] = e.str(pid)
				if len(tid) > 0 {
					ev.Fields["tid"] = e.str(tid)
				}
			}
		}
		if ev.Src == "" {
			return nil
		}
		ev.Time, ev.TimeNote = c.zoneless(t)
		ev.Fields["message"] = string(rest)
		return e.event(&ev, off, num, 0, trunc)
	})
}

// ctimeBracket reads "[Sun Dec 04 04:47:44[.123456] 2005] [level] " and
// returns the time (in UTC, to be re-zoned), the level and the rest.
func ctimeBracket(line []byte) (t time.Time, level, rest []byte, why string) {
	if len(line) < 27 || line[0] != '[' || line[4] != ' ' || line[8] != ' ' {
		return t, nil, nil, "no [ctime] field"
	}
	mon, ok := parseMonth(line[5:8])
	if !ok {
		return t, nil, nil, "bad month"
	}
	b := line[9:]
	var day int
	if b[0] == ' ' {
		day, ok = atoiN(b[1:], 1)
	} else {
		day, ok = atoiN(b, 2)
	}
	if !ok || b[2] != ' ' || day < 1 || day > 31 {
		return t, nil, nil, "bad day"
	}
	hh, mm, ss, ns, b, ok := parseHMS(b[3:])
	if !ok || len(b) < 6 || b[0] != ' ' || b[5] != ']' {
		return t, nil, nil, "bad time"
	}
	year, ok := atoiN(b[1:], 4)
	if !ok {
		return t, nil, nil, "bad year"
	}
	t = time.Date(year, mon, day, hh, mm, ss, ns, time.UTC)
	if t.Day() != day {
		return t, nil, nil, "invalid date"
	}
	b = b[6:]
	b, ok = cut(b, " [")
	j := bytes.IndexByte(b, ']')
	if !ok || j <= 0 {
		return t, nil, nil, "no [level] field"
	}
	return t, b[:j], bytes.TrimPrefix(b[j+1:], []byte(" ")), ""
}

// closeBracket returns the index of the ']' that closes the '[' at b[0],
// allowing nested brackets ("[client [2001:db8::1]:443]").
func closeBracket(b []byte) int {
	depth := 0
	for i, c := range b {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
