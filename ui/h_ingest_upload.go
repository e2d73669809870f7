package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/evidence/parse"
)

const (
	maxFieldBytes   = 8 << 10
	maxFilesPerPost = 100
	maxResults      = 20
)

var errTooLarge = errors.New("upload larger than the server's limit")

// ingestOutcome is what one upload did, shown on its result page.
type ingestOutcome struct {
	ID     string
	Time   time.Time
	Source string
	Note   string
	Files  []ingestFile
	Failed int
}

type ingestFile struct {
	Name      string
	Artefact  string
	Size      int64
	Entry     uint64
	Duplicate bool
	Parse     string
	ParseOK   bool
	Error     string
	Twin      string `json:",omitempty"` // the artefact it repeats under another encoding, in words
}

// capped fails once more than n bytes were read through it.
type capped struct {
	r io.Reader
	n int64
}

func (c *capped) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n -= int64(k)
	if c.n < 0 {
		return k, errTooLarge
	}
	return k, err
}

// ingestUpload streams each uploaded file straight into the store, parses
// it from the preserved bytes, and records everything as custody. Fields
// must come before the files: csrf first, then source, note, format, year.
// Uploads run side by side (the store takes concurrent writes; only parse
// runs take turns), and one that sends nothing for UploadIdle is ended.
func (h *handler) ingestUpload(w http.ResponseWriter, r *http.Request) {
	s := h.s
	p := principalOf(r)
	r.Body = &idleBody{ReadCloser: http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20), rc: http.NewResponseController(w), idle: s.cfg.UploadIdle}
	defer r.Body.(*idleBody).end()
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	csrf := r.Header.Get("X-CSRF-Token")
	fields := map[string]string{}
	out := &ingestOutcome{ID: randomToken()[:16], Time: time.Now().UTC()}
	budget := &capped{n: s.cfg.MaxUpload}
	tooLarge := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isTooLarge(err) {
				tooLarge = true
				break
			}
			s.fail(w, r, false, http.StatusBadRequest, err)
			return
		}
		name := part.FormName()
		if n == 0 && csrf == "" && name == "csrf" {
			b, _ := io.ReadAll(io.LimitReader(part, maxFieldBytes))
			csrf = string(b)
		}
		if p.session != nil && !tokenEqual(csrf, p.session.csrf) {
			s.fail(w, r, false, http.StatusForbidden, errors.New("upload without its CSRF token"))
			return
		}
		if fileName, isFile := uploadName(part); isFile {
			if fileName == "" {
				continue // an empty file input
			}
			if len(out.Files) >= maxFilesPerPost {
				s.fail(w, r, false, http.StatusBadRequest, errors.New("too many files"))
				return
			}
			budget.r = part
			f := h.ingestOne(r, p, budget, fileName, fields, fileTime(fields["mtimes"], len(out.Files)))
			out.Files = append(out.Files, f)
			if f.Error != "" {
				out.Failed++
			}
			if errors.Is(budget.err(), errTooLarge) {
				tooLarge = true
				break
			}
			continue
		}
		if name != "csrf" {
			b, _ := io.ReadAll(io.LimitReader(part, maxFieldBytes))
			fields[name] = strings.TrimSpace(string(b))
		}
	}
	if len(out.Files) > 0 {
		s.assess.invalidate()
	}
	if tooLarge {
		s.fail(w, r, false, http.StatusRequestEntityTooLarge, errTooLarge)
		return
	}
	out.Source, out.Note = fields["source"], fields["note"]
	if p.session == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.auth.mu.Lock()
	p.session.keepResult(out)
	s.auth.mu.Unlock()
	http.Redirect(w, r, "/ingest/"+out.ID, http.StatusSeeOther)
}

// idleBody ends a request body that sends nothing for idle: every read
// renews the connection's read deadline.
type idleBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.idle)) // not every writer supports it (tests' recorders)
	return b.ReadCloser.Read(p)
}

// end lifts the deadline once the body is read.
func (b *idleBody) end() { b.rc.SetReadDeadline(time.Time{}) }

func (c *capped) err() error {
	if c.n < 0 {
		return errTooLarge
	}
	return nil
}

func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb) || errors.Is(err, errTooLarge)
}

// uploadName returns the file name a part carries, as the browser sent it
// (untrusted text: recorded escaped, never used as a path).
func uploadName(part *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	return name, ok
}

// fileTime returns the i-th modification time the page's script sent (the
// browser's File.lastModified, in ms), or zero.
func fileTime(list string, i int) time.Time {
	var ms []int64
	if json.Unmarshal([]byte(list), &ms) != nil || i >= len(ms) || ms[i] <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms[i]).UTC()
}

func (h *handler) ingestOne(r *http.Request, p *principal, body io.Reader, name string, fields map[string]string, mtime time.Time) ingestFile {
	s := h.s
	actor := actorOf(p)
	base := name
	if i := strings.LastIndexAny(base, `/\`); i >= 0 && i < len(base)-1 {
		base = base[i+1:]
	}
	f := ingestFile{Name: name}
	meta := evidence.ArtefactMeta{Name: base, Path: name, Source: fields["source"], Note: fields["note"], ModTime: mtime}
	if meta.Source == "" {
		meta.Source = "uploaded through the web workbench by " + p.user.Name
	}
	format := fields["format"]
	year, _ := strconv.Atoi(fields["year"])
	if year < 1970 || year > 2100 {
		year = 0
	}
	out, err := s.intake.Ingest(r.Context(), intake.Request{Body: body, Meta: meta, Options: evidence.IngestOptions{Actor: actor},
		Parse: eventstore.ParseOptions{Format: format, Year: year, Name: base, ModTime: mtime, Actor: actor}, Force: fields["force"] != "",
		Explain: func(err error) string {
			switch {
			case errors.Is(err, errTooLarge):
				return fmt.Sprintf("larger than the limit of %s; nothing was preserved", evidence.HumanBytes(s.cfg.MaxUpload))
			case errors.Is(err, os.ErrDeadlineExceeded):
				return fmt.Sprintf("the upload sent nothing for %s and was ended; nothing was preserved", s.cfg.UploadIdle)
			}
			return err.Error()
		}})
	if err != nil {
		var pe *intake.PreserveError
		if errors.As(err, &pe) {
			f.Error = pe.Text
			if pe.RecordErr != nil {
				s.log.Error("recording a failed upload", "err", pe.RecordErr)
			}
		} else {
			f.Error = err.Error()
		}
		return f
	}
	res := out.IngestResult
	f.Artefact, f.Size, f.Entry, f.Duplicate = res.Digest.String(), res.Size, res.Entry.Index, res.Duplicate
	if out.Twin != nil {
		f.Twin = out.Twin.Warning()
	}
	run, entry, err := out.Run, out.ParseEntry, out.ParseErr
	switch {
	case format == "none":
		f.Parse = "not parsed (preserve only)"
	case errors.Is(err, intake.ErrTwin):
		f.Parse = "not parsed: the same content is already in the case (see the twin)"
	case errors.Is(err, eventstore.ErrAlreadyParsed):
		f.Parse, f.ParseOK = fmt.Sprintf("already parsed with %s/%d: %d events", run.Parser, run.ParserVersion, run.Events), true
	case errors.Is(err, parse.ErrUnknownFormat):
		f.Parse = "no parser recognises the format; the artefact is preserved"
	case err != nil:
		f.Parse = "not parsed: " + err.Error()
	default:
		f.Parse, f.ParseOK = fmt.Sprintf("parsed with %s/%d: %d events, %d malformed lines; entry #%d", run.Parser, run.ParserVersion, run.Events, run.Malformed, entry.Index), true
	}
	return f
}

func (ses *session) keepResult(o *ingestOutcome) {
	if len(ses.results) >= maxResults {
		clear(ses.results)
	}
	ses.results[o.ID] = o
}
