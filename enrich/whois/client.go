package whois

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/likexian/whois"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxResponse = 1 << 20
	DefaultRateLimit   = 2.0 // connections per second
	DefaultConcurrency = 2
)

// Cache bounds: past either, new answers are no longer cached.
const (
	maxCacheEntries = 100_000
	maxCacheBytes   = 256 << 20
)

// Options configure a Client. The zero value means the defaults.
type Options struct {
	// Server, as "host:port", receives every connection the client makes,
	// referrals included. Empty lets likexian/whois choose: it asks
	// whois.iana.org which server holds the TLD or address, then asks that
	// server, over the real network.
	Server string
	// Timeout bounds each connection: dial, send and the whole answer.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Referrals makes the client follow one referral ("ReferralServer:",
	// "Registrar WHOIS Server:") to a further server. Off by default.
	Referrals bool
	// MaxResponse is the largest answer accepted from one server, in bytes;
	// a larger one is an error wrapping ErrTooLarge. Zero means
	// DefaultMaxResponse.
	MaxResponse int64
	// RateLimit is the number of connections per second the client opens
	// at most, across all lookups. Zero means DefaultRateLimit; negative
	// means no limit.
	RateLimit float64
	// Concurrency is the number of lookups in flight at once. Zero means
	// DefaultConcurrency.
	Concurrency int
}

// Client looks up IP addresses and domains in WHOIS. It is safe for
// concurrent use. Each network and each domain is asked at most once per
// client while its answer is cached: a later lookup of another address in an
// already answered network reuses that answer.
type Client struct {
	opts  Options
	limit *rate.Limiter // connections per second, across the client
	sem   chan struct{}
	// route, when set (tests only), redirects connections when
	// opts.Server is empty, so the library's own server choice can be
	// exercised offline.
	route func(addr string) string

	mu       sync.Mutex
	byQuery  map[string]*Response       // answers by query (address or domain)
	byPrefix map[netip.Prefix]*Response // IP answers by every prefix of their network
	inflight map[string]*call
	entries  int
	bytes    int64
}

type call struct {
	text string // the query being asked
	done chan struct{}
	resp *Response
	err  error
}

// New returns a client for opts.
func New(opts Options) (*Client, error) {
	if opts.Server != "" {
		host, port, err := net.SplitHostPort(opts.Server)
		if err != nil || host == "" {
			return nil, fmt.Errorf("whois: server %q is not host:port", opts.Server)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("whois: server %q has no valid port", opts.Server)
		}
	}
	switch {
	case opts.Timeout < 0, opts.MaxResponse < 0, opts.Concurrency < 0:
		return nil, errors.New("whois: negative timeout, response size or concurrency")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxResponse == 0 {
		opts.MaxResponse = DefaultMaxResponse
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultConcurrency
	}
	c := &Client{
		opts:     opts,
		limit:    rate.NewLimiter(rate.Inf, 1),
		sem:      make(chan struct{}, opts.Concurrency),
		byQuery:  map[string]*Response{},
		byPrefix: map[netip.Prefix]*Response{},
		inflight: map[string]*call{},
	}
	if opts.RateLimit > 0 {
		c.limit.SetLimit(rate.Limit(opts.RateLimit))
	}
	return c, nil
}

// query is a classified indicator.
type query struct {
	indicator string     // normalised indicator
	text      string     // what is sent
	addr      netip.Addr // valid for IP lookups
}

// classify normalises an indicator and decides what to ask. Special-purpose
// addresses and names without a registrable domain are refused.
func classify(s string) (query, error) {
	if a, ok := indicator.NormalizeIP(s); ok {
		if sp := indicator.Special(a); sp != "" {
			return query{}, fmt.Errorf("whois: %s is a %s address: %w", a, sp, ErrNotQueryable)
		}
		return query{indicator: a.String(), text: a.String(), addr: a}, nil
	}
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if name == "" || len(name) > 253 {
		return query{}, fmt.Errorf("whois: %q is neither an address nor a domain: %w", s, ErrNotQueryable)
	}
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil || !strings.Contains(ascii, ".") {
		return query{}, fmt.Errorf("whois: %q is neither an address nor a domain: %w", s, ErrNotQueryable)
	}
	reg := registrable(ascii)
	if reg == "" {
		return query{}, fmt.Errorf("whois: %q has no registrable domain under a public suffix: %w", s, ErrNotQueryable)
	}
	return query{indicator: ascii, text: reg}, nil
}

// registrable returns the domain registered under an ICANN public suffix
// ("www.google.co.jp" → "google.co.jp"; "x.blogspot.com" → "blogspot.com",
// since blogspot.com is the registration), or "" when there is none.
func registrable(name string) string {
	labels := strings.Split(name, ".")
	for i := 1; i < len(labels); i++ {
		s := strings.Join(labels[i:], ".")
		if ps, icann := publicsuffix.PublicSuffix(s); icann && ps == s {
			return strings.Join(labels[i-1:], ".")
		}
	}
	return ""
}

// Lookup asks WHOIS about an IP address or a domain (a host name is looked
// up as its registered domain). It returns the answer and what was parsed
// from it. When the server answered but holds no record, or the answer
// could not be parsed, Lookup returns the Response (its Raw is evidence)
// together with an error wrapping ErrNotFound or ErrMalformed. Network
// failures wrap ErrTimeout, ErrTooLarge or ErrEmptyResponse, or the
// context's error.
func (c *Client) Lookup(ctx context.Context, ind string) (*Response, error) {
	q, err := classify(ind)
	if err != nil {
		return nil, err
	}
	// Lookups of the same query wait for one answer; so do lookups of
	// addresses in the same /24 (IPv4) or /48 (IPv6), which the first
	// answer's network most likely covers.
	key := q.text
	if q.addr.IsValid() {
		bits := 24
		if q.addr.Is6() {
			bits = 48
		}
		key = netip.PrefixFrom(q.addr, bits).Masked().String()
	}
	for {
		if r := c.cached(q); r != nil {
			return r.result(q, true)
		}
		c.mu.Lock()
		if cl := c.inflight[key]; cl != nil {
			c.mu.Unlock()
			select {
			case <-cl.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("whois: lookup of %s: %w", q.indicator, context.Cause(ctx))
			}
			if cl.text != q.text || cl.resp == nil && isContextErr(cl.err) && ctx.Err() == nil {
				continue // another address of the block (is it cached now?), or the other caller gave up
			}
			if cl.resp == nil {
				return nil, cl.err
			}
			return cl.resp.result(q, true)
		}
		cl := &call{text: q.text, done: make(chan struct{})}
		c.inflight[key] = cl
		c.mu.Unlock()

		cl.resp, cl.err = c.fetch(ctx, q)
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(cl.done)
		if cl.resp == nil {
			return nil, cl.err
		}
		return cl.resp.result(q, false)
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// fetch waits for a slot, asks, parses and caches.
func (c *Client) fetch(ctx context.Context, q query) (*Response, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("whois: lookup of %s: %w", q.indicator, context.Cause(ctx))
	}
	defer func() { <-c.sem }()
	// Another lookup may have answered this network while we waited.
	if r := c.cached(q); r != nil {
		return r, nil
	}

	rec := &recorder{}
	lib := whois.NewClient().
		SetDialer(&dialer{ctx: ctx, c: c, rec: rec}).
		SetTimeout(24 * time.Hour). // our dialer enforces Options.Timeout
		SetDisableStats(true).
		SetDisableReferral(!c.opts.Referrals).
		SetDisableReferralChain(true)
	var servers []string
	if c.opts.Server != "" {
		servers = []string{c.opts.Server}
	}
	_, err := lib.Whois(q.text, servers...)
	if err != nil {
		return nil, fmt.Errorf("whois: lookup of %s: %w", q.indicator, err)
	}
	// The answer is the last exchange that completed; a failed referral
	// leaves the registry's answer standing, as the library does.
	var final *Exchange
	for _, ex := range rec.exchanges {
		if ex.Err == nil && len(ex.Raw) > 0 && !ex.Done.IsZero() {
			final = ex
		}
	}
	if final == nil {
		return nil, fmt.Errorf("whois: lookup of %s: connection closed without an answer: %w", q.indicator, ErrEmptyResponse)
	}
	resp := &Response{
		Indicator: q.indicator,
		Query:     q.text,
		Server:    final.Addr,
		Raw:       final.Raw,
		Retrieved: final.Done,
	}
	for _, ex := range rec.exchanges {
		resp.Exchanges = append(resp.Exchanges, *ex)
	}
	if q.addr.IsValid() {
		resp.IP, resp.err = ParseIP(final.Raw, q.addr)
	} else {
		resp.Domain, resp.err = ParseDomain(final.Raw)
	}
	if resp.err != nil {
		resp.err = fmt.Errorf("whois: answer from %s for %s: %w", resp.Server, q.text, resp.err)
	}
	resp.NotFound = errors.Is(resp.err, ErrNotFound)
	if resp.err == nil || resp.NotFound {
		c.store(resp)
	}
	return resp, nil
}

// cached returns the cached answer covering q, or nil.
func (c *Client) cached(q query) *Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.byQuery[q.text]; r != nil {
		return r
	}
	if q.addr.IsValid() {
		for bits := q.addr.BitLen(); bits >= 0; bits-- {
			p, _ := q.addr.Prefix(bits)
			if r := c.byPrefix[p]; r != nil {
				return r
			}
		}
	}
	return nil
}

// store caches an answer under its query and, for IP answers, under every
// prefix of the network.
func (c *Client) store(r *Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries >= maxCacheEntries || c.bytes+int64(len(r.Raw)) > maxCacheBytes {
		return
	}
	c.entries++
	c.bytes += int64(len(r.Raw))
	c.byQuery[r.Query] = r
	if r.IP != nil {
		for _, p := range r.IP.Prefixes {
			c.byPrefix[p] = r
		}
	}
}
