// Package witnesstest runs a C2SP tlog-witness (witness.Server, the code
// behind 'casefile witness serve') on 127.0.0.1 for tests, so that every
// package that needs a witness uses the real one, started the same way.
package witnesstest

import (
	"net/http/httptest"
	"testing"

	"github.com/casefile/casefile/evidence/witness"
)

// Server is a witness serving on 127.0.0.1 until the test ends.
type Server struct {
	*witness.Server
	Dir  string           // its state directory (a fresh temporary one)
	URL  string           // http://127.0.0.1:PORT
	HTTP *httptest.Server // to stop it early or swap its handler
}

// Start opens a witness named name in a temporary directory, tells it the
// verifier keys of the logs it may cosign, and serves it.
func Start(t testing.TB, name string, logs ...string) *Server {
	t.Helper()
	dir := t.TempDir()
	w, err := witness.OpenServer(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if err := w.AddLog(l); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return &Server{Server: w, Dir: dir, URL: srv.URL, HTTP: srv}
}
