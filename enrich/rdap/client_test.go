package rdap_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/rdap"
	"github.com/casefile/casefile/enrich/rdap/rdaptest"
)

// TestLookupLoopback asks a server on 127.0.0.1 that serves the real
// answers, and finds the abuse e-mail of ARIN, RIPE, APNIC and LACNIC
// networks (AFRINIC's samples have none: the lookup says so).
func TestLookupLoopback(t *testing.T) {
	srv, err := rdaptest.NewReplay(samplePaths(t)...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := rdap.New(rdap.Options{Server: srv.URL, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ addr, registry, abuse string }{
		{"3.3.3.3", "ARIN", "abuse@amazonaws.com"},
		{"108.45.128.208", "ARIN", "abuse@verizon.net"},
		{"193.0.6.139", "RIPE", "abuse@ripe.net"},
		{"2001:41d0:2:193d::5", "RIPE", "lir@ovh.net"},
		{"61.181.2.38", "APNIC", "hqs-ipabuse@chinaunicom.cn"},
		{"179.0.1.200", "LACNIC", "tomas.cribb@neuralsoft.com"},
		{"41.0.77.1", "AFRINIC", ""},
	} {
		r, err := c.Lookup(ctx, tc.addr)
		if err != nil {
			t.Fatalf("%s: %v", tc.addr, err)
		}
		if r.Network.Registry != tc.registry || r.Network.AbuseEmail != tc.abuse || !strings.HasPrefix(r.URL, srv.URL+"/ip/") {
			t.Errorf("%s: %s %q from %s", tc.addr, r.Network.Registry, r.Network.AbuseEmail, r.URL)
		}
		obs := r.Observations("sha256:00")
		if len(obs) != 1 || obs[0].SourceType != enrich.TypeRDAP || obs[0].Indicator != r.Indicator ||
			(tc.abuse != "" && obs[0].Fields["abuse_email"] != tc.abuse) || (tc.abuse == "" && obs[0].Fields["no_abuse_email"] != true) {
			t.Errorf("%s: observations %+v", tc.addr, obs)
		}
	}
	// Another address of an answered network is not asked again.
	n := len(srv.Asked())
	r, err := c.Lookup(ctx, "3.100.1.1")
	if err != nil || !r.Cached || r.Indicator != "3.100.1.1" || len(srv.Asked()) != n {
		t.Errorf("cached lookup: %v %+v, %d requests", err, r, len(srv.Asked())-n)
	}
	// No network: 404, the answer kept, not found.
	r, err = c.Lookup(ctx, "9.9.9.9")
	if !errors.Is(err, rdap.ErrNotFound) || r == nil || !r.NotFound || len(r.Raw) == 0 {
		t.Errorf("404: %v %+v", err, r)
	} else if obs := r.Observations("sha256:00"); len(obs) != 1 || obs[0].Fields["not_found"] != true {
		t.Errorf("404 observations %+v", obs)
	}
	// Special-purpose addresses are never sent.
	for _, a := range []string{"10.1.2.3", "192.0.2.1", "::1", "example.com"} {
		if _, err := c.Lookup(ctx, a); !errors.Is(err, rdap.ErrNotQueryable) {
			t.Errorf("%s: %v", a, err)
		}
	}
	if got := len(srv.Asked()); got != n+1 {
		t.Errorf("%d requests after the cached lookup, want 1", got-n)
	}
}

// TestLookupRefusesRedirectAndLargeAnswers: with a server set, a redirect
// to another host is refused; an answer above MaxResponse is an error.
func TestLookupRefusesRedirectAndLargeAnswers(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the redirect was followed to another host")
	}))
	defer other.Close()
	big := strings.Repeat(" ", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/1.1.1.1") {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusFound)
			return
		}
		w.Write([]byte(`{"startAddress":"2.0.0.0","endAddress":"2.255.255.255"}` + big))
	}))
	defer srv.Close()
	c, err := rdap.New(rdap.Options{Server: srv.URL, RateLimit: -1, MaxResponse: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(context.Background(), "1.1.1.1"); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("redirect: %v", err)
	}
	if _, err := c.Lookup(context.Background(), "2.2.2.2"); !errors.Is(err, rdap.ErrTooLarge) {
		t.Errorf("large answer: %v", err)
	}
	if _, err := rdap.New(rdap.Options{Server: "127.0.0.1:80"}); err == nil {
		t.Error("a server without scheme was accepted")
	}
}

// TestLookupRateLimit: at 20 requests per second, 4 requests to distinct
// networks take at least 150 ms.
func TestLookupRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	c, err := rdap.New(rdap.Options{Server: srv.URL, RateLimit: 20})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, a := range []string{"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"} {
		if _, err := c.Lookup(context.Background(), a); !errors.Is(err, rdap.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("4 requests at 20/s took %v", d)
	}
}
