package indicator

import "net/netip"

// ExtractIPs finds the standalone IPv4 and IPv6 addresses in free text, in
// order of appearance (duplicates included), normalised as NormalizeIP does.
//
// An address counts only when it stands on its own: the characters on either
// side must not be letters, digits, '-', '_' or '.', so the octets embedded in
// host names ("dsl-Chn-static-059.45.101.203.example", "203-0-113-5.example",
// "1.2.3.4.in-addr.arpa") and in longer dotted numbers ("1.2.3.4.5") are not
// addresses. One exception: a single '.' right after an address is accepted
// when what follows it is not part of a word, so that a sentence may end with
// one ("connection closed by 10.0.0.1."). IPv6 addresses may carry a zone id
// ("fe80::1%eth0"), which is dropped. Octets with leading zeros are read as
// decimal ("059" is 59), never octal.
//
// ExtractIPs uses no regular expression and allocates only the result.
func ExtractIPs(text string) []netip.Addr {
	return AppendIPs(nil, text)
}

// AppendIPs is ExtractIPs appending to dst, for callers that reuse a buffer
// (it then does not allocate at all).
func AppendIPs(dst []netip.Addr, text string) []netip.Addr {
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if !isRunByte(c) || c == '.' {
			i++
			continue
		}
		if i > 0 && isWordByte(text[i-1]) {
			// Inside a word: not a start.
			i++
			continue
		}
		// After a colon only an IPv4 address may start ("src:10.0.0.1");
		// an IPv6 address would have begun before that colon.
		v4only := i > 0 && text[i-1] == ':'
		j := i
		colons := 0
		for j < n && isRunByte(text[j]) {
			if text[j] == ':' {
				colons++
			}
			j++
		}
		run := text[i:j]
		end := j // first byte after the run
		if colons > 0 && !v4only {
			// A zone id may follow an IPv6 address.
			zend := end
			if end < n && text[end] == '%' {
				k := end + 1
				for k < n && isZoneByte(text[k]) {
					k++
				}
				if k > end+1 {
					zend = k
				}
			}
			if a, ok := runIPv6(run, colons); ok {
				if standsAlone(text, zend) {
					dst = append(dst, a)
				}
				i = zend
				continue
			}
		}
		// IPv4, possibly between colons ("1.2.3.4:22", "src:1.2.3.4").
		for k := 0; k < len(run); {
			e := k
			for e < len(run) && run[e] != ':' {
				e++
			}
			if e > k {
				if a, ok := runIPv4(run[k:e]); ok && (e < len(run) || standsAlone(text, end)) {
					dst = append(dst, a)
				}
			}
			k = e + 1
		}
		i = j
	}
	return dst
}

// standsAlone reports whether the byte at end (just after a candidate)
// closes it: end of text, or a byte that is not part of a word. A run ending
// in '.' is accepted by its parser without that dot, and this check makes
// sure the dot is punctuation, not the start of a host name label.
func standsAlone(text string, end int) bool {
	return end >= len(text) || !isWordByte(text[end])
}

// runIPv4 parses a dotted quad, optionally followed by one '.', with octets
// of one to three decimal digits.
func runIPv4(run string) (netip.Addr, bool) {
	if run != "" && run[len(run)-1] == '.' {
		run = run[:len(run)-1]
	}
	return parseDottedQuad(run)
}

// parseDottedQuad parses exactly four dot-separated decimal octets of one to
// three digits each (leading zeros allowed, read as decimal).
func parseDottedQuad(run string) (netip.Addr, bool) {
	var b [4]byte
	part, digits, v := 0, 0, 0
	for k := 0; k < len(run); k++ {
		c := run[k]
		switch {
		case c >= '0' && c <= '9':
			if digits == 3 {
				return netip.Addr{}, false
			}
			v = v*10 + int(c-'0')
			digits++
		case c == '.':
			if digits == 0 || v > 255 || part == 3 {
				return netip.Addr{}, false
			}
			b[part] = byte(v)
			part++
			digits, v = 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 || v > 255 {
		return netip.Addr{}, false
	}
	b[3] = byte(v)
	return netip.AddrFrom4(b), true
}

// runIPv6 parses an IPv6 candidate after cheap checks that reject the common
// non-addresses (times "12:34:56", MAC addresses, "::" alone) without calling
// the parser.
func runIPv6(run string, colons int) (netip.Addr, bool) {
	if run[len(run)-1] == '.' {
		run = run[:len(run)-1]
	}
	if len(run) < 3 || len(run) > 45 || colons > 7 {
		return netip.Addr{}, false
	}
	double := false
	hex, group := 0, 0
	for k := 0; k < len(run); k++ {
		c := run[k]
		switch {
		case c == ':':
			if k+1 < len(run) && run[k+1] == ':' {
				if double {
					return netip.Addr{}, false
				}
				double = true
			}
			group = 0
		case c == '.':
			// An embedded IPv4 tail; the parser checks it.
		default:
			hex++
			group++
			if group > 4 {
				return netip.Addr{}, false
			}
		}
	}
	if hex == 0 || (!double && colons != 7 && colons != 6) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(run)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// isRunByte: bytes an address candidate is made of.
func isRunByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
}

// isWordByte: bytes that glue a candidate into a larger word or host name.
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.'
}

// isZoneByte: bytes of an IPv6 zone id ("eth0", "10").
func isZoneByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}
