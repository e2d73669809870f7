package whois

import (
	"bufio"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeServer is a WHOIS server on 127.0.0.1 for tests. It reads one query
// line, records it, and lets handle answer. Tests never reach a real server:
// every Client under test has Options.Server (or route) pointing here.
type fakeServer struct {
	addr   string
	handle func(c net.Conn, query string)
	// raw, when set, is called instead of reading a query (for servers that
	// misbehave before reading).
	raw func(c net.Conn)

	mu        sync.Mutex
	queries   []string
	times     []time.Time
	active    int
	maxActive int

	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup
}

func startServer(t *testing.T, handle func(c net.Conn, query string)) *fakeServer {
	t.Helper()
	return startRawServer(t, handle, nil)
}

// startRawServer is startServer with a raw handler that runs instead of
// reading the query.
func startRawServer(t *testing.T, handle func(c net.Conn, query string), raw func(c net.Conn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{addr: ln.Addr().String(), handle: handle, raw: raw, ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *fakeServer) close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.ln.Close()
	s.wg.Wait()
}

func (s *fakeServer) serve() {
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
			// Unblock handlers when the test ends.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				select {
				case <-s.done:
					c.Close()
				case <-stop:
				}
			}()
			s.mu.Lock()
			s.active++
			s.maxActive = max(s.maxActive, s.active)
			s.times = append(s.times, time.Now())
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.active--
				s.mu.Unlock()
			}()
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

// Queries returns the query lines received so far, CRLF included.
func (s *fakeServer) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// answer returns a handler that writes the answer for each query (without
// CRLF) and closes; unknown queries get a RIPE-style "no entries found".
func answer(byQuery map[string][]byte) func(net.Conn, string) {
	return func(c net.Conn, q string) {
		b, ok := byQuery[trimCRLF(q)]
		if !ok {
			b = []byte("%ERROR:101: no entries found\n")
		}
		_, _ = c.Write(b)
	}
}

func trimCRLF(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// singleHost answers any address query with a RIPE object for that one
// address, so every query is a distinct network.
func singleHost(c net.Conn, q string) {
	a := trimCRLF(q)
	_, _ = c.Write([]byte("inetnum: " + a + " - " + a + "\nnetname: HOST\ncountry: NL\nsource: RIPE\n"))
}
