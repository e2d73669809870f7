package export

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// newTSA starts a minimal RFC 3161 time-stamping authority on 127.0.0.1.
func newTSA(t *testing.T) *httptest.Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Casefile test TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Nonce: req.Nonce,
			Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1},
			Accuracy: time.Second, AddTSACertificate: true,
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTimestamp(t *testing.T) {
	tsa := newTSA(t)
	tc := newTestCase(t)
	out := filepath.Join(t.TempDir(), "pkg")
	o := tc.options(out)
	o.TSA, o.HTTPClient = tsa.URL, tsa.Client()
	build(t, tc, o)
	r := mustVerify(t, out)
	if !r.OK || r.Timestamp != "2026-11-21T10:00:00Z" {
		t.Fatalf("timestamp %q, problems %+v", r.Timestamp, r.Problems)
	}
	// A timestamp over another checkpoint is refused, even re-signed.
	other, err := requestTimestamp(context.Background(), tsa.Client(), tsa.URL, []byte("another checkpoint\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkTimestamp(other, mustRead(t, filepath.Join(out, "checkpoint.txt"))); err == nil {
		t.Fatal("a timestamp over other data was accepted")
	}
	os.WriteFile(filepath.Join(out, "checkpoint.tsr"), other, 0o644)
	if r := mustVerify(t, out); r.OK || r.First().Where != "checkpoint.tsr" {
		t.Fatalf("swapped timestamp: %+v", r.First())
	}
	// An unreachable authority fails the export and leaves nothing.
	o = tc.options(filepath.Join(t.TempDir(), "pkg2"))
	o.TSA = "http://127.0.0.1:1/"
	if _, err := Build(context.Background(), tc.c, o); err == nil {
		t.Fatal("export with an unreachable TSA succeeded")
	}
	if _, err := os.Stat(o.Out); err == nil {
		t.Fatal("a failed export left a package")
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
