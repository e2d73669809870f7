package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSearchBesideARunningOne: a search is answered while another one
// runs (holds a search slot): searches of several people do not wait for
// each other.
func TestSearchBesideARunningOne(t *testing.T) {
	f := newFixture(t, "")
	f.srv.searches <- struct{}{}
	api := apiClient(t, f, "ann")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a guard, not a measure: a search left waiting would hang the test
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.ts.URL+"/api/v1/events?q=indicator:89.160.20.130", nil)
	resp, body := api.do(req)
	if resp == nil || resp.StatusCode != http.StatusOK || !strings.Contains(body, "89.160.20.130") {
		t.Fatalf("a search beside a running one was not answered: %v", resp)
	}
}

// TestCommandThroughTheServerRenewsTheAssessment: what a command run
// through the server's socket writes (it holds Server.Exclusive) shows on
// the sources page once it ends.
func TestCommandThroughTheServerRenewsTheAssessment(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	if _, body := ann.get("/sources?q=203.0.113.77"); strings.Contains(body, "/sources/203.0.113.77") {
		t.Fatal("the new source is there before it is ingested")
	}
	unlock := f.srv.Exclusive()
	log := []byte("Nov 20 10:00:00 newhost01 sshd[1]: Failed password for root from 203.0.113.77 port 4000 ssh2\n")
	f.ingestAndParse(t, "newhost01.log", log)
	unlock()
	if _, body := ann.get("/sources"); !strings.Contains(body, "/sources/203.0.113.77") {
		t.Error("the sources page does not show the source ingested by the command")
	}
}
