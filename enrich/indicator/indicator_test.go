package indicator

import (
	"net/netip"
	"slices"
	"testing"
)

func TestNormalizeIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"172.16.66.1", "172.16.66.1"},
		{"::ffff:172.16.66.1", "172.16.66.1"},
		{"fe80::80ac:4126:fa58:1b81%10", "fe80::80ac:4126:fa58:1b81"},
		{"FE80:0000:0000:0000:0000:0000:0000:0001", "fe80::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{" 010.001.002.003 ", "10.1.2.3"},
		{"::1", "::1"},
		{"-", ""},
		{"", ""},
		{"config.amazonaws.com", ""},
		{"1.2.3.256", ""},
		{"0x7f.1.1.1", ""},
	}
	for _, tt := range tests {
		a, ok := NormalizeIP(tt.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("NormalizeIP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpecial(t *testing.T) {
	tests := []struct{ in, want string }{
		{"8.8.8.8", ""},
		{"119.137.62.142", ""},
		{"10.1.2.3", "private"},
		{"172.16.66.1", "private"},
		{"192.168.56.101", "private"},
		{"100.64.0.1", "cgnat"},
		{"100.127.255.255", "cgnat"},
		{"100.128.0.1", ""},
		{"127.0.0.1", "loopback"},
		{"169.254.1.1", "link-local"},
		{"192.0.2.100", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.5", "documentation"},
		{"203.0.114.5", ""},
		{"224.0.0.251", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"2001:db8::1", "documentation"},
		{"3fff:fff::1", "documentation"},
		{"fe80::80ac:4126:fa58:1b81", "link-local"},
		{"fe80::1%10", "link-local"},
		{"fd00::1", "private"},
		{"fc12::1", "private"},
		{"ff02::1", "multicast"},
		{"2600:6000::1", ""},
		{"::ffff:10.0.0.1", "private"},
	}
	for _, tt := range tests {
		if got := Special(netip.MustParseAddr(tt.in)); got != tt.want {
			t.Errorf("Special(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizers(t *testing.T) {
	type fn func(string) (string, bool)
	tests := []struct {
		name string
		f    fn
		in   string
		want string // "" means rejected
	}{
		{"domain", NormalizeDomain, "WWW.Example.COM.", "www.example.com"},
		{"domain", NormalizeDomain, "bücher.example", "xn--bcher-kva.example"},
		{"domain", NormalizeDomain, "_dmarc.example.org", "_dmarc.example.org"},
		{"domain", NormalizeDomain, "localhost", ""},
		{"domain", NormalizeDomain, "1.2.3.4", ""},
		{"domain", NormalizeDomain, "a..b", ""},
		{"domain", NormalizeDomain, "exa mple.com", ""},
		{"domain", NormalizeDomain, "\xff.com", ""},
		{"email", NormalizeEmail, "<Alice@Example.COM>", "Alice@example.com"},
		{"email", NormalizeEmail, "mailto:bob@bücher.example", "bob@xn--bcher-kva.example"},
		{"email", NormalizeEmail, "@example.com", ""},
		{"email", NormalizeEmail, "a b@example.com", ""},
		{"url", NormalizeURL, "HTTP://WWW.Example.COM./Path?Q=1", "http://www.example.com/Path?Q=1"},
		{"url", NormalizeURL, "https://[2001:DB8::1]:8443/x", "https://[2001:db8::1]:8443/x"},
		{"url", NormalizeURL, "/relative/path", ""},
		{"url", NormalizeURL, "mailto:a@b.c", ""},
		{"user-agent", NormalizeUserAgent, "  \"Mozilla/5.0 (X11)\" ", "Mozilla/5.0 (X11)"},
		{"user-agent", NormalizeUserAgent, "-", ""},
		{"user-agent", NormalizeUserAgent, "a\x00b", ""},
		{"user", NormalizeUser, " fztu ", "fztu"},
		{"user", NormalizeUser, "-", ""},
		{"ssh", NormalizeSSHFingerprint, "RSA SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"},
		{"ssh", NormalizeSSHFingerprint, "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"},
		{"ssh", NormalizeSSHFingerprint, "D4:1D:8C:D9:8F:00:B2:04:E9:80:09:98:EC:F8:42:7E", "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"},
		{"ssh", NormalizeSSHFingerprint, "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e", "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"},
		{"ssh", NormalizeSSHFingerprint, "SHA256:tooshort", ""},
		{"ssh", NormalizeSSHFingerprint, "d4-1d-8c-d9-8f-00-b2-04-e9-80-09-98-ec-f8-42-7e", ""},
	}
	for _, tt := range tests {
		got, ok := tt.f(tt.in)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestNormalizeHash(t *testing.T) {
	md5 := "D41D8CD98F00B204E9800998ECF8427E"
	if got, ok := NormalizeHash(md5, 32); !ok || got != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("md5: %q %v", got, ok)
	}
	if _, ok := NormalizeHash(md5, 64); ok {
		t.Error("md5 accepted as sha256")
	}
	if _, ok := NormalizeHash(md5[:31]+"g", 0); ok {
		t.Error("non-hex accepted")
	}
	if _, ok := NormalizeHash(md5[:30], 0); ok {
		t.Error("short hash accepted")
	}
}

func TestIsServicePrincipal(t *testing.T) {
	yes := []string{"config.amazonaws.com", "EC2.amazonaws.com", "states.eu-west-1.amazonaws.com",
		"AWS Internal", "ssm.amazonaws.com", "lambda.cn-north-1.amazonaws.com.cn", "states.us-gov-west-1.amazonaws.com"}
	no := []string{"", "192.0.2.100", "amazonaws.com", "ec2-203-0-113-5.compute-1.amazonaws.com",
		"bucket.s3.amazonaws.com", "evil.amazonaws.com.example", "config.amazonaws.com.evil.org", "a_b.amazonaws.com"}
	for _, s := range yes {
		if !IsServicePrincipal(s) {
			t.Errorf("IsServicePrincipal(%q) = false", s)
		}
	}
	for _, s := range no {
		if IsServicePrincipal(s) {
			t.Errorf("IsServicePrincipal(%q) = true", s)
		}
	}
}

func TestFromFields(t *testing.T) {
	got := FromFields("::ffff:172.16.66.1", "", "IEUser", map[string]string{
		"user_agent":      " curl/8.0 ",
		"key_fingerprint": "RSA SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
		"host":            "WWW.Example.com",
		"path":            "/login?x=1",
		"query":           "evil.example.",
		"domain":          "EVIL.example",
		"email":           "a@Example.com",
		"sha256":          "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"md5":             "not-a-hash",
		"port":            "22",
	})
	want := []Indicator{
		{TypeIP, "172.16.66.1"},
		{TypeUser, "IEUser"},
		{TypeUserAgent, "curl/8.0"},
		{TypeSSHKey, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"},
		{TypeURL, "http://www.example.com/login?x=1"},
		{TypeDomain, "www.example.com"},
		{TypeDomain, "evil.example"},
		{TypeEmail, "a@example.com"},
		{TypeHash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("FromFields:\n got %v\nwant %v", got, want)
	}

	got = FromFields("config.amazonaws.com", "", "-", nil)
	if want := []Indicator{{TypeService, "config.amazonaws.com"}}; !slices.Equal(got, want) {
		t.Errorf("service src: got %v, want %v", got, want)
	}
	got = FromFields("-", "Ec2.amazonaws.com", "", map[string]string{"hostname": "host.example.net", "url": "https://A.example/x"})
	want = []Indicator{{TypeService, "ec2.amazonaws.com"}, {TypeURL, "https://a.example/x"}, {TypeDomain, "host.example.net"}}
	if !slices.Equal(got, want) {
		t.Errorf("service field: got %v, want %v", got, want)
	}
	// TLS server names (Suricata tls.sni, Zeek ssl server_name) and
	// Suricata DNS rrname are domains too, so enrichment looks them up.
	got = FromFields("10.0.0.5", "", "", map[string]string{"sni": "Bucket-1.s3.eu-west-1.amazonaws.com", "server_name": "c2.example.org", "rrname": "x.example.net."})
	want = []Indicator{{TypeIP, "10.0.0.5"}, {TypeDomain, "bucket-1.s3.eu-west-1.amazonaws.com"}, {TypeDomain, "c2.example.org"}, {TypeDomain, "x.example.net"}}
	if !slices.Equal(got, want) {
		t.Errorf("TLS and DNS names: got %v, want %v", got, want)
	}
	if got := FromFields("", "", "", nil); len(got) != 0 {
		t.Errorf("empty: got %v", got)
	}
}

func BenchmarkNormalizeIP(b *testing.B) {
	in := []string{"183.62.140.253", "::ffff:172.16.66.1", "fe80::80ac:4126:fa58:1b81%10",
		"fe80:0000:0000:0000:0000:0000:0000:0001", "010.001.002.003", "-"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			NormalizeIP(s)
		}
	}
}

func FuzzNormalizeIP(f *testing.F) {
	for _, s := range []string{"172.16.66.1", "::ffff:172.16.66.1", "fe80::1%10", "[2001:db8::1]",
		"010.001.002.003", "1.2.3.256", "::", "fe80:0000:0000:0000:0000:0000:0000:0001", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := NormalizeIP(s)
		if !ok {
			return
		}
		if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
			t.Fatalf("NormalizeIP(%q) = %v: not canonical", s, a)
		}
		b, ok := NormalizeIP(a.String())
		if !ok || b != a {
			t.Fatalf("NormalizeIP(%q) = %v, but NormalizeIP(%q) = %v, %v", s, a, a.String(), b, ok)
		}
		Special(a) // must not panic
	})
}

// An Extractor used for event after event says what FromFields says of
// each: its memory of hosts changes nothing, the second time a host is
// seen either (the inputs repeat hosts as sources and as host fields).
func TestExtractorRemembersHosts(t *testing.T) {
	type in struct {
		src, svc, user string
		fields         map[string]string
	}
	ins := []in{
		{"::ffff:172.16.66.1", "", "IEUser", map[string]string{"host": "WWW.Example.com", "path": "/a"}},
		{"config.amazonaws.com", "", "-", nil},
		{"WWW.Example.com", "", "root", map[string]string{"host": "::ffff:172.16.66.1"}},
		{" 10.0.0.5 ", "", "", map[string]string{"host": "config.amazonaws.com"}},
		{"-", "Ec2.amazonaws.com", "", map[string]string{"host": "-", "hostname": "host.example.net"}},
		{"not a host!", "", "", map[string]string{"host": "not a host!"}},
		{"", "", "", nil},
	}
	var x Extractor
	for round := range 2 {
		for _, c := range ins {
			if got, want := x.FromFields(c.src, c.svc, c.user, c.fields), FromFields(c.src, c.svc, c.user, c.fields); !slices.Equal(got, want) {
				t.Errorf("round %d, %+v:\n got %v\nwant %v", round, c, got, want)
			}
		}
	}
}
