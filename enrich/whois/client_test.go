package whois

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/whois/whoistest"
	"github.com/casefile/casefile/evidence/sampledata"
)

// newClient builds a client pointed at s, without rate limit unless set.
func newClient(t *testing.T, s *whoistest.Server, o Options) *Client {
	t.Helper()
	o.Server = s.Addr
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLookupRoutingSamples(t *testing.T) {
	files := map[string]string{
		"74.125.225.229":            "arin_74.125.225.229.txt",
		"2001:4860:4860::8888":      "arin_2001_4860_4860__8888.txt",
		"62.239.237.1":              "ripe_62.239.237.1.txt",
		"210.107.73.73":             "apnic_210.107.73.73.txt",
		"200.57.141.161":            "lacnic_200.57.141.161.txt",
		"196.11.240.215":            "afrinic_196.11.240.215.txt",
		"2001:240:10c:1::ca20:9d1d": "apnic_2001_240_10c_1__ca20_9d1d.txt",
	}
	byQuery := map[string][]byte{}
	for q, f := range files {
		b, err := os.ReadFile(sampledata.Path(t, "ipwhois-secynic", "raw", f))
		if err != nil {
			t.Fatal(err)
		}
		byQuery[q] = b
	}
	g, err := os.ReadFile(sampledata.Path(t, "whois-parser-likexian", "noterror", "com_google.com"))
	if err != nil {
		t.Fatal(err)
	}
	byQuery["google.com"] = g
	s := startServer(t, answer(byQuery))
	c := newClient(t, s, Options{})

	want := map[string]string{
		"74.125.225.229":            "GOOGLE US Google Inc. 74.125.0.0/16",
		"2001:4860:4860::8888":      "GOOGLE-IPV6 US Google Inc. 2001:4860::/32",
		"62.239.237.1":              "BT-CORPORATE GB BT Corporate Registry 62.239.237.0/24",
		"210.107.73.73":             "BORANET-NET-210-107 KR DACOM BORANET 210.107.0.0/17",
		"200.57.141.161":            " MX Triara.com, S.A. de C.V. 200.57.128.0/19",
		"196.11.240.215":            "NET-196-11-239-0 ZA MTN SA 196.11.239.0 - 196.11.246.255",
		"2001:240:10c:1::ca20:9d1d": "IIJ-PRJNET JP Internet Initiative Japan Inc. 2001:240:10c::/48",
	}
	ctx := context.Background()
	for q, w := range want {
		before := time.Now().UTC()
		r, err := c.Lookup(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		got := fmt.Sprintf("%s %s %s %s", r.IP.NetName, r.IP.Country, r.IP.Org, r.IP.Network())
		if got != w {
			t.Errorf("%s: %q, want %q", q, got, w)
		}
		// The evidence is byte for byte what was sent: CRLF, leading blank
		// lines and trailing whitespace kept, no statistics footer.
		if !bytes.Equal(r.Raw, byQuery[q]) {
			t.Errorf("%s: raw differs from what the server sent (%d vs %d bytes)", q, len(r.Raw), len(byQuery[q]))
		}
		if r.Server != s.Addr || r.Query != q || r.Cached || r.Retrieved.Before(before) || r.Retrieved.Location() != time.UTC {
			t.Errorf("%s: server %q query %q cached %v retrieved %v", q, r.Server, r.Query, r.Cached, r.Retrieved)
		}
		if len(r.Exchanges) != 1 || string(r.Exchanges[0].Sent) != q+"\r\n" {
			t.Errorf("%s: exchanges %+v", q, r.Exchanges)
		}
	}
	// Domains: www. is looked up as the registered domain.
	r, err := c.Lookup(ctx, "WWW.Google.COM.")
	if err != nil {
		t.Fatal(err)
	}
	if r.Indicator != "www.google.com" || r.Query != "google.com" || r.Domain.Registrar != "MarkMonitor, Inc." ||
		len(r.Domain.NameServers) != 4 || !bytes.Equal(r.Raw, g) {
		t.Errorf("google.com: %+v %+v", r, r.Domain)
	}
	if n := len(s.Queries()); n != len(want)+1 {
		t.Errorf("server saw %d queries, want %d", n, len(want)+1)
	}
}

func TestLookupCache(t *testing.T) {
	arin := fixture(t, "ip/arin-parent-child.txt")
	s := startServer(t, func(c net.Conn, q string) { _, _ = c.Write(arin) })
	c := newClient(t, s, Options{})
	ctx := context.Background()
	steps := []struct {
		addr, net string
		queries   int
		cached    bool
	}{
		{"23.4.9.1", "23.4.8.0/22", 1, false},
		{"23.4.10.200", "23.4.8.0/22", 1, true}, // inside the answered /22
		{"23.4.9.1", "23.4.8.0/22", 1, true},    // the same address again
		{"23.4.12.1", "23.0.0.0/12", 2, false},  // outside: the parent answers
		{"23.9.0.0", "23.0.0.0/12", 2, true},
		{"23.4.8.0", "23.4.8.0/22", 2, true}, // the most specific cached network wins
	}
	for _, st := range steps {
		r, err := c.Lookup(ctx, st.addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.IP.Network() != st.net || r.Cached != st.cached || r.Indicator != st.addr || len(s.Queries()) != st.queries {
			t.Errorf("%s: network %s cached %v indicator %s, server saw %d; want %s %v %d",
				st.addr, r.IP.Network(), r.Cached, r.Indicator, len(s.Queries()), st.net, st.cached, st.queries)
		}
		obs := r.Observations("sha256:x")
		if len(obs) != 1 || obs[0].Indicator != st.addr || obs[0].Network != st.net {
			t.Errorf("%s: observations %+v", st.addr, obs)
		}
	}

	// Concurrent lookups of one address ask once.
	s2 := startServer(t, func(c net.Conn, q string) {
		time.Sleep(50 * time.Millisecond)
		_, _ = c.Write(arin)
	})
	c2 := newClient(t, s2, Options{Concurrency: 4})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c2.Lookup(ctx, "23.4.9.1"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(s2.Queries()); n != 1 {
		t.Errorf("10 concurrent lookups of one address: server saw %d queries, want 1", n)
	}

	// Concurrent lookups of addresses in one /24 wait for the first
	// answer, whose network covers them all: one query.
	s3 := startServer(t, func(c net.Conn, q string) {
		time.Sleep(50 * time.Millisecond)
		_, _ = c.Write(arin)
	})
	c3 := newClient(t, s3, Options{Concurrency: 4})
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip := fmt.Sprintf("23.4.9.%d", 1+i)
			if r, err := c3.Lookup(ctx, ip); err != nil || r.Indicator != ip || r.IP.Network() != "23.4.8.0/22" {
				t.Errorf("%s: %v %v", ip, r, err)
			}
		}()
	}
	wg.Wait()
	if n := len(s3.Queries()); n != 1 {
		t.Errorf("10 concurrent lookups in one /24: server saw %d queries, want 1", n)
	}
}

func TestLookupDomainNotFound(t *testing.T) {
	nf := fixture(t, "domain/notfound.com")
	priv := fixture(t, "domain/example-privacy.com")
	s := startServer(t, answer(map[string][]byte{"never-registered-example.com": nf, "fresh-example.com": priv}))
	c := newClient(t, s, Options{})
	for range 2 {
		r, err := c.Lookup(context.Background(), "mail.never-registered-example.com")
		if !errors.Is(err, ErrNotFound) || r == nil || !r.NotFound || !bytes.Equal(r.Raw, nf) {
			t.Fatalf("not found: %+v %v", r, err)
		}
		obs := r.Observations("sha256:x")
		if len(obs) != 1 || obs[0].Fields["not_found"] != true || obs[0].Indicator != "mail.never-registered-example.com" {
			t.Errorf("not-found observation %+v", obs)
		}
	}
	if n := len(s.Queries()); n != 1 {
		t.Errorf("not-found answer asked %d times, want 1 (cached)", n)
	}
	r, err := c.Lookup(context.Background(), "fresh-example.com")
	if err != nil {
		t.Fatal(err)
	}
	obs := r.Observations("sha256:abc")
	want := enrich.Observation{
		Indicator: "fresh-example.com", Source: "whois:" + s.Addr, SourceType: "whois", Dataset: "sha256:abc",
		DatasetDate: r.Retrieved, Reliability: "C",
	}
	o := obs[0]
	f := o.Fields
	o.Fields = nil
	if len(obs) != 1 || !o.DatasetDate.Equal(want.DatasetDate) || o.Indicator != want.Indicator || o.Source != want.Source ||
		o.SourceType != want.SourceType || o.Dataset != want.Dataset || o.Reliability != want.Reliability || o.Network != "" {
		t.Errorf("observation %+v", o)
	}
	if f["registrar"] != "Example Registrar, LLC" || f["created"] != "2024-03-01T09:08:07Z" || f["expires"] != "2025-03-01T09:08:07Z" ||
		f["privacy"] != true || fmt.Sprint(f["name_servers"]) != "[ns1.parking.example ns2.parking.example]" {
		t.Errorf("fields %v", f)
	}
}

func TestObservationsIP(t *testing.T) {
	s := startServer(t, answer(map[string][]byte{"31.3.1.1": fixture(t, "ip/ripe-crlf.txt")}))
	c := newClient(t, s, Options{})
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	if err != nil {
		t.Fatal(err)
	}
	obs := r.Observations("sha256:feed")
	if len(obs) != 1 {
		t.Fatal(obs)
	}
	o := obs[0]
	want := map[string]any{
		"registry": "RIPE", "range": "31.3.0.0 - 31.3.3.255", "net_name": "EXAMPLE-NET", "org": "Example B.V.",
		"org_id": "ORG-EX1-RIPE", "country": "NL", "abuse_email": "abuse@isp.example", "origin_as": "AS64503",
		"created": "2011-02-03T04:05:06Z", "updated": "2020-07-08T09:10:11Z",
	}
	if fmt.Sprint(o.Fields) != fmt.Sprint(want) || o.Network != "31.3.0.0/22" || o.Source != "whois:"+s.Addr ||
		o.SourceType != enrich.TypeWHOIS || o.Dataset != "sha256:feed" || !o.DatasetDate.Equal(r.Retrieved) {
		t.Errorf("observation %+v", o)
	}
	r.Server = "whois.ripe.net:43"
	if got := r.SourceName(); got != "whois:whois.ripe.net" {
		t.Errorf("SourceName %q", got)
	}
}

func TestRateLimit(t *testing.T) {
	s := startServer(t, singleHost)
	c := newClient(t, s, Options{RateLimit: 20, Concurrency: 4}) // one connection per 50 ms
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Lookup(context.Background(), fmt.Sprintf("31.3.9.%d", i+1)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if el := time.Since(start); el < 240*time.Millisecond {
		t.Errorf("6 connections at 20/s took %v, want >= 250ms", el)
	}
	// The i-th connection cannot arrive before start + i × 50 ms (arrival
	// can only be delayed, so compare with the start, not neighbours).
	times := s.Times()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, at := range times {
		if el := at.Sub(start); el < time.Duration(i)*50*time.Millisecond-2*time.Millisecond {
			t.Errorf("connection %d arrived %v after the start, want >= %v", i, el, time.Duration(i)*50*time.Millisecond)
		}
	}
}

func TestConcurrencyBound(t *testing.T) {
	s := startServer(t, func(c net.Conn, q string) {
		time.Sleep(80 * time.Millisecond)
		singleHost(c, q)
	})
	c := newClient(t, s, Options{Concurrency: 2})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Lookup(context.Background(), fmt.Sprintf("31.3.%d.1", i+1)); err != nil { // other /24s: not waiting on each other
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if s.MaxActive() != 2 || len(s.Queries()) != 8 {
		t.Errorf("max %d connections at once for %d queries, want 2 for 8", s.MaxActive(), len(s.Queries()))
	}
}

// waitGoroutines waits until the goroutine count drops to n or below.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d > %d\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServerHangs(t *testing.T) {
	s := startServer(t, func(c net.Conn, q string) {
		_, _ = c.Write([]byte("% partial answer, then silence\n"))
		_, _ = io.Copy(io.Discard, c) // until the client hangs up
	})
	base := runtime.NumGoroutine()
	c := newClient(t, s, Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	el := time.Since(start)
	if !errors.Is(err, ErrTimeout) || r != nil {
		t.Fatalf("got %v %v, want ErrTimeout", r, err)
	}
	if el < 190*time.Millisecond || el > 1500*time.Millisecond {
		t.Errorf("timed out after %v, want about 200ms", el)
	}
	waitGoroutines(t, base)

	// The caller's context unblocks a pending read at once.
	c = newClient(t, s, Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Lookup(ctx, "31.3.1.2")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) || time.Since(start) > time.Second {
		t.Errorf("context: %v after %v", err, time.Since(start))
	}
	waitGoroutines(t, base)
}

func TestServerSendsTooMuch(t *testing.T) {
	chunk := bytes.Repeat([]byte("remarks: 0123456789abcdef0123456789abcdef0123456789abcdef012345\n"), 1024) // 64 KiB
	s := startServer(t, func(c net.Conn, q string) {
		for range 160 { // 10 MiB
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	c := newClient(t, s, Options{Timeout: 5 * time.Second})
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	runtime.ReadMemStats(&m1)
	if !errors.Is(err, ErrTooLarge) || r != nil {
		t.Fatalf("got %v %v, want ErrTooLarge", r, err)
	}
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("10 MiB answer refused after %v, %.1f MiB allocated", time.Since(start), float64(alloc)/(1<<20))
	if alloc > 10<<20 {
		t.Errorf("allocated %d bytes for a 1 MiB cap", alloc)
	}
	// What is buffered follows the cap, not the answer.
	c = newClient(t, s, Options{MaxResponse: 64 << 10})
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err = c.Lookup(context.Background(), "31.3.1.1")
	runtime.ReadMemStats(&m1)
	alloc = m1.TotalAlloc - m0.TotalAlloc
	t.Logf("with a 64 KiB cap: %.2f MiB allocated", float64(alloc)/(1<<20))
	if !errors.Is(err, ErrTooLarge) || alloc > 1<<20 {
		t.Errorf("64 KiB cap: %v, %d bytes allocated", err, alloc)
	}

	// A smaller cap is honoured exactly: 100 bytes pass, 101 do not.
	for _, tc := range []struct {
		n   int
		err error
	}{{100, nil}, {101, ErrTooLarge}} {
		body := append([]byte("inetnum: 31.3.0.0 - 31.3.3.255\n"), bytes.Repeat([]byte("#"), tc.n-31)...)
		s := startServer(t, func(c net.Conn, q string) { _, _ = c.Write(body) })
		c := newClient(t, s, Options{MaxResponse: 100})
		r, err := c.Lookup(context.Background(), "31.3.1.1")
		if !errors.Is(err, tc.err) || (err == nil && len(r.Raw) != tc.n) {
			t.Errorf("%d bytes with cap 100: %v", tc.n, err)
		}
	}
}

func TestServerClosesAtOnce(t *testing.T) {
	s := startRawServer(t, nil, func(c net.Conn) { c.Close() })
	c := newClient(t, s, Options{Timeout: 2 * time.Second})
	start := time.Now()
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	if err == nil || r != nil || time.Since(start) > time.Second {
		t.Fatalf("got %v %v after %v, want a prompt error", r, err, time.Since(start))
	}
	if !errors.Is(err, ErrEmptyResponse) && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("unexpected error %v", err)
	}
	// Answering after reading, with nothing: empty response.
	s2 := startServer(t, func(c net.Conn, q string) {})
	c2 := newClient(t, s2, Options{})
	if _, err := c2.Lookup(context.Background(), "31.3.1.1"); !errors.Is(err, ErrEmptyResponse) {
		t.Errorf("empty answer: %v", err)
	}
	// A server that is not there.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c3, _ := New(Options{Server: addr, RateLimit: -1})
	if _, err := c3.Lookup(context.Background(), "31.3.1.1"); err == nil {
		t.Error("connection refused: no error")
	}
}

func TestCRLFAnswer(t *testing.T) {
	body := fixture(t, "ip/lacnic-short-crlf.txt")
	s := startServer(t, answer(map[string][]byte{"177.10.200.1": body}))
	c := newClient(t, s, Options{})
	r, err := c.Lookup(context.Background(), "177.10.200.1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Raw, body) || !bytes.HasPrefix(r.Raw, []byte("\r\n% Joint")) {
		t.Errorf("raw not preserved")
	}
	if r.IP.Network() != "177.10.0.0/15" || r.IP.Registry != "LACNIC" || r.IP.AbuseEmail != "abuse@provedor.example" {
		t.Errorf("record %+v", r.IP)
	}
}

func TestReferrals(t *testing.T) {
	first := []byte("NetRange: 31.0.0.0 - 31.255.255.255\nNetName: RIPE-31\nReferralServer: whois://whois.example.net\n")
	second := fixture(t, "ip/ripe-crlf.txt")
	// Odd connections get the registry's answer, even ones the referral's.
	alternate := func() func(net.Conn, string) {
		var n int
		var mu sync.Mutex
		return func(c net.Conn, q string) {
			mu.Lock()
			n++
			k := n
			mu.Unlock()
			if k%2 == 1 {
				_, _ = c.Write(first)
			} else {
				_, _ = c.Write(second)
			}
		}
	}
	s := startServer(t, alternate())
	c := newClient(t, s, Options{})
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	if err != nil || r.IP.NetName != "RIPE-31" || len(s.Queries()) != 1 {
		t.Fatalf("referral followed when off: %+v %v, %d queries", r, err, len(s.Queries()))
	}

	s2 := startServer(t, alternate())
	c2 := newClient(t, s2, Options{Referrals: true})
	r, err = c2.Lookup(context.Background(), "31.3.1.1")
	if err != nil {
		t.Fatal(err)
	}
	// Both connections went to the configured server; the referral target
	// is recorded as what the library asked for.
	if len(s2.Queries()) != 2 || len(r.Exchanges) != 2 || r.Exchanges[1].Server != "whois.example.net:43" ||
		r.Exchanges[1].Addr != s2.Addr || !bytes.Equal(r.Raw, second) || r.IP.NetName != "EXAMPLE-NET" {
		t.Errorf("referral: %d queries, exchanges %+v, netname %s", len(s2.Queries()), r.Exchanges, r.IP.NetName)
	}
}

// TestDefaultPath exercises the library's own server choice (IANA, then the
// registry, with ARIN's "n + " prefix) with every connection routed to the
// local server.
func TestDefaultPath(t *testing.T) {
	arin := fixture(t, "ip/arin-parent-child.txt")
	iana := []byte("% IANA WHOIS server\n\nrefer:        whois.arin.net\n\ninetnum:      23.0.0.0 - 23.255.255.255\n")
	s := startServer(t, answer(map[string][]byte{"23.4.9.1": iana, "n + 23.4.9.1": arin}))
	c, err := New(Options{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	c.route = func(addr string) string { asked = append(asked, addr); return s.Addr }
	r, err := c.Lookup(context.Background(), "23.4.9.1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(asked) != "[whois.iana.org:43 whois.arin.net:43]" || r.IP.NetName != "EXAMPLE-CUST-1" || !bytes.Equal(r.Raw, arin) ||
		string(r.Exchanges[1].Sent) != "n + 23.4.9.1\r\n" {
		t.Errorf("asked %v, got %s, exchanges %+v", asked, r.IP.NetName, r.Exchanges)
	}
}

// TestIPv6Server shows that "[::1]:port", which likexian/whois mangles,
// works.
func TestIPv6Server(t *testing.T) {
	s, err := whoistest.StartOn("[::1]:0", whoistest.Fixed(fixture(t, "ip/ripe-crlf.txt")))
	if err != nil {
		t.Skipf("SKIPPED: no IPv6 loopback: %v", err)
	}
	defer s.Close()
	c, err := New(Options{Server: s.Addr, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Lookup(context.Background(), "31.3.1.1")
	if err != nil || r.IP.NetName != "EXAMPLE-NET" || r.Server != s.Addr {
		t.Errorf("%+v %v", r, err)
	}
}

func TestClassify(t *testing.T) {
	ok := map[string]string{
		"62.239.237.1":            "62.239.237.1",
		"::ffff:62.239.237.1":     "62.239.237.1",
		"2001:4860:4860:0::8888":  "2001:4860:4860::8888",
		"www.google.co.jp":        "google.co.jp",
		"Google.COM.":             "google.com",
		"a.b.c.example.co.uk":     "example.co.uk",
		"x.blogspot.com":          "blogspot.com",
		"bücher.example":          "",
		"münchen.de":              "xn--mnchen-3ya.de",
		"evil.xn--p1ai":           "evil.xn--p1ai",
		"10.1.2.3":                "",
		"192.0.2.1":               "",
		"127.0.0.1":               "",
		"fe80::1%eth0":            "",
		"localhost":               "",
		"com":                     "",
		"host.internal":           "",
		"":                        "",
		"not a domain":            "",
		strings.Repeat("a.", 200): "",
	}
	for in, want := range ok {
		q, err := classify(in)
		if want == "" {
			if !errors.Is(err, ErrNotQueryable) {
				t.Errorf("classify(%q) = %+v, %v; want ErrNotQueryable", in, q, err)
			}
			continue
		}
		if err != nil || q.text != want {
			t.Errorf("classify(%q) = %+v, %v; want %s", in, q, err, want)
		}
	}
	// Refused indicators never reach a server.
	s := startServer(t, singleHost)
	c := newClient(t, s, Options{})
	if _, err := c.Lookup(context.Background(), "10.0.0.1"); !errors.Is(err, ErrNotQueryable) || len(s.Queries()) != 0 {
		t.Errorf("private address: %v, %d queries", err, len(s.Queries()))
	}
}

func TestNewOptions(t *testing.T) {
	for _, bad := range []Options{{Server: "whois.ripe.net"}, {Server: ":43"}, {Server: "h:0"}, {Server: "h:70000"},
		{Timeout: -1}, {MaxResponse: -1}, {Concurrency: -1}} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.Timeout != 10*time.Second || c.opts.MaxResponse != 1<<20 || c.opts.Concurrency != 2 ||
		c.limit.Limit() != 2 || c.opts.Referrals || c.opts.Server != "" {
		t.Errorf("defaults %+v", c.opts)
	}
}
