// Package whoistest serves WHOIS (RFC 3912, port 43) on the loopback
// interface, for tests and for replaying a generated case's registry
// answers: the one WHOIS server of the module's tests, beside
// enrich/rdap/rdaptest for RDAP. Nothing here reaches a real registry.
package whoistest

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Handler answers one query on c. query is the line as received, CRLF
// included; c is closed when the handler returns.
type Handler func(c net.Conn, query string)

// Server is a WHOIS server on 127.0.0.1 (or the address given to StartOn).
type Server struct {
	Addr string // host:port to point a client's Server option at

	handle Handler
	raw    func(net.Conn)
	ln     net.Listener
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	mu        sync.Mutex
	queries   []string
	times     []time.Time
	active    int
	maxActive int
}

// Start serves handle on 127.0.0.1, on a port of the system's choosing.
func Start(handle Handler) (*Server, error) { return StartOn("127.0.0.1:0", handle) }

// StartOn serves handle on addr ("[::1]:0" for IPv6).
func StartOn(addr string, handle Handler) (*Server, error) {
	return start(addr, handle, nil)
}

// StartRaw serves raw, called with each connection instead of reading a
// query first: for servers that misbehave before a query is read.
func StartRaw(raw func(c net.Conn)) (*Server, error) { return start("127.0.0.1:0", nil, raw) }

func start(addr string, handle Handler, raw func(net.Conn)) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), handle: handle, raw: raw, ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Close stops the server and ends the connections still open.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.ln.Close()
	})
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			stop := make(chan struct{}) // a handler still writing when the server closes is cut off
			defer close(stop)
			go func() {
				select {
				case <-s.done:
					c.Close()
				case <-stop:
				}
			}()
			s.enter()
			defer s.leave()
			if s.raw != nil {
				s.raw(c)
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReaderSize(c, 4096).ReadString('\n')
			if err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Time{})
			s.mu.Lock()
			s.queries = append(s.queries, line)
			s.mu.Unlock()
			s.handle(c, line)
		}()
	}
}

func (s *Server) enter() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active++
	s.maxActive = max(s.maxActive, s.active)
	s.times = append(s.times, time.Now())
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
}

// Queries returns the query lines received so far, CRLF included.
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// Times returns when each connection was accepted.
func (s *Server) Times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

// MaxActive is the most connections that were open at once.
func (s *Server) MaxActive() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxActive
}

// NoEntries is what a RIPE-style server answers for an unknown query.
const NoEntries = "% This is the RIPE Database query service.\n\n%ERROR:101: no entries found\n"

// Answer answers each query (without CRLF) with its bytes, and unknown
// queries with NoEntries.
func Answer(byQuery map[string][]byte) Handler {
	return func(c net.Conn, q string) {
		b, ok := byQuery[TrimCRLF(q)]
		if !ok {
			b = []byte(NoEntries)
		}
		_, _ = c.Write(b)
	}
}

// Fixed answers every query with the same bytes.
func Fixed(answer []byte) Handler {
	return func(c net.Conn, _ string) { _, _ = c.Write(answer) }
}

// Replay answers a query from the file dir/<query>.txt (lower-cased, the
// ARIN "n + " prefix removed), as the registries answered when a case was
// recorded; NoEntries when there is none.
func Replay(dir string) Handler {
	return func(c net.Conn, q string) {
		q = strings.TrimPrefix(strings.TrimSpace(q), "n + ")
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(strings.ToLower(q))+".txt"))
		if err != nil {
			b = []byte(NoEntries)
		}
		_, _ = c.Write(b)
	}
}

// TrimCRLF removes the line ending of a query.
func TrimCRLF(s string) string { return strings.TrimRight(s, "\r\n") }
