package indicator

import (
	"bufio"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/sampledata"
)

func TestExtractIPs(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Failed password for root from 183.62.140.253 port 22 ssh2", []string{"183.62.140.253"}},
		{"rhost=dsl-Chn-static-059.45.101.203.example.com user=root", nil},
		{"connection from 203-0-113-5.example (203.0.113.5)", []string{"203.0.113.5"}},
		{"host 1.2.3.4.in-addr.arpa and 1.2.3.4.5 and v1.2.3.4", nil},
		{"closed by 10.0.0.1.", []string{"10.0.0.1"}},
		{"closed by 10.0.0.1. Next", []string{"10.0.0.1"}},
		{"10.0.0.1.example", nil},
		{"x-10.0.0.1 _10.0.0.1 10.0.0.1_ 10.0.0.1-x a10.0.0.1 10.0.0.1a", nil},
		{"[192.0.2.7]:443 and 192.0.2.8:80, src:192.0.2.9;", []string{"192.0.2.7", "192.0.2.8", "192.0.2.9"}},
		{"010.001.002.003 = 10.1.2.3", []string{"10.1.2.3", "10.1.2.3"}},
		{"256.1.1.1 1.2.3 1.2.3.4444 1..2.3", nil},
		{"ipv6 2001:DB8::1 and [fe80::80ac:4126:fa58:1b81%10]:3389", []string{"2001:db8::1", "fe80::80ac:4126:fa58:1b81"}},
		{"mapped ::ffff:172.16.66.1 loop ::1", []string{"172.16.66.1", "::1"}},
		{"fe80:0000:0000:0000:0000:0000:0000:0001 end", []string{"fe80::1"}},
		{"12:34:56 00:1a:2b:3c:4d:5e std::vector :: dead::beefx g::1", nil},
		{"a::b", []string{"a::b"}},
		{"fe80::1%eth0, 2001:db8::5.", []string{"fe80::1", "2001:db8::5"}},
		{"1.2.3.4", []string{"1.2.3.4"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range ExtractIPs(tt.text) {
			got = append(got, a.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ExtractIPs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestExtractIPsLinux2k(t *testing.T) {
	p := sampledata.Path(t, "loghub", "Linux", "Linux_2k.log")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[netip.Addr]bool{}
	sc := bufio.NewScanner(f)
	var buf []netip.Addr
	for sc.Scan() {
		buf = AppendIPs(buf[:0], sc.Text())
		for _, a := range buf {
			if !a.Is4() {
				t.Errorf("unexpected %v in %q", a, sc.Text())
			}
			seen[a] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 67 {
		t.Errorf("distinct standalone IPv4 = %d, want 67", len(seen))
	}
	for _, embedded := range []string{"59.45.101.203"} {
		if seen[netip.MustParseAddr(embedded)] {
			t.Errorf("%s is only embedded in host names but was extracted", embedded)
		}
	}
}

func BenchmarkExtractIPs(b *testing.B) {
	lines := []string{
		"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
		"Jun 15 04:06:18 combo ftpd[26458]: connection from 211.72.2.106 () at Wed Jun 15 04:06:18 2005 ",
		"Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
		"Jul 27 14:41:57 combo kernel: Linux version 2.6.9-1.667 (bhcompile@tweety.build.redhat.com) (gcc version 3.4.2 20041017)",
		"Nov  6 21:45:50 IEWIN7 TermService: source fe80::80ac:4126:fa58:1b81%10 connected at 10:22:33",
	}
	var total int
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	var buf []netip.Addr
	for b.Loop() {
		for _, l := range lines {
			buf = AppendIPs(buf[:0], l)
		}
	}
}

func FuzzExtractIPs(f *testing.F) {
	for _, s := range []string{
		"from 183.62.140.253 port 22", "dsl-Chn-static-059.45.101.203.example", "[fe80::1%10]:3389",
		"::ffff:172.16.66.1", "1.2.3.4:80.", "12:34:56 ::", strings.Repeat("1.", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range ExtractIPs(s) {
			if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("ExtractIPs(%q) gave non-canonical %v", s, a)
			}
			b, ok := NormalizeIP(a.String())
			if !ok || b != a {
				t.Fatalf("ExtractIPs(%q) gave %v which does not re-normalise (%v, %v)", s, a, b, ok)
			}
			if !strings.Contains(s, ":") && a.Is6() {
				t.Fatalf("ExtractIPs(%q) found IPv6 %v without a colon", s, a)
			}
		}
	})
}
