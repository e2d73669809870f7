// Package intake is the one way evidence enters a case, for the CLI
// (casefile ingest) and the workbench (uploads) alike: preserve the bytes
// (evidence.Case.Ingest), recognise a twin of what the case already holds,
// parse what is new (evidence/eventstore), and record an attempt that
// preserved nothing as an ingest.failed entry.
//
// A twin is the same content under another encoding: a .gz whose
// decompressed bytes are an artefact already preserved (or the other way
// round), or a log whose events are those of a log already parsed in
// another format (Zeek's JSON and TSV writers). A twin is always
// preserved, since refusing evidence is never the tool's call, but it is
// not parsed unless asked (Request.Force): parsing it would count every
// event twice.
package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/rawtext"
)

// Service ingests into one open case. It is safe for concurrent use;
// parse runs take turns (their index writes are serialised).
type Service struct {
	c      *evidence.Case
	events *eventstore.Store
	parse  sync.Mutex

	twin    sync.Mutex              // guards index and indexed: twin searches take turns
	index   *evidence.ArtefactIndex // of the entries before indexed
	indexed uint64                  // entries read into index

	mu    sync.Mutex                    // guards the caches
	plain map[evidence.Digest]plainInfo // artefact → its decompressed bytes, once computed
	norm  map[evidence.Digest]string    // artefact → its normalised events digest, once computed
}

// Exclusive waits until no parse run is in progress and keeps others out
// until unlock is called: for other writers of derived data (enrichment,
// which also looks up the indicators parsed so far; a command run for the
// CLI through the workbench).
func (s *Service) Exclusive() (unlock func()) {
	s.parse.Lock()
	return s.parse.Unlock
}

// New returns the ingest service of c, parsing into events.
func New(c *evidence.Case, events *eventstore.Store) *Service {
	return &Service{c: c, events: events, index: evidence.NewArtefactIndex(), plain: map[evidence.Digest]plainInfo{}, norm: map[evidence.Digest]string{}}
}

// Request is one thing to ingest.
type Request struct {
	Body    io.Reader
	Meta    evidence.ArtefactMeta
	Options evidence.IngestOptions
	// Parse says how to parse it; Format "none" preserves only.
	Parse eventstore.ParseOptions
	// Force parses a twin too.
	Force bool
	// Explain, when set, turns a preservation error into the text the
	// examiner is shown and the ingest.failed entry records (default: the
	// error, with control characters made visible).
	Explain func(error) string
}

// Outcome is what one ingest did.
type Outcome struct {
	*evidence.IngestResult
	// Twin is the artefact already in the case that this one repeats
	// under another encoding (nil: none found).
	Twin *Twin
	// The parse run and its entry, when parsed; ParseErr says why not
	// otherwise: ErrTwin, eventstore.ErrAlreadyParsed (Run is the earlier
	// run), an error wrapping parse.ErrUnknownFormat, or a parse failure.
	// Nil Run and ParseErr: preserve only was asked.
	Run        *eventstore.Run
	ParseEntry *evidence.Entry
	ParseErr   error
}

// ErrTwin is Outcome.ParseErr for a twin that was preserved but not
// parsed.
var ErrTwin = errors.New("the same content is already in the case under another encoding: not parsed again (force to parse it too)")

// Ingest preserves req.Body, then parses it unless it is a twin or preserve
// only was asked. The error, a *PreserveError, is non-nil only when
// nothing was preserved; the attempt is then recorded as an ingest.failed
// entry.
func (s *Service) Ingest(ctx context.Context, req Request) (*Outcome, error) {
	res, err := s.c.Ingest(ctx, req.Body, req.Meta, req.Options)
	if err != nil {
		text := rawtext.Encode(err.Error())
		if req.Explain != nil {
			text = req.Explain(err)
		}
		path := req.Meta.Path
		if path == "" {
			path = req.Meta.Name
		}
		return nil, &PreserveError{Text: text, Err: err, RecordErr: s.RecordFailure(ctx, req.Options.Actor, path, req.Meta.Source, text)}
	}
	out := &Outcome{IngestResult: res}
	if req.Parse.Format == "none" {
		return out, nil
	}
	if !res.Duplicate { // the same bytes: the parse below finds their run
		if out.Twin, err = s.findTwin(ctx, res, req); err != nil {
			out.ParseErr = fmt.Errorf("looking for a twin: %w", err)
			return out, nil
		}
	}
	if out.Twin != nil && !req.Force {
		out.ParseErr = ErrTwin
		return out, nil
	}
	s.parse.Lock()
	out.Run, out.ParseEntry, out.ParseErr = s.events.Parse(ctx, res.Digest, req.Parse)
	s.parse.Unlock()
	return out, nil
}

// PreserveError is Ingest's error when nothing was preserved: Text is what
// the ingest.failed entry records (the examiner's explanation), RecordErr
// a failure to record it.
type PreserveError struct {
	Text      string
	Err       error
	RecordErr error
}

func (e *PreserveError) Error() string { return e.Err.Error() }
func (e *PreserveError) Unwrap() error { return e.Err }

// RecordFailure records an attempt to preserve path that stored nothing
// (unreadable, not a regular file, cancelled, too large): counsel sees it
// in the log. The path is escaped as evidence.EscapeName does.
func (s *Service) RecordFailure(ctx context.Context, actor, path, source, text string) error {
	name, _ := evidence.EscapeName(path)
	_, err := s.c.Append(context.WithoutCancel(ctx), evidence.Draft{Kind: evidence.KindIngestFailed, Actor: actor,
		Payload: evidence.IngestFailedPayload{Path: name, Error: text, Source: source}})
	if err != nil {
		return fmt.Errorf("recording the failure: %w", err)
	}
	return nil
}
