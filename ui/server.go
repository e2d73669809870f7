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
	"sync"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
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
	// SkipStartVerify does not verify the case when the server starts.
	SkipStartVerify bool
}

// Server is the workbench: an http.Handler over one open case.
type Server struct {
	cfg     Config
	c       *casedir.Handle
	events  *eventstore.Store
	log     *slog.Logger
	handler http.Handler
	tmp     string
	static  staticFiles
	tpl     *templates
	cat     *catalog
	verify  *verifier
	assess  *assessCache
	evcache *eventCache
	auth    *sessions
	exports *exportStore
	ingest  sync.Mutex // one upload at a time
	ctx     context.Context
	cancel  context.CancelFunc
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
		static: newStaticFiles(), tpl: tpl, ctx: ctx, cancel: cancel,
		cat: newCatalog(cfg.Case.Case), verify: &verifier{}, auth: newSessions(),
		exports: &exportStore{dir: filepath.Join(tmp), byID: map[string]*exportFile{}},
	}
	s.assess = &assessCache{s: s}
	s.evcache = newEventCache()
	s.handler = s.routes()
	if !cfg.SkipStartVerify {
		go s.verify.run(ctx, s.c.Case)
	}
	return s, nil
}

// Close stops background work and removes the export packages not yet
// downloaded. It does not close the case.
func (s *Server) Close() error {
	s.cancel()
	s.verify.wait()
	return os.RemoveAll(s.tmp)
}

// VerifyNow verifies the case and returns the report (the header shows it).
func (s *Server) VerifyNow(ctx context.Context) (*evidence.Report, error) {
	return s.verify.run(ctx, s.c.Case)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// verifier keeps the latest verification report.
type verifier struct {
	mu      sync.Mutex
	running sync.WaitGroup
	busy    bool
	report  *evidence.Report
	at      time.Time
}

func (v *verifier) run(ctx context.Context, c *evidence.Case) (*evidence.Report, error) {
	v.running.Add(1)
	defer v.running.Done()
	v.mu.Lock()
	v.busy = true
	v.mu.Unlock()
	rep, err := c.Verify(ctx, evidence.VerifyOptions{})
	if err == nil {
		_, err = observe.VerifyDerived(ctx, c, rep) // the events and observations shown come from there
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.busy = false
	if err != nil {
		return nil, err
	}
	v.report, v.at = rep, time.Now().UTC()
	return rep, nil
}

func (v *verifier) wait() { v.running.Wait() }

// state returns the latest report (nil before the first one finished).
func (v *verifier) state() (rep *evidence.Report, at time.Time, busy bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.report, v.at, v.busy
}
