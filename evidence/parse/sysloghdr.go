package parse

import (
	"bytes"
	"io"
	"strconv"
	"time"
)

// syslogLine is a syslog line split into header and message. The byte
// slices point into the line.
type syslogLine struct {
	t       time.Time
	note    string
	host    []byte
	program []byte
	pid     []byte
	msg     []byte
}

// clock turns year-less syslog timestamps into times, following Options:
// the year comes from Options.Year, else from Options.ModTime, else the
// line is malformed. The zone is Options.Location, else UTC.
//
// From the mtime, the year is monotonic through the file, as Plaso does
// it: it steps forward (a year later) only where the month goes backwards
// from one line to the next (December → January), never back. The first
// line's year is Options.startYear when Run could read the file ahead
// (walking back from the mtime: the last line's year is the latest that
// does not put it after the mtime, and every step back over a month that
// went backwards is one year earlier); otherwise it is the latest year
// that does not put the first line after the mtime.
type clock struct {
	year     int
	mod      time.Time
	loc      *time.Location
	zoneNote string
	notes    map[int]string
	// Year inference from the mtime.
	start     int        // the first line's year when known ahead; 0 = from the mtime
	cur       int        // the current line's year
	prev      time.Month // the previous year-less line's month
	started   bool
	rollbacks int    // times the month went backwards
	last      [6]int // month, day, hh, mm, ss, ns of the last year-less line
}

// errYearUnknown is the malformed reason for year-less lines when neither
// Options.Year nor Options.ModTime is set.
const errYearUnknown = "year unknown: pass --year"

func newClock(opts Options) *clock {
	c := &clock{year: opts.Year, mod: opts.ModTime, loc: opts.Location, notes: make(map[int]string), start: opts.startYear}
	if c.loc == nil {
		c.loc = time.UTC
		c.zoneNote = "time zone UTC assumed"
	} else {
		c.zoneNote = "time zone " + c.loc.String() + " from options"
	}
	return c
}

// note explains a time whose year and zone the log did not state.
func (c *clock) note(year int, fromMod bool) string {
	key := year
	if fromMod {
		key = -year
	}
	if n, ok := c.notes[key]; ok {
		return n
	}
	var n string
	if fromMod {
		n = "year " + strconv.Itoa(year) + " inferred from artefact mtime; " + c.zoneNote
	} else {
		n = "year " + strconv.Itoa(year) + " from --year; " + c.zoneNote
	}
	if len(c.notes) < 64 {
		c.notes[key] = n
	}
	return n
}

// zoneless completes a time given without a zone but with a year.
func (c *clock) zoneless(t time.Time) (time.Time, string) {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc), c.zoneNote
}

// stamp completes a year-less timestamp. reason is non-empty when it
// cannot.
func (c *clock) stamp(mon time.Month, day, hh, mm, ss, ns int) (t time.Time, note, reason string) {
	valid := func(y int) (time.Time, bool) {
		t := time.Date(y, mon, day, hh, mm, ss, ns, c.loc)
		return t, t.Day() == day && t.Month() == mon
	}
	switch {
	case c.year != 0:
		t, ok := valid(c.year)
		if !ok {
			return t, "", "invalid date in year " + strconv.Itoa(c.year)
		}
		return t, c.note(c.year, false), ""
	case !c.mod.IsZero():
		switch {
		case !c.started:
			c.started, c.cur = true, c.start
			if c.cur == 0 {
				c.cur = latestYear(c.mod, c.loc, mon, day, hh, mm, ss, ns)
			}
		case mon < c.prev:
			c.cur++
			c.rollbacks++
		}
		c.prev = mon
		c.last = [6]int{int(mon), day, hh, mm, ss, ns}
		t, ok := valid(c.cur)
		if !ok {
			return t, "", "invalid date in year " + strconv.Itoa(c.cur) + " (inferred from artefact mtime)"
		}
		return t, c.note(c.cur, true), ""
	}
	return time.Time{}, "", errYearUnknown
}

// latestYear is the latest year (at most 8 back) in which the date exists
// and is not after mod; mod's year when there is none.
func latestYear(mod time.Time, loc *time.Location, mon time.Month, day, hh, mm, ss, ns int) int {
	for y := mod.Year(); y > mod.Year()-8; y-- {
		t := time.Date(y, mon, day, hh, mm, ss, ns, loc)
		if t.Day() == day && t.Month() == mon && !t.After(mod) {
			return y
		}
	}
	return mod.Year()
}

// firstYear reads the year-less syslog lines of r as parseSyslog does,
// without emitting anything, and returns the year of the first one,
// walking back from mod: the last line's year is the latest that does not
// put it after mod, one year earlier for every month that went backwards.
// ok is false when r has no year-less syslog line.
func firstYear(r io.Reader, opts Options) (year int, ok bool, err error) {
	opts.startYear = 0
	c := newClock(opts)
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, false, err
		}
		if !isBlank(line) {
			c.parseSyslog(line)
		}
	}
	if !c.started {
		return 0, false, nil
	}
	l := c.last
	end := latestYear(c.mod, c.loc, time.Month(l[0]), l[1], l[2], l[3], l[4], l[5])
	return end - c.rollbacks, true, nil
}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func parseMonth(b []byte) (time.Month, bool) {
	if len(b) < 3 {
		return 0, false
	}
	for i, m := range monthNames {
		if b[0] == m[0] && b[1] == m[1] && b[2] == m[2] {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// atoiN reads exactly n decimal digits.
func atoiN(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseHMS reads "hh:mm:ss" with an optional fraction and returns the rest.
func parseHMS(b []byte) (hh, mm, ss, ns int, rest []byte, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, 0, nil, false
	}
	var ok1, ok2, ok3 bool
	hh, ok1 = atoiN(b, 2)
	mm, ok2 = atoiN(b[3:], 2)
	ss, ok3 = atoiN(b[6:], 2)
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return 0, 0, 0, 0, nil, false
	}
	rest = b[8:]
	if len(rest) > 1 && (rest[0] == '.' || rest[0] == ',') && rest[1] >= '0' && rest[1] <= '9' {
		i, scale := 1, 100000000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if scale > 0 {
				ns += int(rest[i]-'0') * scale
				scale /= 10
			}
		}
		rest = rest[i:]
	}
	return hh, mm, ss, ns, rest, true
}

// parseSyslog splits a syslog line: RFC 3164 ("Dec 10 06:55:46 host
// prog[pid]: msg", optionally preceded by "<PRI>"), RFC 3339 timestamps
// as written by rsyslog ("2026-11-20T09:32:20.003+01:00 host prog: msg")
// and RFC 5424 ("<34>1 2026-11-20T09:32:20.003Z host app procid msgid
// [sd] msg"). reason is non-empty when the line is not syslog.
func (c *clock) parseSyslog(line []byte) (sl syslogLine, reason string) {
	b := line
	if len(b) > 0 && b[0] == '<' {
		i := bytes.IndexByte(b[:min(len(b), 6)], '>')
		if i < 2 {
			return sl, "bad syslog priority"
		}
		if _, err := strconv.Atoi(string(b[1:i])); err != nil {
			return sl, "bad syslog priority"
		}
		b = b[i+1:]
		if len(b) > 2 && b[0] >= '1' && b[0] <= '9' && b[1] == ' ' {
			return c.parse5424(b[2:])
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		// RFC 3339 timestamp.
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return sl, "no syslog timestamp"
		}
		t, err := time.Parse(time.RFC3339Nano, string(b[:sp]))
		if err != nil {
			return sl, "bad syslog timestamp"
		}
		sl.t = t
		return sl, splitTag(&sl, b[sp+1:])
	}
	mon, ok := parseMonth(b)
	if !ok || len(b) < 16 || b[3] != ' ' {
		return sl, "no syslog timestamp"
	}
	var day int
	ts := 7 // index of the time
	switch {
	case b[4] == ' ':
		day, ok = atoiN(b[5:], 1)
	case b[5] == ' ': // "Jun 9 06:55:46", written without padding
		day, ok = atoiN(b[4:], 1)
		ts = 6
	default:
		day, ok = atoiN(b[4:], 2)
	}
	if !ok || day < 1 || day > 31 || b[ts-1] != ' ' {
		return sl, "bad syslog timestamp"
	}
	hh, mm, ss, ns, rest, ok := parseHMS(b[ts:])
	if !ok || len(rest) == 0 || rest[0] != ' ' {
		return sl, "bad syslog timestamp"
	}
	t, note, why := c.stamp(mon, day, hh, mm, ss, ns)
	if why != "" {
		return sl, why
	}
	sl.t, sl.note = t, note
	return sl, splitTag(&sl, rest[1:])
}

// splitTag reads "host prog[pid]: msg" (the tag is optional).
func splitTag(sl *syslogLine, b []byte) string {
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 {
		return "no syslog host"
	}
	sl.host = b[:sp]
	b = bytes.TrimLeft(b[sp+1:], " ")
	colon := bytes.Index(b, []byte(": "))
	if colon < 0 && len(b) > 0 && b[len(b)-1] == ':' {
		colon = len(b) - 1
	}
	if colon <= 0 || colon > 128 {
		sl.msg = b
		return ""
	}
	tag := b[:colon]
	if colon+2 <= len(b) {
		sl.msg = b[colon+2:]
	}
	if n := len(tag); n > 2 && tag[n-1] == ']' {
		if i := bytes.LastIndexByte(tag, '['); i > 0 {
			sl.pid = tag[i+1 : n-1]
			tag = tag[:i]
		}
	}
	sl.program = tag
	return ""
}

// parse5424 reads the part after "<PRI>1 ".
func (c *clock) parse5424(b []byte) (sl syslogLine, reason string) {
	var f [5][]byte
	for i := range f {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			if i < 4 {
				return sl, "short RFC 5424 header"
			}
			f[i], b = b, nil
			break
		}
		f[i], b = b[:sp], b[sp+1:]
	}
	if string(f[0]) != "-" {
		t, err := time.Parse(time.RFC3339Nano, string(f[0]))
		if err != nil {
			return sl, "bad RFC 5424 timestamp"
		}
		sl.t = t
	}
	if string(f[1]) != "-" {
		sl.host = f[1]
	}
	if string(f[2]) != "-" {
		sl.program = f[2]
	}
	if string(f[3]) != "-" {
		sl.pid = f[3]
	}
	// f[4] is the MSGID; then structured data: "-" or [..][..].
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	} else {
		for len(b) > 0 && b[0] == '[' {
			end := sdEnd(b)
			if end < 0 {
				return sl, "unterminated RFC 5424 structured data"
			}
			b = b[end+1:]
		}
	}
	b = bytes.TrimPrefix(b, []byte(" "))
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	sl.msg = b
	return sl, ""
}

// sdEnd returns the index of the ']' closing the SD-ELEMENT at b[0].
func sdEnd(b []byte) int {
	inQuote := false
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			inQuote = !inQuote
		case ']':
			if !inQuote {
				return i
			}
		}
	}
	return -1
}
