package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/graph/attrib"
)

// DefaultMaxUpload bounds one upload (all files of one request).
const DefaultMaxUpload = 4 << 30

// Config says what to serve. Case is required and must be writable (opened
// with the passphrase): logins and content views are custody entries.
type Config struct {
	Case   *casedir.Handle
	Actor  string       // the examiner running the server, for entries no user makes
	Logger *slog.Logger // nil: discard
	// TLS marks session cookies Secure.
	TLS bool
	// MaxUpload bounds the bytes of one upload request; 0 means DefaultMaxUpload.
	MaxUpload int64
	// TempDir holds export packages until they are downloaded; "" means
	// os.TempDir(). A private directory is made inside it and removed by Close.
	TempDir string
	// Assess, when set, replaces the assessment of the case (tests, and the
	// graph package's Assess once wired).
	Assess func(ctx context.Context, c *evidence.Case) (*attrib.Result, error)
	// AssessWait is how long after an assessment begins in the background
	// a page that needs it waits for it before showing the one held, or
	// saying that it is being made (assess_view.go); 0 means
	// DefaultAssessWait, a negative duration not at all.
	AssessWait time.Duration
	// SkipStartVerify does not verify the case when the server starts.
	SkipStartVerify bool
	// UploadIdle is how long an upload may send nothing before it is
	// ended (a read deadline, renewed by every read); 0 means
	// DefaultUploadIdle.
	UploadIdle time.Duration
}

// DefaultUploadIdle bounds the silence within one upload.
const DefaultUploadIdle = time.Minute

// Server is the workbench: an http.Handler over one open case.
type Server struct {
	cfg      Config
	c        *casedir.Handle
	events   *eventstore.Store
	log      *slog.Logger
	handler  http.Handler
	tmp      string
	static   staticFiles
	tpl      *templates
	cat      *catalog
	verify   *verifier
	assess   *assessCache
	annots   *annotations // tags, stars, comments, notes, the IOC list
	auth     *sessions
	login    *loginLimiter
	router   *mux.Router
	exports  *exportStore
	notifies notifyStore     // reports prepared by the notify page
	marks    caseMarks       // saved views and the latest recorded assessment
	pages    pageCache       // answers of read-only pages, kept while the case is unchanged
	intake   *intake.Service // preserves and parses uploads (one parse run at a time; uploads stream side by side)
	ctx      context.Context
	cancel   context.CancelFunc
	bg       sync.WaitGroup
	warmKick chan struct{}    // asks the warming (assess_warm.go) for a round; nil: none runs
	searches chan struct{}    // the searches running (search.go)
	found    searchCache      // answers of searches (search.go)
	now      func() time.Time // token expiry is judged by it
}

// New returns the workbench for cfg.Case. Unless SkipStartVerify is set, it
// starts verifying the case in the background; the header shows the result.
func New(cfg Config) (*Server, error) {
	if cfg.Case == nil || cfg.Case.Case == nil {
		return nil, errors.New("ui: no case")
	}
	if cfg.Case.Signer == nil {
		return nil, fmt.Errorf("ui: %w: the workbench records logins and views, open the case with its passphrase", evidence.ErrReadOnly)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.UploadIdle <= 0 {
		cfg.UploadIdle = DefaultUploadIdle
	}
	if cfg.Actor == "" {
		cfg.Actor = "casefile serve"
	}
	base := cfg.TempDir
	if base == "" {
		base = os.TempDir()
	}
	tmp, err := os.MkdirTemp(base, "casefile-serve-")
	if err != nil {
		return nil, fmt.Errorf("ui: temporary directory: %w", err)
	}
	tpl, err := parseTemplates()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, c: cfg.Case, events: eventstore.New(cfg.Case.Case), log: cfg.Logger, tmp: tmp,
		static: newStaticFiles(), tpl: tpl, ctx: ctx, cancel: cancel, now: time.Now,
		cat: newCatalog(cfg.Case.Case), auth: newSessions(cfg.Case.Case), login: newLoginLimiter(),
		exports: &exportStore{dir: filepath.Join(tmp), byID: map[string]*exportFile{}},
	}
	s.intake = intake.New(cfg.Case.Case, s.events)
	s.searches = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	s.pages.init()
	s.verify = newVerifier(ctx, func(ctx context.Context) (*evidence.Report, error) { return verifyCase(ctx, s.c) })
	s.assess = &assessCache{s: s, ended: make(chan struct{})}
	s.annots = &annotations{c: cfg.Case.Case}
	s.handler = s.routes()
	s.bg.Go(s.recordLoginFailures)
	if !cfg.SkipStartVerify {
		s.verify.start()
	}
	return s, nil
}

// Close stops background work and removes the export packages not yet
// downloaded and the assessment's spill file (held.go). It does not close the case.
func (s *Server) Close() error {
	s.cancel()
	s.verify.wait()
	s.bg.Wait()
	s.assess.close()
	return os.RemoveAll(s.tmp)
}

// VerifyNow verifies the case and returns the report (the header shows
// it). Concurrent calls share runs: a call joins the run that starts next,
// so its report covers everything written before the call.
func (s *Server) VerifyNow(ctx context.Context) (*evidence.Report, error) {
	return s.verify.run(ctx)
}

// verifyCase is one verification run: the log and artefacts, the data
// derived from them, and the user and token records.
// The case directory's claims (title, id, public key) are checked against
// case.created, as 'casefile verify' does.
func verifyCase(ctx context.Context, h *casedir.Handle) (*evidence.Report, error) {
	rep, err := h.Verify(ctx, evidence.VerifyOptions{})
	if err == nil {
		_, err = observe.VerifyDerived(ctx, h.Case, rep) // the events and observations shown come from there
	}
	if err == nil {
		_, err = VerifyUsers(ctx, h.Case, rep) // logins and tokens are checked against these
	}
	return rep, err
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
