package parse

import (
	"bytes"
	"io"
)

// NewSyslog returns the parser for plain Linux syslog (RFC 3164, RFC 3339
// timestamps, RFC 5424).
//
// What becomes an event: sshd lines as the openssh parser reads them;
// authentication failures ("authentication failure; … rhost= user=",
// "Authentication failed from ADDR", "FAILED LOGIN"), logins and pam
// sessions (kind auth); and any other line that names a source address
// ("rhost=ADDR", "connection from ADDR", "from ADDR") as kind "other".
// Lines that are valid syslog but carry neither are counted in
// Stats.Lines and not emitted, so that a 10 GB messages file does not turn
// into 10 GB of events that say nothing about a source. An address is a
// source only when it stands alone: a host name that embeds one
// ("dsl-Chn-static-059.45.101.203.example") is kept in Fields["rhost"] or
// Fields["rdns"], never in Src.
//
// Year-less timestamps take their year from Options.Year, else from
// Options.ModTime (the latest year that does not put the line after the
// mtime, which handles a December→January rollover), else the line is
// reported as malformed ("year unknown: pass --year"). Event.TimeNote says
// how the year and zone were obtained.
func NewSyslog() Parser { return syslogParser{} }

type syslogParser struct{}

func (syslogParser) Name() string { return "syslog" }
func (syslogParser) Version() int { return 2 }

func (syslogParser) Detect(head []byte, name string) int {
	total, _ := syslogHeadStats(head)
	lines := bytes.Count(head, []byte("\n"))
	if total == 0 || total*2 < lines {
		return 0
	}
	return 50
}

func (p syslogParser) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	s := &syslogEngine{e: newEmitter(p, opts, sink), c: newClock(opts)}
	return lineLoop(r, s.e, true, s.line)
}

// genericEvent classifies a message of a program other than sshd.
func (s *syslogEngine) genericEvent(ev *Event, msg []byte) bool {
	ev.Kind, ev.Outcome = KindAuth, OutcomeFailure
	switch {
	case has(msg, "authentication failure") || has(msg, "Authentication failure"):
		ev.Action = "authentication-failure"
		s.rhostUser(ev, msg)
		if ev.Src == "" {
			if r, ok := after(msg, " from "); ok {
				ev.Src, ev.SrcPort, _ = s.e.addrPort(r)
			}
		}
		return true
	case has(msg, "Authentication failed from "):
		ev.Action = "authentication-failure"
		r, _ := after(msg, "Authentication failed from ")
		ev.Src, ev.SrcPort, r = s.e.addrPort(r)
		s.rdnsParen(ev, r)
		return true
	case bytes.HasPrefix(msg, []byte("FAILED LOGIN")):
		ev.Action = "login"
		if r, ok := after(msg, " FROM "); ok {
			ev.Src, _, _ = s.e.addrPort(r)
		}
		if r, ok := after(msg, " FOR "); ok {
			u, _ := word(r)
			ev.User = s.e.str(bytes.TrimSuffix(u, []byte(",")))
		}
		return true
	case bytes.HasPrefix(msg, []byte("ANONYMOUS FTP LOGIN FROM ")):
		ev.Action, ev.Outcome, ev.User = "anonymous-login", OutcomeSuccess, "anonymous"
		ev.Src, ev.SrcPort, _ = s.e.addrPort(msg[len("ANONYMOUS FTP LOGIN FROM "):])
		return true
	case bytes.HasPrefix(msg, []byte("ROOT LOGIN ON ")):
		ev.Action, ev.Outcome, ev.User = "login", OutcomeSuccess, "root"
		if r, ok := after(msg, " FROM "); ok {
			ev.Src, _, _ = s.e.addrPort(r)
		}
		return true
	}
	if s.session(ev, msg) {
		if r, ok := after(msg, " from "); ok {
			ev.Src, ev.SrcPort, _ = s.e.addrPort(r)
		}
		return true
	}
	// Not an authentication: an event only when it names a source.
	ev.Kind, ev.Outcome = KindOther, OutcomeUnknown
	if r, ok := after(msg, "connection from "); ok {
		ev.Action = "connection"
		var rest []byte
		ev.Src, ev.SrcPort, rest = s.e.addrPort(r)
		s.rdnsParen(ev, rest)
		return ev.Src != ""
	}
	if v, ok := kv(msg, "rhost"); ok {
		if ev.Src = s.e.ip(v); ev.Src != "" {
			return true
		}
	}
	for _, p := range [...]string{" from ", " FROM "} {
		if i := bytes.LastIndex(msg, []byte(p)); i >= 0 {
			if ev.Src, ev.SrcPort, _ = s.e.addrPort(msg[i+len(p):]); ev.Src != "" {
				return true
			}
		}
	}
	return false
}

// rdnsParen keeps the "(host.name)" that follows an address as
// Fields["rdns"] when it is a name, not an address.
func (s *syslogEngine) rdnsParen(ev *Event, b []byte) {
	if len(b) < 2 || b[0] != '(' {
		return
	}
	i := bytes.IndexByte(b, ')')
	if i <= 1 {
		return
	}
	if name := b[1:i]; s.e.ip(name) == "" {
		ev.Fields["rdns"] = s.e.str(name)
	}
}
