package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/scenario"
	"github.com/casefile/casefile/ui"
)

// The workbench enriches and records assessments with the functions the
// CLI uses: the same datasets give the same observations, whether given to
// `casefile enrich` as files or uploaded to the workbench (or chosen there
// among those already preserved), and the workbench's recorded assessment
// has the result root `casefile assess` records.
func TestWorkbenchEnrichAndAssessMatchCLI(t *testing.T) {
	sd := t.TempDir()
	truth, err := scenario.Generate("tor-bruteforce", 1, sd)
	if err != nil {
		t.Fatal(err)
	}
	logs := slices.Sorted(func(yield func(string) bool) {
		for l := range truth.Logs {
			if !yield(filepath.Join(sd, l)) {
				return
			}
		}
	})
	ds := func(p string) string { return filepath.Join(sd, "datasets", p) }
	asn, ranges := ds("GeoLite2-ASN.mmdb"), ds("aws/ip-ranges.json")
	// The bulk exit list (addresses only) carries no date: it is dated by
	// the file time recorded when it was preserved, which must therefore
	// come through the upload as through the CLI.
	tor := filepath.Join(t.TempDir(), "torbulkexitlist")
	exits, err := os.ReadFile(ds("tor/exit-addresses"))
	if err != nil {
		t.Fatal(err)
	}
	var bulk bytes.Buffer
	for _, m := range regexp.MustCompile(`(?m)^ExitAddress (\S+)`).FindAllSubmatch(exits, -1) {
		fmt.Fprintf(&bulk, "%s\n", m[1])
	}
	if bulk.Len() == 0 {
		t.Fatal("no exit addresses in the scenario's list")
	}
	if err := os.WriteFile(tor, bulk.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // whole seconds: a browser sends milliseconds
	for _, f := range []string{asn, tor, ranges} {
		if err := os.Chtimes(f, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	year := strconv.Itoa(truth.Year)
	setup := func() *cli {
		c := newCLI(t)
		c.must("init", "--title", "enrich parity")
		c.must(append([]string{"ingest", "--year", year}, logs...)...)
		return c
	}

	// The CLI: files on the command line.
	a := setup()
	a.must("enrich", "--mmdb", asn, "--tor-exits", tor, "--ranges", ranges)

	// The workbench: the ASN database preserved beforehand (as evidence,
	// not yet consulted) and chosen; the two lists uploaded.
	b := setup()
	b.must("ingest", "--format", "none", asn)
	b.env["CASEFILE_USER_PASSWORD"] = "a long enough password"
	b.must("user", "add", "ann", "--role", "analyst")
	h, err := casedir.Open(b.env["CASEFILE_CASE"], casedir.OpenOptions{Passphrase: func() ([]byte, error) { return []byte(b.env["CASEFILE_PASSPHRASE"]), nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Config{Case: h, Actor: "T <t@example.org>", TempDir: t.TempDir(), SkipStartVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	wb := loginWorkbench(t, ts.URL, "ann", "a long enough password")
	asnBytes, err := os.ReadFile(asn)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(asnBytes)
	if body := wb.post(t, "/enrich", url.Values{"dataset": {"sha256:" + hex.EncodeToString(sum[:])}}); !bytes.Contains(body, []byte("GeoLite2-ASN")) {
		t.Fatalf("the chosen dataset is not reported:\n%s", body)
	}
	wb.upload(t, "/enrich/upload", map[string]string{"kind": "tor-exits"}, tor, mtime)
	wb.upload(t, "/enrich/upload", map[string]string{"kind": "cloud-ranges"}, ranges, mtime)
	wb.post(t, "/assess", url.Values{})
	ts.Close()
	srv.Close()
	wbRecorded, err := graph.Latest(h.Case)
	if err != nil || wbRecorded == nil {
		t.Fatalf("the workbench recorded no assessment: %v", err)
	}
	wantObs, nWant := observationsOf(t, a)
	gotObs, nGot := observationsByDataset(t, h.Case)
	h.Close()
	if nWant != 3 || nGot != 3 {
		t.Fatalf("the CLI recorded observations of %d datasets, the workbench %d, want 3", nWant, nGot)
	}
	for k, want := range wantObs {
		if got := gotObs[k]; got != want {
			t.Errorf("%s: the workbench recorded\n%s\nthe CLI\n%s", k, got, want)
		}
	}
	if len(gotObs) != len(wantObs) {
		t.Errorf("the workbench recorded %d datasets' observations, the CLI %d", len(gotObs), len(wantObs))
	}
	// `casefile assess` on the same case records the same result.
	b.must("assess")
	cliRecorded := latestAssessment(t, b)
	if cliRecorded.ResultRoot != wbRecorded.ResultRoot || cliRecorded.RulesDigest != wbRecorded.RulesDigest || cliRecorded.ModelDigest != wbRecorded.ModelDigest {
		t.Errorf("workbench root %s, CLI root %s", wbRecorded.ResultRoot, cliRecorded.ResultRoot)
	}
}

// observationsByDataset is every observations.recorded payload (what it
// commits to, without the summary's wording), by dataset and source.
// The second result counts the datasets.
func observationsByDataset(t *testing.T, c *evidence.Case) (map[string]string, int) {
	t.Helper()
	out := map[string]string{}
	datasets := map[string]bool{}
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != observe.KindObservations {
			return nil
		}
		var p observe.Payload
		if err := e.DecodePayload(&p); err != nil {
			return err
		}
		if p.SourceType == "builtin" {
			return nil
		}
		k := p.Dataset + " " + p.Source
		datasets[p.Dataset] = true
		out[k] += fmt.Sprintf("date %s looked up %d not listed %d, %d observations, root %s\n", p.DatasetDate, p.LookedUp, p.NotListed, p.ObservationCount, p.ObservationsRoot)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The observations themselves, as the index holds them.
	all, err := observe.All(c)
	if err != nil {
		t.Fatal(err)
	}
	for ind, list := range all {
		for _, o := range list {
			if o.SourceType == "builtin" {
				continue
			}
			b, _ := json.Marshal(o)
			out[o.Dataset+" "+o.Source+" "+ind] += string(b)
		}
	}
	return out, len(datasets)
}

// observationsOf reads a closed case's observations (observationsByDataset).
func observationsOf(t *testing.T, c *cli) (map[string]string, int) {
	t.Helper()
	h, err := casedir.Open(c.env["CASEFILE_CASE"], casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	return observationsByDataset(t, h.Case)
}

func latestAssessment(t *testing.T, c *cli) *graph.AssessmentPayload {
	h, err := casedir.Open(c.env["CASEFILE_CASE"], casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p, err := graph.Latest(h.Case)
	if err != nil || p == nil {
		t.Fatalf("no assessment: %v", err)
	}
	return p
}

// workbench is a logged-in browser session.
type workbench struct {
	base string
	hc   *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func loginWorkbench(t *testing.T, base, user, password string) *workbench {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &workbench{base: base, hc: &http.Client{Jar: jar}}
	resp, err := w.hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	resp, err = w.hc.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "user": {user}, "password": {password}, "next": {"/enrich"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if m = csrfField.FindSubmatch(body); m == nil {
		t.Fatalf("login failed (%d)", resp.StatusCode)
	}
	w.csrf = string(m[1])
	return w
}

func (w *workbench) post(t *testing.T, path string, v url.Values) []byte {
	t.Helper()
	v.Set("csrf", w.csrf)
	resp, err := w.hc.PostForm(w.base+path, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d\n%s", path, resp.StatusCode, body)
	}
	return body
}

// upload sends one file as the enrich page's form does: the fields first,
// then the file's time as the browser knows it, then the file.
func (w *workbench) upload(t *testing.T, path string, fields map[string]string, file string, mtime time.Time) []byte {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", w.csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.WriteField("mtimes", fmt.Sprintf("[%d]", mtime.UnixMilli()))
	fw, _ := mw.CreateFormFile("files", filepath.Base(file))
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	resp, err := w.hc.Post(w.base+path, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload %s: %d\n%s", file, resp.StatusCode, body)
	}
	return body
}
