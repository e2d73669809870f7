package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/graph/scenario"
)

const (
	testPassword = "correct horse battery"
	testExaminer = "Test Examiner <test@casefile.invalid>"
	hostileName  = `<script>alert(1)</script>../../etc/passwd`
)

// hostileLog is an auth log whose lines carry markup.
const hostileLog = "Nov 20 09:02:19 web01 sshd[31002]: Failed password for <script>alert('x')</script> from 203.0.113.9 port 55335 ssh2\n" +
	"Nov 20 09:02:20 web01 sshd[31003]: garbage line <img src=x onerror=alert(2)>\n"

type fixture struct {
	h       *casedir.Handle
	srv     *Server
	ts      *httptest.Server
	hostile evidence.Digest
	auth    evidence.Digest
	notes   [2]uint64 // two case notes for the access matrix, made on first use (annotate_test.go)
}

// newFixture makes a case with the demo logs, a hostile log and three
// users, and serves it. With scen set it also holds a generated incident
// (logs and datasets) so that the assessment has something to say.
func newFixture(t testing.TB, scen string) *fixture {
	t.Helper()
	return newFixtureWith(t, scen, nil)
}

// newFixtureWith is newFixture with a change to the server's configuration
// (or to the server before it serves, for the clocks).
func newFixtureWith(t testing.TB, scen string, change func(*Server)) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "case")
	h, err := casedir.Create(ctx, dir, casedir.CreateOptions{Title: "Test case: intrusion at web01", Examiner: testExaminer,
		Passphrase: []byte("test passphrase"), Command: "ui test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	f := &fixture{h: h}
	es := eventstore.New(h.Case)
	ingest := func(name string, data []byte, year int) evidence.Digest {
		res, err := h.Ingest(ctx, bytes.NewReader(data), evidence.ArtefactMeta{Name: name, Source: "test fixture " + name},
			evidence.IngestOptions{Actor: testExaminer})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := es.Parse(ctx, res.Digest, eventstore.ParseOptions{Name: name, Year: year, Actor: testExaminer}); err != nil && !isBenignParse(err) {
			t.Fatalf("parse %s: %v", name, err)
		}
		return res.Digest
	}
	for _, n := range []string{"auth.log", "access.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		d := ingest(n, b, 2026)
		if n == "auth.log" {
			f.auth = d
		}
	}
	f.hostile = ingest(hostileName, []byte(hostileLog), 2026)
	if scen != "" {
		sd := filepath.Join(t.TempDir(), "scenario")
		truth, err := scenario.Generate(scen, 1, sd)
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		for l := range truth.Logs {
			logs = append(logs, l)
		}
		sort.Strings(logs)
		for _, l := range logs {
			b, err := os.ReadFile(filepath.Join(sd, l))
			if err != nil {
				t.Fatal(err)
			}
			ingest(filepath.Base(l), b, truth.Year)
		}
		var sets []observe.DatasetFile
		filepath.WalkDir(filepath.Join(sd, "datasets"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				sets = append(sets, observe.DatasetFile{Path: p})
			}
			return nil
		})
		if _, err := observe.Run(ctx, h.Case, observe.Options{Datasets: sets, Actor: testExaminer}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ name, role string }{{"ann", RoleAnalyst}, {"carl", RoleCounsel}, {"vic", RoleViewer}, {"ada", RoleAdmin}} {
		if _, err := AddUser(ctx, h.Case, testExaminer, u.name, u.role, []byte(testPassword)); err != nil {
			t.Fatal(err)
		}
	}
	// Pages wait for the assessment being made (AssessWait), as they do
	// for the second it takes on a small case when served; that they
	// answer at once on a large one, assess_busy_test.go checks.
	srv, err := New(Config{Case: h, Actor: testExaminer, TempDir: t.TempDir(), MaxUpload: 1 << 20, AssessWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	if change != nil {
		change(srv)
	}
	f.ts = httptest.NewServer(srv)
	t.Cleanup(func() { f.ts.Close(); srv.Close() })
	if _, err := srv.VerifyNow(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func isBenignParse(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "unknown format") || strings.Contains(err.Error(), "no parser"))
}

// client is a browser-like client: cookies, no redirects followed.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

func (f *fixture) anon(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: f.ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs in as name and remembers the session's CSRF token.
func (f *fixture) login(t testing.TB, name string) *client {
	t.Helper()
	c := f.anon(t)
	_, body := c.get("/login")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on the login form")
	}
	resp, _ := c.postForm("/login", url.Values{"csrf": {m[1]}, "user": {name}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login %s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.get("/")
	m = csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on the overview")
	}
	c.csrf = m[1]
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

func (c *client) postForm(path string, v url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func entryKinds(t testing.TB, c *evidence.Case) map[string]int {
	t.Helper()
	out := map[string]int{}
	if err := c.Entries(0, func(e *evidence.Entry) error { out[e.Kind]++; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// synthIP is the i-th source address of synthAuthLog.
func synthIP(i int) string {
	return fmt.Sprintf("10%d.%d.%d.%d", 1+i%9, (i/9)%250+1, (i/2250)%250+1, i%200+1)
}

// synthAuthLog is an OpenSSH log of n events from nSources addresses, 0.8 s
// apart from 20 November 2026 (year-less, as syslog writes it).
func synthAuthLog(n, nSources int) []byte {
	var b bytes.Buffer
	users := []string{"root", "admin", "git", "oracle", "deploy", "ubuntu", "postgres", "test"}
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ts := t0.Add(time.Duration(i) * 800 * time.Millisecond).Format("Jan _2 15:04:05")
		src, port, u := synthIP(i%nSources), 1024+i%60000, users[i%8]
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "%s web01 sshd[%d]: Invalid user %s from %s port %d\n", ts, 1000+i, u, src, port)
		case 4:
			fmt.Fprintf(&b, "%s web01 sshd[%d]: Accepted password for %s from %s port %d ssh2\n", ts, 1000+i, u, src, port)
		default:
			fmt.Fprintf(&b, "%s web01 sshd[%d]: Failed password for %s from %s port %d ssh2\n", ts, 1000+i, u, src, port)
		}
	}
	return b.Bytes()
}

// addLog preserves and parses one more log in the fixture's case.
func (f *fixture) addLog(t testing.TB, name string, data []byte) {
	t.Helper()
	ctx := context.Background()
	res, err := f.h.Ingest(ctx, bytes.NewReader(data), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(f.h.Case).Parse(ctx, res.Digest, eventstore.ParseOptions{Name: name, Year: 2026, Actor: testExaminer}); err != nil {
		t.Fatal(err)
	}
	f.srv.assess.invalidate()
}

// ingestAndParse preserves a log and parses it directly in the case,
// without the server being told (as a command run through its socket).
func (f *fixture) ingestAndParse(t *testing.T, name string, log []byte) {
	t.Helper()
	res, err := f.h.Ingest(context.Background(), bytes.NewReader(log), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(f.h.Case).Parse(context.Background(), res.Digest, eventstore.ParseOptions{Name: name, Year: 2026, Actor: testExaminer}); err != nil {
		t.Fatal(err)
	}
}
