package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// heldUp is an assessment the test lets through one at a time (or fails):
// the server's Config.Assess, standing for the ten minutes of a large case.
type heldUp struct {
	gate chan error
	edit func(*attrib.Result) // when set, changes what is assessed
}

func (g *heldUp) assess(ctx context.Context, c *evidence.Case) (*attrib.Result, error) {
	select {
	case err := <-g.gate:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res, err := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
	if err == nil && g.edit != nil {
		g.edit(res)
	}
	return res, err
}

// let lets the assessment being made (or the next) through, or fail with
// err, and waits until the server shows its outcome.
func (g *heldUp) let(t *testing.T, f *fixture, err error) {
	t.Helper()
	select {
	case g.gate <- err:
	case <-time.After(time.Minute):
		t.Fatal("no assessment was being made")
	}
	f.waitAssessed(t)
}

// waitAssessed waits until the assessment of the current generation is
// made or failed.
func (f *fixture) waitAssessed(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	f.srv.assess.wait(ctx, time.Time{})
	if ctx.Err() != nil {
		t.Fatal("the assessment was not made within a minute")
	}
}

// newHeldUpFixture serves the fixture with an assessment held up until the
// test lets it through, and pages that do not wait for it at all.
func newHeldUpFixture(t *testing.T) (*fixture, *heldUp) {
	return newHeldUpFixtureEditing(t, nil)
}

// newHeldUpFixtureEditing is newHeldUpFixture whose assessments edit
// changes.
func newHeldUpFixtureEditing(t *testing.T, edit func(*attrib.Result)) (*fixture, *heldUp) {
	g := &heldUp{gate: make(chan error), edit: edit}
	f := newFixtureWith(t, "", func(s *Server) {
		s.cfg.Assess = g.assess
		s.cfg.AssessWait = -1
	})
	return f, g
}

// quick gets path and fails when the answer takes more than a few seconds
// (the assessment held up would hold it for a minute).
func quick(t *testing.T, c *client, path string) (*http.Response, string) {
	t.Helper()
	start := time.Now()
	resp, body := c.get(path)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("%s took %v while the assessment was being made", path, d)
	}
	return resp, body
}

type apiState struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
	State  *struct {
		TreeSize  uint64   `json:"tree_size"`
		Current   bool     `json:"current"`
		Assessing bool     `json:"assessing"`
		Error     string   `json:"error"`
		Changes   []uint64 `json:"changes_since"`
		LogSize   uint64   `json:"log_size"`
		Since     string   `json:"assessing_since"`
	} `json:"assessment_state"`
	Sources json.RawMessage `json:"sources"`
}

func decodeState(t *testing.T, body string) apiState {
	t.Helper()
	var st apiState
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return st
}

// TestPagesAnswerWhileTheAssessmentIsMade: while the first assessment is
// being made, the pages that need it answer at once with a page saying so
// (which reloads itself and leads to the pages that rest on the log), the
// API with 503 and Retry-After; once it is made, they show it. After a
// change, they show the earlier assessment marked as resting on the first
// N entries, listing the entries since, until the newer one is made.
func TestPagesAnswerWhileTheAssessmentIsMade(t *testing.T) {
	f, g := newHeldUpFixture(t)
	ann := f.login(t, "ann")
	api := apiClient(t, f, "ann")

	if resp, body := quick(t, ann, "/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No assessment yet") ||
		!strings.Contains(body, "the assessment is not made yet") || !strings.Contains(body, "custody entries") {
		t.Fatalf("overview while the first assessment is made: %d\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/sources", "/sources/203.0.113.9", "/graph"} {
		resp, body := quick(t, ann, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The assessment of the case is being made") ||
			!strings.Contains(body, `<meta http-equiv="refresh" content="5">`) || !strings.Contains(body, `href="/events"`) ||
			!strings.Contains(body, `href="/custody"`) || strings.Contains(body, "sources-table") {
			t.Fatalf("%s while the first assessment is made: %d\n%s", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/v1/sources", "/api/v1/assessment", "/api/v1/assessment/203.0.113.9", "/api/v1/graph", "/graph/data.json"} {
		resp, body := quick(t, api, path)
		st := decodeState(t, body)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || st.Status != 503 ||
			!strings.Contains(st.Error, "being made") || st.State == nil || !st.State.Assessing || st.State.Current || st.State.Since == "" {
			t.Fatalf("%s while the first assessment is made: %d %q\n%s", path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}

	g.let(t, f, nil)
	first := f.h.Log().Size()
	if _, body := quick(t, ann, "/sources"); !strings.Contains(body, "sources-table") || strings.Contains(body, "assessment-notice") ||
		strings.Contains(body, "http-equiv") || !strings.Contains(body, "/sources/203.0.113.9") {
		t.Fatalf("/sources once the assessment is made:\n%s", body)
	}
	resp, body := quick(t, api, "/api/v1/sources")
	if st := decodeState(t, body); resp.StatusCode != http.StatusOK || st.State == nil || !st.State.Current || st.State.TreeSize == 0 || st.State.TreeSize > first {
		t.Fatalf("/api/v1/sources once the assessment is made: %d %s", resp.StatusCode, body)
	}
	if _, body := quick(t, api, "/api/v1/assessment"); strings.Contains(body, "assessment_state") {
		t.Fatalf("the assessment of the case as it stands says it is not: %s", body)
	}

	// A change: the earlier assessment is shown, marked, until the newer
	// one is made.
	f.addLog(t, "late.log", []byte("Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 185.220.101.77 port 4000 ssh2\n"))
	changed := f.h.Log().Size()
	resp, body = quick(t, ann, "/sources")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "sources-table") || !strings.Contains(body, "Not the assessment of the case as it stands") ||
		!strings.Contains(body, "A newer assessment is being made") || strings.Contains(body, "/sources/185.220.101.77") ||
		!strings.Contains(body, fmt.Sprintf("rests on the first %d custody entries", st(t, api).TreeSize)) ||
		!strings.Contains(body, fmt.Sprintf(`href="/custody/%d"`, changed-1)) || strings.Contains(body, "http-equiv") {
		t.Fatalf("/sources after a change, the newer assessment held up: %d\n%s", resp.StatusCode, body)
	}
	if _, body := quick(t, ann, "/sources/203.0.113.9"); !strings.Contains(body, "Not the assessment of the case as it stands") {
		t.Fatalf("a source's page after a change does not say it is of an earlier assessment:\n%s", body)
	}
	// A source only the newer assessment holds is being made, not missing.
	if resp, body := quick(t, ann, "/sources/185.220.101.77"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, "The assessment of the case is being made") || !strings.Contains(body, "not in the earlier assessment") {
		t.Fatalf("the page of a source only the newer assessment holds: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := quick(t, api, "/api/v1/assessment/185.220.101.77"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the API's answer on a source only the newer assessment holds: %d %s", resp.StatusCode, body)
	}
	if _, body := quick(t, ann, "/"); !strings.Contains(body, "Not the assessment of the case as it stands") || !strings.Contains(body, "sources assessed") {
		t.Fatalf("the overview after a change:\n%s", body)
	}
	resp, body = quick(t, api, "/api/v1/assessment")
	if s := decodeState(t, body); resp.StatusCode != http.StatusOK || s.State == nil || s.State.Current || !s.State.Assessing ||
		s.State.TreeSize == 0 || s.State.TreeSize >= changed || len(s.State.Changes) == 0 || s.State.Changes[len(s.State.Changes)-1] != changed-1 {
		t.Fatalf("/api/v1/assessment after a change: %d %s", resp.StatusCode, body)
	}

	g.let(t, f, nil)
	if _, body := quick(t, ann, "/sources"); strings.Contains(body, "assessment-notice") || !strings.Contains(body, "/sources/185.220.101.77") {
		t.Fatalf("/sources once the newer assessment is made:\n%s", body)
	}
	if resp, body := quick(t, ann, "/sources/185.220.101.77"); resp.StatusCode != http.StatusOK || strings.Contains(body, "assessment-notice") {
		t.Fatalf("the new source's page once the newer assessment is made: %d\n%s", resp.StatusCode, body)
	}
	if s := st(t, api); !s.Current || s.TreeSize < changed {
		t.Fatalf("/api/v1/sources once the newer assessment is made: %+v", s)
	}
}

// st is the assessment state /api/v1/sources gives.
func st(t *testing.T, api *client) struct {
	TreeSize uint64
	Current  bool
} {
	t.Helper()
	resp, body := quick(t, api, "/api/v1/sources")
	s := decodeState(t, body)
	if resp.StatusCode != http.StatusOK || s.State == nil {
		t.Fatalf("/api/v1/sources: %d %s", resp.StatusCode, body)
	}
	return struct {
		TreeSize uint64
		Current  bool
	}{s.State.TreeSize, s.State.Current}
}

// TestAssessmentFailureShown: the error of an assessment made in the
// background is on the pages that need it, not only in the server's log;
// a newer assessment's failure is shown beside the earlier one.
func TestAssessmentFailureShown(t *testing.T) {
	f, g := newHeldUpFixture(t)
	ann := f.login(t, "ann")
	api := apiClient(t, f, "ann")
	quick(t, ann, "/sources") // asks for it
	g.let(t, f, errors.New("no space left on device (test)"))
	if resp, body := quick(t, ann, "/sources"); resp.StatusCode != http.StatusInternalServerError ||
		!strings.Contains(body, "The assessment of the case failed") || !strings.Contains(body, "no space left on device (test)") {
		t.Fatalf("/sources after the assessment failed: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := quick(t, api, "/api/v1/sources"); resp.StatusCode != http.StatusInternalServerError ||
		!strings.Contains(decodeState(t, body).Error, "no space left on device (test)") {
		t.Fatalf("/api/v1/sources after the assessment failed: %d %s", resp.StatusCode, body)
	}
	if _, body := quick(t, ann, "/"); !strings.Contains(body, "no space left on device (test)") {
		t.Fatalf("the overview does not say why there is no assessment:\n%s", body)
	}

	// A change tries again; then a newer one fails beside the one shown.
	f.addLog(t, "late.log", []byte("Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 185.220.101.77 port 4000 ssh2\n"))
	quick(t, ann, "/sources")
	g.let(t, f, nil)
	f.addLog(t, "later.log", []byte("Nov 20 10:00:01 web01 sshd[1]: Failed password for root from 185.220.101.78 port 4000 ssh2\n"))
	quick(t, ann, "/sources")
	g.let(t, f, errors.New("the disk went away (test)"))
	if resp, body := quick(t, ann, "/sources"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "/sources/185.220.101.77") ||
		!strings.Contains(body, "Not the assessment of the case as it stands") || !strings.Contains(body, "the disk went away (test)") {
		t.Fatalf("/sources after a newer assessment failed: %d\n%s", resp.StatusCode, body)
	}
}

// TestVerdictWaitingIsListed: a verdict recorded while the assessment
// that holds it is being made does not vanish from the source's page: the
// page shows the earlier assessment and names the verdict's entry as not
// yet in it, then the verdict once the newer one is made.
func TestVerdictWaitingIsListed(t *testing.T) {
	f, g := newHeldUpFixture(t)
	ann := f.login(t, "ann")
	quick(t, ann, "/sources")
	g.let(t, f, nil)
	resp, _ := ann.postForm("/sources/203.0.113.9/override", url.Values{"csrf": {ann.csrf}, "role": {attrib.Relay},
		"rationale": {"the test says so"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %d", resp.StatusCode)
	}
	entry := f.h.Log().Size() - 1
	_, body := quick(t, ann, "/sources/203.0.113.9")
	if !strings.Contains(body, "Not the assessment of the case as it stands") ||
		!strings.Contains(body, fmt.Sprintf(`<a href="/custody/%d">#%d</a> assessment.overridden`, entry, entry)) {
		t.Fatalf("the source's page after a verdict, its assessment held up:\n%s", body)
	}
	g.let(t, f, nil)
	if _, body := quick(t, ann, "/sources/203.0.113.9"); strings.Contains(body, "assessment-notice") || !strings.Contains(body, "the test says so") {
		t.Fatalf("the source's page once the verdict is assessed:\n%s", body)
	}
}

// TestExportWaitsForTheCaseAsItStands: an export made while the case
// changed since the assessment shown records the assessment of the case as
// it stands, not the earlier one.
func TestExportWaitsForTheCaseAsItStands(t *testing.T) {
	f, g := newHeldUpFixture(t)
	ann := f.login(t, "ann")
	quick(t, ann, "/sources")
	g.let(t, f, nil)
	f.addLog(t, "late.log", []byte("Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 185.220.101.77 port 4000 ssh2\n"))
	changed := f.h.Log().Size()
	if _, body := quick(t, ann, "/export"); !strings.Contains(body, "A package made now waits for it") {
		t.Fatalf("the export form does not say that a package waits for the newer assessment:\n%s", body)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		g.gate <- nil
	}()
	p := &principal{user: User{Name: "ann", Role: RoleAnalyst}}
	findings, _, err := f.srv.recordedFindings(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, fd := range findings {
		found = found || fd.Indicator == "185.220.101.77"
	}
	last, err := graph.Latest(f.h.Case)
	if err != nil || last == nil {
		t.Fatalf("no assessment recorded: %v", err)
	}
	if !found || last.TreeSize < changed {
		t.Fatalf("the export's findings rest on %d entries (the case has %d), the new source among them: %v", last.TreeSize, changed, found)
	}
}

// TestIndicatorsListedOncePerEvents: the indicators are listed again when
// the parsed events change, not after a verdict or an enrichment (seconds
// for millions of events, which the overview would wait for).
func TestIndicatorsListedOncePerEvents(t *testing.T) {
	f := newFixture(t, "")
	first, err := f.srv.assess.indicators()
	if err != nil || len(first) == 0 {
		t.Fatalf("indicators: %d, %v", len(first), err)
	}
	f.srv.assess.invalidate() // as a verdict does
	again, err := f.srv.assess.indicators()
	if err != nil || &again[0] != &first[0] {
		t.Fatalf("the indicators were listed again after a change that left the events: %v", err)
	}
	f.addLog(t, "late.log", []byte("Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 185.220.101.77 port 4000 ssh2\n"))
	after, err := f.srv.assess.indicators()
	if err != nil || len(after) != len(first)+1 {
		t.Fatalf("after new events: %d indicators, had %d: %v", len(after), len(first), err)
	}
}

// TestVerdictReadsTheModelFromTheAssessmentShown: a verdict records beside
// it the model's verdict of the assessment held when that is of the case
// as it stands, or when only verdicts came after it (assessing the source
// again reads every event: minutes for 10^8), and assesses the source anew
// when new events came.
func TestVerdictReadsTheModelFromTheAssessmentShown(t *testing.T) {
	const ind = "203.0.113.9"
	f, g := newHeldUpFixtureEditing(t, func(res *attrib.Result) {
		for i := range res.Sources {
			if res.Sources[i].Indicator == ind {
				res.Sources[i].Role = attrib.Platform // what only the assessment held says
			}
		}
	})
	ann := f.login(t, "ann")
	quick(t, ann, "/sources")
	g.let(t, f, nil)
	modelRole := func() string {
		t.Helper()
		e, err := f.h.Entry(f.h.Log().Size() - 1)
		var p graph.OverridePayload
		if err != nil || e.Kind != graph.KindOverride || e.DecodePayload(&p) != nil {
			t.Fatalf("the last entry is not a verdict: %v", err)
		}
		return p.ModelRole
	}
	verdict := func() {
		t.Helper()
		resp, body := ann.postForm("/sources/"+ind+"/override", url.Values{"csrf": {ann.csrf}, "role": {attrib.Relay}, "rationale": {"the test says so"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("override: %d\n%s", resp.StatusCode, body)
		}
	}
	verdict()
	if got := modelRole(); got != attrib.Platform {
		t.Fatalf("the verdict recorded the model's role %q, not the assessment's shown (%s)", got, attrib.Platform)
	}
	verdict() // after a verdict alone the model says what it said
	if got := modelRole(); got != attrib.Platform {
		t.Fatalf("a second verdict recorded the model's role %q, not the assessment's shown (%s)", got, attrib.Platform)
	}
	f.addLog(t, "late.log", []byte("Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 185.220.101.77 port 4000 ssh2\n"))
	verdict()
	if got := modelRole(); got != "internal" {
		t.Fatalf("the verdict on a changed case recorded the model's role %q, want the source assessed anew (internal)", got)
	}
}
