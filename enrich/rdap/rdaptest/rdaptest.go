// Package rdaptest serves stored RDAP answers on 127.0.0.1, for tests and
// for replaying a generated case's registry answers.
package rdaptest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/casefile/casefile/enrich/rdap"
)

// Body returns the JSON body of a stored RDAP answer: the file itself, or
// what follows the headers when the file is a whole HTTP response (as
// nicinfo captured them).
func Body(file []byte) []byte {
	if bytes.HasPrefix(file, []byte("HTTP/")) {
		if i := bytes.Index(file, []byte("\r\n\r\n")); i >= 0 {
			return file[i+4:]
		}
		if i := bytes.Index(file, []byte("\n\n")); i >= 0 {
			return file[i+2:]
		}
	}
	return file
}

// Replay is an RDAP server on 127.0.0.1 that answers /ip/ADDR with the
// stored answer whose network contains ADDR, and 404 otherwise. Tests and
// generated cases point Options.Server at URL.
type Replay struct {
	URL string

	srv    *httptest.Server
	mu     sync.Mutex
	nets   []*rdap.Network
	bodies [][]byte
	asked  []string
}

// NewReplay serves the RDAP answers in files (paths to JSON bodies or HTTP
// captures). Files that do not parse as ip networks are refused.
func NewReplay(files ...string) (*Replay, error) {
	r := &Replay{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := r.Add(Body(b)); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	return r, nil
}

// Add serves one more answer.
func (r *Replay) Add(body []byte) error {
	n, err := rdap.Parse(body)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nets = append(r.nets, n)
	r.bodies = append(r.bodies, body)
	return nil
}

// Asked returns the paths requested so far.
func (r *Replay) Asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}

// Close stops the server.
func (r *Replay) Close() { r.srv.Close() }

func (r *Replay) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.asked = append(r.asked, req.URL.Path)
	r.mu.Unlock()
	a, err := netip.ParseAddr(strings.TrimPrefix(req.URL.Path, "/ip/"))
	if err != nil {
		http.Error(w, `{"errorCode":400,"title":"bad request"}`, http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// The most specific network containing a, as a registry answers.
	best := -1
	for i, n := range r.nets {
		if n.Contains(a) && (best < 0 || r.nets[best].First.Compare(n.First) <= 0 && n.Last.Compare(r.nets[best].Last) <= 0) {
			best = i
		}
	}
	if best < 0 {
		w.Header().Set("Content-Type", "application/rdap+json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errorCode":404,"title":"Not Found"}`))
		return
	}
	w.Header().Set("Content-Type", "application/rdap+json")
	w.Write(r.bodies[best])
}
