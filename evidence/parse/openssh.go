package parse

import (
	"bytes"
	"io"
)

// NewOpenSSH returns the parser for OpenSSH server logs (auth.log, secure)
// in RFC 3164 or RFC 5424 syslog. It emits one auth event per sshd line
// that records an authentication, a disconnection or a break-in warning
// (see sshdEvent); other sshd lines that name a source address become
// "other" events; lines of other programs are counted but not emitted.
//
// Actions: password, publickey, keyboard-interactive, none, … (the method
// of "Failed"/"Accepted" lines), invalid-user, authentication-failure,
// too-many-failures, not-allowed, break-in-attempt, disconnect,
// connection-closed, no-identification, bad-protocol, negotiation-failure,
// connect, session-open, session-close. Fields: host, program, pid, and
// where known key_type, key_fingerprint, invalid_user, repeated, rdns,
// rhost, reason.
func NewOpenSSH() Parser { return openSSH{} }

type openSSH struct{}

func (openSSH) Name() string { return "openssh" }
func (openSSH) Version() int { return 2 }

func (openSSH) Detect(head []byte, name string) int {
	total, sshd := syslogHeadStats(head)
	switch {
	case total == 0:
		return 0
	case sshd*2 >= total:
		return 80
	case sshd > 0 && hasAny(name, "auth", "secure", "ssh"):
		return 70
	}
	return 0
}

func (p openSSH) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	s := &syslogEngine{e: newEmitter(p, opts, sink), c: newClock(opts), sshdOnly: true}
	return lineLoop(r, s.e, true, s.line)
}

// syslogEngine is shared by the openssh and syslog parsers.
type syslogEngine struct {
	e        *emitter
	c        *clock
	sshdOnly bool
}

func isSSHD(program []byte) bool {
	return string(program) == "sshd" || bytes.HasPrefix(program, []byte("sshd-"))
}

func (s *syslogEngine) line(line []byte, off, num int64, trunc bool) error {
	sl, why := s.c.parseSyslog(line)
	if why != "" {
		s.e.malformed(off, num, 0, why)
		return nil
	}
	ev := Event{Fields: make(map[string]string, 6)}
	var ok bool
	if isSSHD(sl.program) {
		ok = s.sshdEvent(&ev, sl.msg)
	} else if !s.sshdOnly {
		ok = s.genericEvent(&ev, sl.msg)
	}
	if !ok {
		return nil
	}
	ev.Time, ev.TimeNote = sl.t, sl.note
	if len(sl.host) > 0 {
		ev.Fields["host"] = s.e.str(sl.host)
	}
	if len(sl.program) > 0 {
		ev.Fields["program"] = s.e.str(sl.program)
	}
	if len(sl.pid) > 0 {
		ev.Fields["pid"] = s.e.str(sl.pid)
	}
	return s.e.event(&ev, off, num, 0, trunc)
}

// userFrom reads "[invalid user |authenticating user |user ]NAME from ADDR
// [port N]" and fills ev. The last " from " is used so that a user name
// cannot forge the address.
func (s *syslogEngine) userFrom(ev *Event, b []byte) bool {
	if r, ok := cut(b, "invalid user "); ok {
		b = r
		ev.Fields["invalid_user"] = "true"
	}
	i := bytes.LastIndex(b, []byte(" from "))
	if i < 0 {
		return false
	}
	ev.User = s.e.str(b[:i])
	ev.Src, ev.SrcPort, _ = s.e.addrPort(b[i+6:])
	return true
}

// userAddr reads "[invalid user NAME |authenticating user NAME |user NAME ]ADDR [port N]".
func (s *syslogEngine) userAddr(ev *Event, b []byte) []byte {
	for _, p := range [...]string{"invalid user ", "authenticating user ", "user "} {
		if r, ok := cut(b, p); ok {
			if p == "invalid user " {
				ev.Fields["invalid_user"] = "true"
			}
			// The address is the word before " port " or the last word.
			end := bytes.LastIndex(r, []byte(" port "))
			if end < 0 {
				end = len(r)
				if j := bytes.Index(r, []byte(" [preauth]")); j >= 0 {
					end = j
				}
			}
			j := bytes.LastIndexByte(r[:end], ' ')
			if j < 0 {
				return b
			}
			ev.User = s.e.str(r[:j])
			b = r[j+1:]
			break
		}
	}
	var rest []byte
	ev.Src, ev.SrcPort, rest = s.e.addrPort(b)
	return rest
}

// sshdEvent classifies one sshd message. It reports false for lines that
// carry nothing worth an event.
func (s *syslogEngine) sshdEvent(ev *Event, msg []byte) bool {
	ev.Kind = KindAuth
	if r, ok := cut(msg, "message repeated "); ok {
		n, r2 := word(r)
		if r3, ok := cut(r2, "times: [ "); ok {
			ev.Fields["repeated"] = s.e.str(n)
			msg = bytes.TrimSuffix(r3, []byte("]"))
		}
	}
	msg, _ = cut(msg, "error: ")
	switch {
	case bytes.HasPrefix(msg, []byte("Failed ")) || bytes.HasPrefix(msg, []byte("Accepted ")):
		ev.Outcome = OutcomeFailure
		r, acc := cut(msg, "Accepted ")
		if acc {
			ev.Outcome = OutcomeSuccess
		} else {
			r = msg[len("Failed "):]
		}
		method, r := word(r)
		r, ok := cut(r, "for ")
		if !ok || len(method) == 0 {
			return false
		}
		ev.Action = s.e.str(method)
		if !s.userFrom(ev, r) {
			return false
		}
		if i := bytes.LastIndex(r, []byte(": ")); i >= 0 && acc && bytes.Contains(r[:i], []byte(" ssh2")) {
			kt, fp := word(r[i+2:])
			ev.Fields["key_type"] = s.e.str(kt)
			fp, _ = word(fp)
			ev.Fields["key_fingerprint"] = string(fp)
		}
		return true
	case bytes.HasPrefix(msg, []byte("Invalid user ")):
		ev.Action, ev.Outcome = "invalid-user", OutcomeFailure
		r := msg[len("Invalid user "):]
		i := bytes.LastIndex(r, []byte(" from "))
		if i < 0 {
			return false
		}
		ev.User = s.e.str(r[:i])
		ev.Src, ev.SrcPort, _ = s.e.addrPort(r[i+6:])
		return true
	case has(msg, "POSSIBLE BREAK-IN ATTEMPT"):
		ev.Action, ev.Outcome = "break-in-attempt", OutcomeUnknown
		if r, ok := cut(msg, "reverse mapping checking getaddrinfo for "); ok {
			host, r := word(r)
			ev.Fields["rdns"] = s.e.str(host)
			if len(r) > 2 && r[0] == '[' {
				if j := bytes.IndexByte(r, ']'); j > 0 {
					ev.Src = s.e.ip(r[1:j])
				}
			}
		} else if r, ok := cut(msg, "Address "); ok {
			ev.Src, _, r = s.e.addrPort(r)
			if r, ok := cut(r, "maps to "); ok {
				host, _ := word(r)
				ev.Fields["rdns"] = s.e.str(bytes.TrimSuffix(host, []byte(",")))
			}
		}
		return true
	case has(msg, "authentication failure"):
		ev.Action, ev.Outcome = "authentication-failure", OutcomeFailure
		s.rhostUser(ev, msg)
		return true
	case bytes.HasPrefix(msg, []byte("Received disconnect from ")), bytes.HasPrefix(msg, []byte("Disconnected from ")):
		ev.Action, ev.Outcome = "disconnect", OutcomeUnknown
		r, _ := after(msg, "from ")
		r = s.userAddr(ev, r)
		if r, ok := cut(r, ": "); ok {
			ev.Fields["reason"] = s.e.str(bytes.TrimSuffix(r, []byte(" [preauth]")))
		} else if len(r) > 0 && r[0] == ':' {
			ev.Fields["reason"] = s.e.str(bytes.TrimSpace(bytes.TrimSuffix(r[1:], []byte(" [preauth]"))))
		}
		return ev.Src != ""
	case bytes.HasPrefix(msg, []byte("Connection closed by ")), bytes.HasPrefix(msg, []byte("Connection reset by ")):
		ev.Action, ev.Outcome = "connection-closed", OutcomeUnknown
		r, _ := after(msg, " by ")
		s.userAddr(ev, r)
		return ev.Src != ""
	case bytes.HasPrefix(msg, []byte("Did not receive identification string from ")):
		ev.Action, ev.Outcome = "no-identification", OutcomeUnknown
		ev.Src, ev.SrcPort, _ = s.e.addrPort(msg[len("Did not receive identification string from "):])
		return ev.Src != ""
	case bytes.HasPrefix(msg, []byte("Disconnecting: Too many authentication failures")),
		bytes.HasPrefix(msg, []byte("Disconnecting authenticating user ")),
		bytes.HasPrefix(msg, []byte("Disconnecting invalid user ")),
		bytes.HasPrefix(msg, []byte("maximum authentication attempts exceeded for ")):
		ev.Action, ev.Outcome = "too-many-failures", OutcomeFailure
		if r, ok := after(msg, " for "); ok && !has(msg, " from ") {
			u, _ := word(r)
			ev.User = s.e.str(u)
		} else if r, ok := after(msg, " for "); ok {
			s.userFrom(ev, r)
		} else if r, ok := cut(msg, "Disconnecting "); ok {
			s.userAddr(ev, r)
		}
		return true
	case bytes.HasPrefix(msg, []byte("User ")) && has(msg, " not allowed because "):
		ev.Action, ev.Outcome = "not-allowed", OutcomeFailure
		r := msg[len("User "):]
		i := bytes.LastIndex(r, []byte(" from "))
		if i < 0 {
			return false
		}
		ev.User = s.e.str(r[:i])
		ev.Src, _, _ = s.e.addrPort(r[i+6:])
		return true
	case bytes.HasPrefix(msg, []byte("Bad protocol version identification")):
		ev.Action, ev.Outcome = "bad-protocol", OutcomeFailure
		if i := bytes.LastIndex(msg, []byte(" from ")); i >= 0 {
			ev.Src, ev.SrcPort, _ = s.e.addrPort(msg[i+6:])
		}
		return ev.Src != ""
	case bytes.HasPrefix(msg, []byte("Unable to negotiate with ")):
		ev.Action, ev.Outcome = "negotiation-failure", OutcomeFailure
		ev.Src, ev.SrcPort, _ = s.e.addrPort(msg[len("Unable to negotiate with "):])
		return ev.Src != ""
	case bytes.HasPrefix(msg, []byte("Connection from ")):
		ev.Action, ev.Outcome = "connect", OutcomeUnknown
		var r []byte
		ev.Src, ev.SrcPort, r = s.e.addrPort(msg[len("Connection from "):])
		if r, ok := cut(r, "on "); ok {
			ev.Dst, ev.DstPort, _ = s.e.addrPort(r)
		}
		return ev.Src != ""
	}
	if s.session(ev, msg) {
		return true
	}
	// Anything else that names a source.
	if i := bytes.LastIndex(msg, []byte(" from ")); i >= 0 {
		if ip, port, _ := s.e.addrPort(msg[i+6:]); ip != "" {
			ev.Kind, ev.Action, ev.Outcome = KindOther, "", OutcomeUnknown
			ev.Src, ev.SrcPort = ip, port
			return true
		}
	}
	return false
}

// session recognises pam "session opened/closed for user X" lines.
func (s *syslogEngine) session(ev *Event, msg []byte) bool {
	for _, p := range [...]struct{ text, action string }{
		{"session opened for user ", "session-open"},
		{"session closed for user ", "session-close"},
	} {
		if r, ok := after(msg, p.text); ok {
			u, _ := word(r)
			ev.Kind, ev.Action, ev.Outcome, ev.User = KindAuth, p.action, OutcomeSuccess, s.e.str(u)
			if r, ok := after(r, "by "); ok {
				by, _ := word(r)
				ev.Fields["by"] = s.e.str(by)
			}
			return true
		}
	}
	return false
}

// rhostUser reads pam's "rhost=ADDR user=NAME". A host name in rhost is
// kept in Fields["rhost"] but is never a source address, even when it
// embeds one ("dsl-static-059.45.101.203.example").
func (s *syslogEngine) rhostUser(ev *Event, msg []byte) {
	if v, ok := kv(msg, "rhost"); ok && len(v) > 0 {
		if ip := s.e.ip(v); ip != "" {
			ev.Src = ip
		} else {
			ev.Fields["rhost"] = s.e.str(v)
		}
	}
	if v, ok := kv(msg, "user"); ok && len(v) > 0 {
		ev.User = s.e.str(v)
	}
}

func hasAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if len(s) >= len(sub) && bytes.Contains([]byte(s), []byte(sub)) {
			return true
		}
	}
	return false
}

// syslogHeadStats counts the complete syslog lines in head and those of
// sshd, for detection.
func syslogHeadStats(head []byte) (total, sshd int) {
	c := newClock(Options{Year: 2000})
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			if total > 0 {
				break // the last line may be cut
			}
			line, head = head, nil
		} else {
			line, head = head[:i], head[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		sl, why := c.parseSyslog(line)
		if why != "" {
			continue
		}
		total++
		if isSSHD(sl.program) {
			sshd++
		}
	}
	return total, sshd
}
