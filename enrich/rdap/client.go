package rdap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/openrdap/rdap/bootstrap"
	"golang.org/x/time/rate"

	"github.com/casefile/casefile/enrich/indicator"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout     = 15 * time.Second
	DefaultMaxResponse = 1 << 20
	DefaultRateLimit   = 1.0 // requests per second: registries throttle harder than WHOIS
)

// Options configure a Client. The zero value means the defaults.
type Options struct {
	// Server is an RDAP base URL ("https://rdap.db.ripe.net",
	// "http://127.0.0.1:8080") that receives every request, bypassing the
	// IANA bootstrap. Empty: the bootstrap names each address's registry.
	Server string
	// Timeout bounds each request. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxResponse is the largest body accepted, in bytes. Zero means
	// DefaultMaxResponse.
	MaxResponse int64
	// RateLimit is the number of requests per second at most. Zero means
	// DefaultRateLimit; negative means no limit.
	RateLimit float64
}

// Response is one RDAP answer and what was read from it.
type Response struct {
	Indicator string    // the address looked up, normalised
	URL       string    // the URL that gave Raw (after redirects)
	Raw       []byte    // the body exactly as received: the evidence artefact
	Retrieved time.Time // when Raw was received, UTC
	Network   *Network  // set when the answer was read
	NotFound  bool      // the server answered 404
	Cached    bool      // answered from the client's cache
}

// Client looks up IP addresses in RDAP. It is safe for concurrent use, but
// asks one request at a time.
type Client struct {
	opts Options
	base *url.URL
	http *http.Client
	boot *bootstrap.Client

	mu    sync.Mutex // serialises requests and guards cache
	cache []*Response
	limit *rate.Limiter // requests per second
}

// New returns a client for opts.
func New(opts Options) (*Client, error) {
	if opts.Timeout < 0 || opts.MaxResponse < 0 {
		return nil, errors.New("rdap: negative timeout or response size")
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
	c := &Client{opts: opts, http: &http.Client{Timeout: opts.Timeout}, limit: rate.NewLimiter(rate.Limit(opts.RateLimit), 1)}
	if opts.RateLimit < 0 {
		c.limit.SetLimit(rate.Inf)
	}
	if opts.Server != "" {
		u, err := url.Parse(strings.TrimSuffix(opts.Server, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("rdap: server %q is not an http(s) base URL", opts.Server)
		}
		c.base = u
		c.http.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
			if req.URL.Host != u.Host {
				return fmt.Errorf("rdap: redirect to %s refused: every request goes to %s", req.URL.Host, u.Host)
			}
			return nil
		}
	} else {
		c.boot = &bootstrap.Client{HTTP: c.http}
	}
	return c, nil
}

// Lookup asks RDAP about a public IP address. When the server answered 404
// or the answer could not be read, Lookup returns the Response (its Raw is
// evidence) with an error wrapping ErrNotFound or ErrMalformed.
func (c *Client) Lookup(ctx context.Context, ind string) (*Response, error) {
	a, ok := indicator.NormalizeIP(ind)
	if !ok {
		return nil, fmt.Errorf("rdap: %q is not an IP address: %w", ind, ErrNotQueryable)
	}
	if sp := indicator.Special(a); sp != "" {
		return nil, fmt.Errorf("rdap: %s is a %s address: %w", a, sp, ErrNotQueryable)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.cache {
		if r.Network.Contains(a) {
			cp := *r
			cp.Indicator, cp.Cached = a.String(), true
			return &cp, nil
		}
	}
	base, err := c.baseFor(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	u := base.JoinPath("ip", a.String())
	resp, err := c.get(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("rdap: lookup of %s at %s: %w", a, u.Host, err)
	}
	resp.Indicator = a.String()
	switch {
	case resp.NotFound:
		return resp, fmt.Errorf("rdap: %s has no network for %s: %w", u.Host, a, ErrNotFound)
	default:
		n, err := Parse(resp.Raw)
		if err != nil {
			return resp, fmt.Errorf("rdap: answer from %s for %s: %w", u.Host, a, err)
		}
		if !n.Contains(a) {
			return resp, fmt.Errorf("rdap: answer from %s for %s describes %s, which does not contain it: %w", u.Host, a, n.Range(), ErrMalformed)
		}
		resp.Network = n
		if len(c.cache) < 100_000 {
			c.cache = append(c.cache, resp)
		}
	}
	return resp, nil
}

// baseFor returns the base URL to ask about a: Options.Server, or the
// registry the IANA bootstrap names.
func (c *Client) baseFor(ctx context.Context, a netip.Addr) (*url.URL, error) {
	if c.base != nil {
		return c.base, nil
	}
	reg := bootstrap.IPv4
	if a.Is6() {
		reg = bootstrap.IPv6
	}
	q := (&bootstrap.Question{RegistryType: reg, Query: a.String()}).WithContext(ctx)
	ans, err := c.boot.Lookup(q)
	if err != nil {
		return nil, fmt.Errorf("rdap: IANA bootstrap for %s: %w", a, err)
	}
	var pick *url.URL
	for _, u := range ans.URLs {
		if pick == nil || u.Scheme == "https" && pick.Scheme != "https" {
			pick = u
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("rdap: the IANA bootstrap names no RDAP server for %s: %w", a, ErrNotFound)
	}
	return pick, nil
}

// wait keeps to the rate limit; c.mu is held.
func (c *Client) wait(ctx context.Context) error {
	if err := c.limit.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return fmt.Errorf("rdap: waiting for the rate limit: %w", err)
	}
	return nil
}

func (c *Client) get(ctx context.Context, u string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer hr.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hr.Body, c.opts.MaxResponse+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.opts.MaxResponse {
		return nil, fmt.Errorf("more than %d bytes: %w", c.opts.MaxResponse, ErrTooLarge)
	}
	r := &Response{URL: hr.Request.URL.String(), Raw: body, Retrieved: time.Now().UTC()}
	switch {
	case hr.StatusCode == http.StatusNotFound:
		r.NotFound = true
	case hr.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP %s", hr.Status)
	}
	return r, nil
}
