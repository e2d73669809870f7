package whois

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxSent bounds what is kept of the bytes sent in one exchange.
const maxSent = 1 << 10

// Exchange is one connection to one WHOIS server: what was sent and what
// came back, byte for byte.
type Exchange struct {
	Server string    // host:port the WHOIS library asked for
	Addr   string    // host:port actually connected to (Options.Server when set)
	Sent   []byte    // the query as sent, CRLF included
	Raw    []byte    // the answer exactly as received
	Done   time.Time // when the answer ended (EOF), UTC; zero if it never did
	Err    error     // why the exchange failed, nil if it did not
}

// recorder collects the exchanges of one lookup. The WHOIS library makes
// them one after another, but the mutex keeps a misbehaving caller safe.
type recorder struct {
	mu        sync.Mutex
	exchanges []*Exchange
}

func (r *recorder) add(ex *Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
}

// dialer is handed to likexian/whois for one lookup. It redirects every
// connection to Options.Server when set, waits for the rate limiter, bounds
// each connection by Options.Timeout and the lookup's context, caps what can
// be read, and records the bytes exchanged.
type dialer struct {
	ctx context.Context
	c   *Client
	rec *recorder
}

// Dial implements golang.org/x/net/proxy.Dialer.
func (d *dialer) Dial(network, addr string) (net.Conn, error) {
	target := addr
	switch {
	case d.c.opts.Server != "":
		// Also undoes the library's mangling of "[::1]:43".
		target = d.c.opts.Server
	case d.c.route != nil:
		target = d.c.route(addr)
	}
	ex := &Exchange{Server: addr, Addr: target}
	d.rec.add(ex)
	if err := waitTurn(d.ctx, d.c.limit); err != nil {
		ex.Err = err
		return nil, err
	}
	connCtx, cancel := context.WithTimeout(d.ctx, d.c.opts.Timeout)
	var nd net.Dialer
	raw, err := nd.DialContext(connCtx, "tcp", target)
	if err != nil {
		cancel()
		ex.Err = d.c.mapErr(d.ctx, connCtx, target, err)
		return nil, ex.Err
	}
	c := &conn{Conn: raw, ex: ex, limit: d.c.opts.MaxResponse, parent: d.ctx, connCtx: connCtx, cancel: cancel, c: d.c}
	_ = c.SetDeadline(time.Time{})
	// Unblock a pending Read or Write when the deadline passes or the caller
	// gives up.
	c.stop = context.AfterFunc(connCtx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.expired = true
		_ = raw.SetDeadline(time.Unix(1, 0))
	})
	return c, nil
}

// conn wraps one connection.
type conn struct {
	net.Conn
	ex      *Exchange
	c       *Client
	limit   int64
	n       int64
	parent  context.Context
	connCtx context.Context
	cancel  context.CancelFunc
	stop    func() bool

	mu      sync.Mutex
	expired bool // connCtx is done: every deadline stays in the past
}

// SetDeadline, SetReadDeadline and SetWriteDeadline clamp the library's
// deadlines (it sets them from its own timeout) to the connection's, and
// never move a deadline forced by the context back into the future.
func (c *conn) SetDeadline(t time.Time) error      { return c.clamp(c.Conn.SetDeadline, t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.clamp(c.Conn.SetReadDeadline, t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.clamp(c.Conn.SetWriteDeadline, t) }

func (c *conn) clamp(set func(time.Time) error, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired {
		return set(time.Unix(1, 0))
	}
	if d, ok := c.connCtx.Deadline(); ok && (t.IsZero() || d.Before(t)) {
		t = d
	}
	return set(t)
}

func (c *conn) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, c.ex.Err
	}
	if room := c.limit + 1 - c.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.Conn.Read(p)
	if need := len(c.ex.Raw) + n; need > cap(c.ex.Raw) {
		// Double, but never past the cap: append's 1.25× growth would
		// allocate several times the answer on the way.
		grown := make([]byte, len(c.ex.Raw), min(max(2*cap(c.ex.Raw), need, 4096), int(c.limit)+1))
		copy(grown, c.ex.Raw)
		c.ex.Raw = grown
	}
	c.ex.Raw = append(c.ex.Raw, p[:n]...)
	c.n += int64(n)
	switch {
	case c.n > c.limit:
		c.ex.Raw = c.ex.Raw[:c.limit]
		c.ex.Err = fmt.Errorf("whois: %s sent more than %d bytes: %w", c.ex.Addr, c.limit, ErrTooLarge)
		return n, c.ex.Err
	case err == io.EOF:
		c.ex.Done = time.Now().UTC()
	case err != nil:
		c.ex.Err = c.c.mapErr(c.parent, c.connCtx, c.ex.Addr, err)
		return n, c.ex.Err
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	if room := maxSent - len(c.ex.Sent); room > 0 {
		c.ex.Sent = append(c.ex.Sent, p[:min(len(p), room)]...)
	}
	n, err := c.Conn.Write(p)
	if err != nil {
		err = c.c.mapErr(c.parent, c.connCtx, c.ex.Addr, err)
		c.ex.Err = err
	}
	return n, err
}

func (c *conn) Close() error {
	c.stop()
	c.cancel()
	return c.Conn.Close()
}

// mapErr turns a deadline forced by the context into the reason for it.
func (c *Client) mapErr(parent, connCtx context.Context, addr string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// Only the context's deadline is ever set on the connection, so
		// the context is done or about to be: wait to learn which one.
		t := time.NewTimer(time.Second)
		select {
		case <-connCtx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("whois: %s: %w", addr, context.Cause(parent))
	case connCtx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("whois: no answer from %s within %v: %w", addr, c.opts.Timeout, ErrTimeout)
	}
	return err
}

// waitTurn blocks until the client's rate limit lets one more connection
// through, or until ctx is done.
func waitTurn(ctx context.Context, l *rate.Limiter) error {
	if err := l.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return fmt.Errorf("whois: waiting for the rate limit: %w", err)
	}
	return nil
}
