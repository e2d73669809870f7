package tsa_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/tsa"
	"github.com/casefile/casefile/evidence/tsa/tsatest"
)

func TestRequestAndCheck(t *testing.T) {
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	srv := tsatest.New(t, func() time.Time { return when })
	data := []byte("casefile.invalid/case/x\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	raw, err := tsa.Request(context.Background(), srv.Client(), srv.URL, data)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tsa.Check(raw, data)
	if err != nil {
		t.Fatal(err)
	}
	if !ts.Time.Equal(when) || !strings.Contains(tsa.Authority(ts), tsatest.Name) {
		t.Fatalf("time %v, authority %q", ts.Time, tsa.Authority(ts))
	}
	if _, err := tsa.Check(raw, append(data, 'x')); err == nil {
		t.Fatal("a timestamp over other data was accepted")
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-10] ^= 1
	if _, err := tsa.Check(bad, data); err == nil {
		t.Fatal("a damaged timestamp was accepted")
	}
	if _, err := tsa.Request(context.Background(), nil, "http://127.0.0.1:1/", data); err == nil {
		t.Fatal("an unreachable authority gave a timestamp")
	}
}

// A timestamp proves a time to a recipient only through an authority the
// recipient trusts: its certificate must chain to their roots.
func TestChains(t *testing.T) {
	when := time.Now().UTC().Truncate(time.Second)
	srv := tsatest.New(t, func() time.Time { return when })
	other := tsatest.New(t, func() time.Time { return when })
	data := []byte("checkpoint\n")
	raw, err := tsa.Request(context.Background(), srv.Client(), srv.URL, data)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tsa.Check(raw, data)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mine, theirs, junk := filepath.Join(dir, "mine.pem"), filepath.Join(dir, "theirs.pem"), filepath.Join(dir, "junk.pem")
	os.WriteFile(mine, srv.RootPEM, 0o644)
	os.WriteFile(theirs, other.RootPEM, 0o644)
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	roots, err := tsa.LoadRoots(mine)
	if err != nil {
		t.Fatal(err)
	}
	if err := tsa.Chains(ts, roots); err != nil {
		t.Fatalf("the authority's own root: %v", err)
	}
	roots, err = tsa.LoadRoots(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if err := tsa.Chains(ts, roots); err == nil || !strings.Contains(err.Error(), "not an authority you trust") {
		t.Fatalf("another authority's root: %v", err)
	}
	if _, err := tsa.LoadRoots(junk); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("junk roots: %v", err)
	}
	late := *ts
	late.Time = time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC) // after the certificate expired
	if err := tsa.Chains(&late, x509Pool(t, srv.RootPEM)); err == nil {
		t.Fatal("a time outside the certificate's validity was trusted")
	}
}

func x509Pool(t *testing.T, pemBytes []byte) *x509.CertPool {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemBytes) {
		t.Fatal("bad PEM")
	}
	return p
}
