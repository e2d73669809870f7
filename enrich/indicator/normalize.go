package indicator

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Bounds on indicator values: longer input is not an indicator of that type.
const (
	maxDomain    = 253
	maxLabel     = 63
	maxEmail     = 320
	maxURL       = 8 << 10
	maxUserAgent = 1 << 10
	maxUser      = 256
)

// NormalizeDomain returns the canonical form of a DNS name: lower case, the
// trailing dot removed, internationalised names converted to their ASCII
// (punycode) form with IDNA 2008 lookup rules. It reports false for what is
// not a plausible host name: no dot, an empty or over-long label, a byte that
// is not a letter, digit, '-' or '_', an all-numeric last label (an address,
// not a name), or a Unicode name that IDNA rejects.
func NormalizeDomain(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 4*maxDomain {
		return "", false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		if !utf8.ValidString(s) {
			return "", false
		}
		a, err := idna.Lookup.ToASCII(s)
		if err != nil {
			return "", false
		}
		s = a
	}
	s = strings.ToLower(s)
	if len(s) > maxDomain || !strings.Contains(s, ".") {
		return "", false
	}
	last := ""
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > maxLabel {
			return "", false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
		last = label
	}
	allDigits := true
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "", false
	}
	return s, true
}

// NormalizeEmail returns local@domain with the domain normalised as by
// NormalizeDomain and the local part kept as written (it is case-sensitive
// in principle). An optional "mailto:" prefix and surrounding angle brackets
// are removed.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if s == "" || len(s) > maxEmail {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 {
		return "", false
	}
	local := s[:at]
	for i := 0; i < len(local); i++ {
		if c := local[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '@' && local[0] != '"' {
			return "", false
		}
	}
	d, ok := NormalizeDomain(s[at+1:])
	if !ok {
		return "", false
	}
	return local + "@" + d, true
}

// NormalizeURL returns an absolute URL with its scheme and host in lower case
// (the host's trailing dot removed, an IP host normalised) and the rest as
// written. It reports false for relative references and hostless URLs.
func NormalizeURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxURL {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	host, port := u.Hostname(), u.Port()
	if a, ok := NormalizeIP(host); ok {
		host = a.String()
		if a.Is6() {
			host = "[" + host + "]"
		}
	} else if d, ok := NormalizeDomain(host); ok {
		host = d
	} else {
		host = strings.ToLower(strings.TrimSuffix(host, "."))
		if host == "" {
			return "", false
		}
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Scheme = strings.ToLower(u.Scheme)
	return u.String(), true
}

// NormalizeUserAgent trims surrounding space and quotes; "-" and "" are not
// user agents, nor is anything longer than 1 KiB or holding control bytes.
func NormalizeUserAgent(s string) (string, bool) {
	s = strings.Trim(s, " \t\"")
	if s == "" || s == "-" || len(s) > maxUserAgent || !utf8.ValidString(s) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return "", false
		}
	}
	return s, true
}

// NormalizeUser trims a user name; "", "-" and names with control bytes or
// over 256 bytes are not user names. Case is kept: Unix names are
// case-sensitive.
func NormalizeUser(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" || len(s) > maxUser || !utf8.ValidString(s) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return "", false
		}
	}
	return s, true
}

// NormalizeSSHFingerprint returns an SSH public key fingerprint in OpenSSH's
// form: "SHA256:" followed by unpadded standard base64 of 32 bytes, or "MD5:"
// followed by 16 lower-case hex pairs separated by colons. It accepts a key
// type before the fingerprint ("RSA SHA256:…"), base64 padding, and the
// legacy bare MD5 form "aa:bb:…".
func NormalizeSSHFingerprint(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 256 {
		return "", false
	}
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		s = s[i+1:]
	}
	switch {
	case len(s) > 7 && strings.EqualFold(s[:7], "SHA256:"):
		b, err := base64.RawStdEncoding.Strict().DecodeString(strings.TrimRight(s[7:], "="))
		if err != nil || len(b) != 32 {
			return "", false
		}
		return "SHA256:" + base64.RawStdEncoding.EncodeToString(b), true
	case len(s) > 4 && strings.EqualFold(s[:4], "MD5:"):
		s = s[4:]
	}
	if len(s) != 47 {
		return "", false
	}
	var b [16]byte
	for i := range b {
		if i > 0 && s[3*i-1] != ':' {
			return "", false
		}
		if _, err := hex.Decode(b[i:i+1], []byte(s[3*i:3*i+2])); err != nil {
			return "", false
		}
	}
	var out strings.Builder
	out.WriteString("MD5:")
	for i, c := range b {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(hex.EncodeToString([]byte{c}))
	}
	return out.String(), true
}

// NormalizeHash returns a file hash as lower-case hex. want is the expected
// length in hex digits (32 MD5, 40 SHA-1, 64 SHA-256, 128 SHA-512), or 0 to
// accept any of them.
func NormalizeHash(s string, want int) (string, bool) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 32, 40, 64, 128:
	default:
		return "", false
	}
	if want != 0 && len(s) != want {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", false
		}
	}
	return strings.ToLower(s), true
}
