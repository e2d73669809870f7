package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
)

// TestLoad measures the workbench under load: a case of 100,000 events from
// 10,000 sources, 50 concurrent clients on 127.0.0.1 for a bounded time,
// p50/p99 per endpoint, against a static file served by the same server in
// the same run. It runs only when CASEFILE_LOAD_SECONDS is set:
//
//	CASEFILE_LOAD_SECONDS=30 go test -run TestLoad -v ./ui
func TestLoad(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("CASEFILE_LOAD_SECONDS"))
	if secs <= 0 {
		t.Skip("set CASEFILE_LOAD_SECONDS to run the load test")
	}
	const nEvents, nSources, clients = 100_000, 10_000, 50
	ctx := context.Background()
	start := time.Now()
	h, err := casedir.Create(ctx, filepath.Join(t.TempDir(), "case"), casedir.CreateOptions{Title: "Load test", Examiner: testExaminer,
		Passphrase: []byte("load passphrase"), Command: "ui load test"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	log := synthAuthLog(nEvents, nSources)
	res, err := h.Ingest(ctx, bytes.NewReader(log), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := eventstore.New(h.Case).Parse(ctx, res.Digest, eventstore.ParseOptions{Name: "auth.log", Year: 2026, Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	if run.Events != nEvents {
		t.Fatalf("parsed %d events, want %d", run.Events, nEvents)
	}
	if _, err := AddUser(ctx, h.Case, testExaminer, "ann", RoleAnalyst, []byte(testPassword)); err != nil {
		t.Fatal(err)
	}
	tok, _, err := NewToken(ctx, h.Case, testExaminer, "ann", 0)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Case: h, Actor: testExaminer, TempDir: t.TempDir(), SkipStartVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	t.Logf("case built in %s (%s of log)", time.Since(start).Round(time.Millisecond), evidence.HumanBytes(int64(len(log))))

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2, MaxConnsPerHost: clients * 2}}
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		t1 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("%s: %d", path, resp.StatusCode)
		}
		return time.Since(t1), nil
	}
	// Warm the caches once (the assessment of 10,000 sources is computed once
	// per state of the case), and say how long that took.
	for _, p := range []string{"/api/v1/assessment?limit=1", "/api/v1/indicators?limit=1"} {
		d, err := get(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("first %s: %s", p, d.Round(time.Millisecond))
	}
	type endpoint struct {
		name string
		path func(r *rand.Rand) string
	}
	eps := []endpoint{
		{"static (baseline)", func(*rand.Rand) string { return "/static/app.css" }},
		{"api events page", func(r *rand.Rand) string { return "/api/v1/events?limit=100&offset=" + strconv.Itoa(r.IntN(50)*100) }},
		{"api events by indicator", func(r *rand.Rand) string { return "/api/v1/events?limit=100&indicator=" + synthIP(r.IntN(nSources)) }},
		{"api search (source, time order)", func(r *rand.Rand) string {
			return "/api/v1/events?limit=100&q=" + url.QueryEscape("src:"+synthIP(r.IntN(nSources)))
		}},
		{"api search (word, negation, newest)", func(r *rand.Rand) string {
			return "/api/v1/events?limit=100&sort=-time&q=" + url.QueryEscape("password -user:root")
		}},
		{"page search (successful logins)", func(r *rand.Rand) string {
			return "/events?q=" + url.QueryEscape("kind:auth outcome:success") + "&offset=" + strconv.Itoa(r.IntN(20)*100)
		}},
		{"api log", func(r *rand.Rand) string { return "/api/v1/log?limit=100" }},
		{"api artefacts", func(r *rand.Rand) string { return "/api/v1/artefacts" }},
		{"api indicators", func(r *rand.Rand) string {
			return "/api/v1/indicators?limit=100&offset=" + strconv.Itoa(r.IntN(100)*100)
		}},
		{"api assessment list", func(r *rand.Rand) string {
			return "/api/v1/assessment?limit=100&offset=" + strconv.Itoa(r.IntN(100)*100)
		}},
		{"page events", func(r *rand.Rand) string { return "/events?offset=" + strconv.Itoa(r.IntN(50)*100) }},
		{"page sources", func(r *rand.Rand) string { return "/sources?sort=risk&offset=" + strconv.Itoa(r.IntN(100)*100) }},
		{"page custody", func(r *rand.Rand) string { return "/custody" }},
		{"assessment detail (api)", func(r *rand.Rand) string { return "/api/v1/assessment/" + synthIP(r.IntN(nSources)) }},
		{"assessment detail (page)", func(r *rand.Rand) string { return "/sources/" + synthIP(r.IntN(nSources)) }},
	}
	// Unloaded: one client, 20 requests per endpoint (fresh random paths).
	r0 := rand.New(rand.NewPCG(99, 1))
	for _, e := range eps {
		var l []time.Duration
		for i := 0; i < 20; i++ {
			d, err := get(e.path(r0))
			if err != nil {
				t.Fatal(err)
			}
			l = append(l, d)
		}
		slices.Sort(l)
		t.Logf("unloaded %-26s p50 %9s  max %9s", e.name, l[10].Round(10*time.Microsecond), l[19].Round(10*time.Microsecond))
	}
	var mu sync.Mutex
	lat := make([][]time.Duration, len(eps))
	var failures []error
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			local := make([][]time.Duration, len(eps))
			for time.Now().Before(deadline) {
				i := r.IntN(len(eps))
				d, err := get(eps[i].path(r))
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
					continue
				}
				local[i] = append(local[i], d)
			}
			mu.Lock()
			for i := range local {
				lat[i] = append(lat[i], local[i]...)
			}
			mu.Unlock()
		}(uint64(c))
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failed requests, first: %v", len(failures), failures[0])
	}
	total := 0
	t.Logf("%-26s %8s %8s %9s %9s %10s", "endpoint", "requests", "req/s", "p50", "p99", "p99/static")
	var base time.Duration
	for i, e := range eps {
		l := lat[i]
		slices.Sort(l)
		total += len(l)
		if len(l) == 0 {
			continue
		}
		p99 := l[len(l)*99/100]
		if i == 0 {
			base = p99
		}
		t.Logf("%-26s %8d %8.0f %9s %9s %10.1f", e.name, len(l), float64(len(l))/float64(secs),
			l[len(l)/2].Round(10*time.Microsecond), p99.Round(10*time.Microsecond), float64(p99)/float64(max(base, 1)))
	}
	t.Logf("all: %d requests in %ds with %d clients, %.0f req/s", total, secs, clients, float64(total)/float64(secs))
}
