package parse

import "bytes"

// Small allocation-free helpers for scanning log lines.

func cut(b []byte, prefix string) ([]byte, bool) {
	if len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix {
		return b[len(prefix):], true
	}
	return b, false
}

func has(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// word returns b up to the first space, and what follows the space.
func word(b []byte) (w, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// after returns what follows the first occurrence of s in b.
func after(b []byte, s string) ([]byte, bool) {
	i := bytes.Index(b, []byte(s))
	if i < 0 {
		return nil, false
	}
	return b[i+len(s):], true
}

// atoiPort reads a TCP/UDP port number.
func atoiPort(b []byte) int {
	if len(b) == 0 || len(b) > 5 {
		return 0
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0
	}
	return n
}

// trimAddr removes punctuation that logs put around an address.
func trimAddr(b []byte) []byte {
	for len(b) > 0 {
		switch b[len(b)-1] {
		case ',', ';', ')', '.', '!':
			b = b[:len(b)-1]
			continue
		case ':':
			if bytes.Count(b, []byte(":")) == 1 { // "1.2.3.4:" but not "::"
				b = b[:len(b)-1]
				continue
			}
		}
		break
	}
	if len(b) > 0 && b[0] == '(' {
		b = b[1:]
	}
	return b
}

// addrPort reads "IP", "IP port N" or "IPv4:N" at the start of b (as in
// "from 1.2.3.4 port 22") and returns the normalised address, the port and
// the rest of b after them.
func (e *emitter) addrPort(b []byte) (ip string, port int, rest []byte) {
	w, rest := word(b)
	w = trimAddr(w)
	ip = e.ip(w)
	if ip == "" {
		// "1.2.3.4:22" or "[2001:db8::1]:22".
		if i := bytes.LastIndexByte(w, ':'); i > 0 && (bytes.IndexByte(w, ':') == i || w[0] == '[') {
			if ip = e.ip(w[:i]); ip != "" {
				port = atoiPort(w[i+1:])
			}
		}
		if ip == "" {
			return "", 0, b
		}
	}
	if p, ok := cut(rest, "port "); ok {
		pw, r := word(p)
		if n := atoiPort(trimAddr(pw)); n > 0 {
			port, rest = n, r
		}
	}
	return ip, port, rest
}

// kv returns the value of "key=value" in b (value up to a space), where
// key starts b or follows a space or ';'.
func kv(b []byte, key string) ([]byte, bool) {
	for off := 0; off < len(b); {
		i := bytes.Index(b[off:], []byte(key))
		if i < 0 {
			return nil, false
		}
		i += off
		if i == 0 || b[i-1] == ' ' || b[i-1] == ';' {
			v := b[i+len(key):]
			if len(v) > 0 && v[0] == '=' {
				v, _ = word(v[1:])
				return v, true
			}
		}
		off = i + len(key)
	}
	return nil, false
}
