package ui

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph/notify"
)

// The notify page prepares what `casefile notify` prepares (abuse reports
// per contact, preservation requests, the MISP event, the NIS2 draft) and
// offers them as one archive. Nothing is sent; each file is recorded by
// notify.Prepare, and each download like a package's.

type notifyForm struct {
	Org, Contact, TLP, Detected string
	Error                       string
}

type notifyRun struct {
	ID, Path, SHA256 string
	User             string
	Created          time.Time
	Result           *notify.Result
}

// notifyStore keeps the prepared archives while the server runs.
type notifyStore struct {
	mu   sync.Mutex
	byID map[string]*notifyRun
	ids  []string
}

func (n *notifyStore) add(r *notifyRun) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.byID == nil {
		n.byID = map[string]*notifyRun{}
	}
	if len(n.ids) >= maxExportsKept {
		old := n.ids[0]
		os.Remove(n.byID[old].Path)
		delete(n.byID, old)
		n.ids = n.ids[1:]
	}
	n.byID[r.ID], n.ids = r, append(n.ids, r.ID)
}

func (n *notifyStore) get(id string) *notifyRun {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byID[id]
}

func (h *handler) notifyPage(w http.ResponseWriter, r *http.Request) {
	h.renderNotify(w, r, http.StatusOK, notifyForm{TLP: "amber"})
}

func (h *handler) renderNotify(w http.ResponseWriter, r *http.Request, status int, f notifyForm) {
	note, _, err := h.s.note(r)
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if note != nil {
		note.Waits = "Reports prepared now wait for it: they rest on the assessment of the case as it stands, recorded."
	}
	page := h.s.newView(r, "Notify", "notify", f)
	page.Assess = note
	h.s.render(w, r, status, "notify", page)
}

// notifyCreate prepares the reports into a new directory beside the
// server's packages and archives it.
func (h *handler) notifyCreate(w http.ResponseWriter, r *http.Request) {
	s := h.s
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	f := notifyForm{Org: strings.TrimSpace(r.PostFormValue("org")), Contact: strings.TrimSpace(r.PostFormValue("contact")),
		TLP: strings.ToLower(r.PostFormValue("tlp")), Detected: strings.TrimSpace(r.PostFormValue("detected"))}
	addr, err := mail.ParseAddress(f.Contact)
	switch {
	case err != nil || addr.Address != f.Contact:
		f.Error = "Give the e-mail address recipients reply to."
	case f.Org == "" || len(f.Org) > 200 || strings.ContainsAny(f.Org, "\r\n"):
		f.Error = "Give your organisation's name (one line, at most 200 characters)."
	case f.TLP != "clear" && f.TLP != "green" && f.TLP != "amber" && f.TLP != "red":
		f.Error = "Choose a TLP: clear, green, amber or red."
	}
	var detected time.Time
	why := "when the case was opened; give the time you became aware if it was earlier"
	if f.Error == "" && f.Detected != "" {
		if detected, err = time.Parse("2006-01-02T15:04", f.Detected); err != nil {
			f.Error = "Give the time you became aware of the incident as 2026-11-20T09:30 (UTC), or leave it empty."
		}
		why = "as the examiner stated it"
	}
	if f.Error != "" {
		h.renderNotify(w, r, http.StatusBadRequest, f)
		return
	}
	if detected.IsZero() {
		e, err := s.c.Entry(0)
		if err != nil {
			s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		detected = e.Time
	}
	p := principalOf(r)
	findings, _, err := s.recordedFindings(r.Context(), p)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	run := &notifyRun{ID: randomToken()[:20], User: p.user.Name, Created: time.Now().UTC()}
	dir := filepath.Join(s.exports.dir, "notify-"+run.ID)
	run.Result, err = notify.Prepare(r.Context(), s.c.Case, findings, notify.Options{
		Out: dir, From: notify.Party{Org: f.Org, Contact: f.Contact, Domain: f.Contact[strings.LastIndexByte(f.Contact, '@')+1:]},
		Examiner: actorOf(p), Fingerprint: s.c.KeyFingerprint, CaseID: s.c.Config.CaseID, Actor: actorOf(p),
		TLP: f.TLP, Detected: detected.UTC(), DetectedWhy: why,
	})
	if err == nil {
		run.Path = dir + ".tar.gz"
		run.SHA256, err = archiveDir(dir, run.Path)
	}
	os.RemoveAll(dir)
	if err != nil {
		os.Remove(run.Path)
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	s.notifies.add(run)
	http.Redirect(w, r, "/notify/"+run.ID, http.StatusSeeOther)
}

func (h *handler) notifyResult(w http.ResponseWriter, r *http.Request) {
	run := h.s.notifies.get(mux.Vars(r)["id"])
	if run == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	h.s.render(w, r, http.StatusOK, "notify_result", h.s.newView(r, "Reports prepared", "notify", run))
}

// notifyDownload sends the archive; the download is recorded as a
// package's is (export.downloaded), naming the archive by its SHA-256.
func (h *handler) notifyDownload(w http.ResponseWriter, r *http.Request) {
	run := h.s.notifies.get(mux.Vars(r)["id"])
	if run == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	file, err := os.Open(run.Path)
	if err != nil {
		h.s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	defer file.Close()
	if err := h.s.recordDownload(r, "notify-"+run.ID, "archive_sha256", run.SHA256); err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="casefile-notify-`+run.ID+`.tar.gz"`)
	http.ServeContent(w, r, "", run.Created, file)
}

// archiveDir writes dir as a tar.gz at out (files in name order, under a
// top directory named after out) and returns its SHA-256.
func archiveDir(dir, out string) (string, error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	gz := gzip.NewWriter(io.MultiWriter(f, h))
	tw := tar.NewWriter(gz)
	top := strings.TrimSuffix(filepath.Base(out), ".tar.gz")
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), ModTime: time.Now().UTC().Truncate(time.Second), Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return "", fmt.Errorf("notify: archiving the reports: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), f.Sync()
}

// recordDownload records who took a copy of what (export.downloaded), once
// per download: a resumed one (a Range request that does not start at the
// beginning) adds nothing.
func (s *Server) recordDownload(r *http.Request, what, hashField, sum string) error {
	if rg := r.Header.Get("Range"); r.Method != http.MethodGet || rg != "" && !strings.HasPrefix(rg, "bytes=0-") {
		return nil
	}
	p := principalOf(r)
	payload := map[string]any{"package": what, hashField: sum, "user": p.user.Name, "role": p.user.Role,
		"summary": fmt.Sprintf("%s downloaded %s (%s %s)", p.user.Name, what, strings.ReplaceAll(hashField, "_", " "), sum)}
	_, err := s.c.Append(r.Context(), evidence.Draft{Kind: KindExportDownloaded, Actor: actorOf(p), Payload: payload})
	return err
}
