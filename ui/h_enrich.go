package ui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
)

// maxDatasetsPerRun bounds the datasets one enrichment request names.
const maxDatasetsPerRun = 200

type enrichData struct {
	Datasets  []*observe.PreservedDataset
	Kinds     []observe.Kind
	Report    *observe.Report
	Error     string
	MaxUpload int64
}

// enrichForm lists the datasets preserved in the case and offers to
// consult chosen ones, or to upload new ones (preserved first).
func (h *handler) enrichForm(w http.ResponseWriter, r *http.Request) {
	h.renderEnrich(w, r, http.StatusOK, nil, "")
}

func (h *handler) renderEnrich(w http.ResponseWriter, r *http.Request, status int, rep *observe.Report, problem string) {
	s := h.s
	ds, err := observe.Preserved(s.c.Case)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d := enrichData{Datasets: ds, Kinds: observe.Kinds, Report: rep, Error: problem, MaxUpload: s.cfg.MaxUpload}
	s.render(w, r, status, "enrich", s.newView(r, "Enrich", "enrich", d))
}

// apiDatasets lists the datasets preserved in the case.
func (h *handler) apiDatasets(w http.ResponseWriter, r *http.Request) {
	ds, err := observe.Preserved(h.s.c.Case)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	if ds == nil {
		ds = []*observe.PreservedDataset{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"datasets": ds})
}

// enrichRun consults the preserved datasets the analyst chose (form
// values "dataset", each "sha256:…"; with an API token the answer is JSON).
func (h *handler) enrichRun(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.s.fail(w, r, wantsJSON(r), http.StatusBadRequest, err)
		return
	}
	chosen := r.PostForm["dataset"]
	api := wantsJSON(r)
	if len(chosen) == 0 || len(chosen) > maxDatasetsPerRun {
		if api {
			h.s.fail(w, r, true, http.StatusBadRequest, nil)
			return
		}
		h.renderEnrich(w, r, http.StatusBadRequest, nil, fmt.Sprintf("Choose between 1 and %d datasets to consult.", maxDatasetsPerRun))
		return
	}
	var sets []observe.DatasetFile
	for _, a := range chosen {
		d, err := evidence.ParseDigest(a)
		if err != nil && api {
			h.s.fail(w, r, true, http.StatusBadRequest, err)
			return
		}
		if err != nil {
			h.renderEnrich(w, r, http.StatusBadRequest, nil, fmt.Sprintf("%q does not name a preserved artefact.", a))
			return
		}
		sets = append(sets, observe.DatasetFile{Artefact: d.String()})
	}
	h.enrich(w, r, sets, nil)
}

// enrichUpload preserves uploaded dataset files, then consults them. The
// fields come first (csrf, kind, mtimes), then the files.
func (h *handler) enrichUpload(w http.ResponseWriter, r *http.Request) {
	s := h.s
	p := principalOf(r)
	api := wantsJSON(r)
	r.Body = &idleBody{ReadCloser: http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20), rc: http.NewResponseController(w), idle: s.cfg.UploadIdle}
	defer r.Body.(*idleBody).end()
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, api, http.StatusBadRequest, err)
		return
	}
	csrf := r.Header.Get("X-CSRF-Token")
	fields := map[string]string{}
	budget := &capped{n: s.cfg.MaxUpload}
	var sets []observe.DatasetFile
	fresh := map[string]bool{} // artefacts this upload preserved (not already in the case)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			status := http.StatusBadRequest
			if isTooLarge(err) {
				status = http.StatusRequestEntityTooLarge
			}
			s.fail(w, r, api, status, err)
			return
		}
		if n == 0 && csrf == "" && part.FormName() == "csrf" {
			b, _ := io.ReadAll(io.LimitReader(part, maxFieldBytes))
			csrf = string(b)
		}
		if p.session != nil && !tokenEqual(csrf, p.session.csrf) {
			s.fail(w, r, api, http.StatusForbidden, errors.New("upload without its CSRF token"))
			return
		}
		name, isFile := uploadName(part)
		if !isFile {
			if part.FormName() != "csrf" {
				b, _ := io.ReadAll(io.LimitReader(part, maxFieldBytes))
				fields[part.FormName()] = strings.TrimSpace(string(b))
			}
			continue
		}
		if name == "" {
			continue
		}
		want := ""
		if k := fields["kind"]; k != "" && k != "detect" {
			if observe.KindOf(k) == nil {
				s.fail(w, r, api, http.StatusBadRequest, fmt.Errorf("unknown dataset kind %q", k))
				return
			}
			want = k
		}
		if len(sets) >= maxFilesPerPost {
			s.fail(w, r, api, http.StatusBadRequest, errors.New("too many files"))
			return
		}
		base := name
		if i := strings.LastIndexAny(base, `/\`); i >= 0 && i < len(base)-1 {
			base = base[i+1:]
		}
		budget.r = part
		res, err := s.c.Ingest(r.Context(), budget, observe.DatasetMeta(base, name, fileTime(fields["mtimes"], len(sets)), p.user.Name),
			evidence.IngestOptions{Actor: actorOf(p)})
		if err != nil {
			status := http.StatusInternalServerError
			if errors.Is(budget.err(), errTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			s.fail(w, r, api, status, err)
			return
		}
		sets = append(sets, observe.DatasetFile{Artefact: res.Digest.String(), Want: want})
		if !res.Duplicate {
			fresh[res.Digest.String()] = true
		}
	}
	if len(sets) == 0 && api {
		s.fail(w, r, true, http.StatusBadRequest, errors.New("no dataset file"))
		return
	}
	if len(sets) == 0 {
		h.renderEnrich(w, r, http.StatusBadRequest, nil, "Choose a dataset file to upload.")
		return
	}
	h.enrich(w, r, sets, fresh)
}

// enrich runs enrichment as `casefile enrich` does (observe.Run, one
// function for both) with the datasets given (fresh: those the request
// itself preserved), and shows what it recorded.
// Runs take turns with parse runs: the indicators looked up are those of
// the events parsed when it starts.
func (h *handler) enrich(w http.ResponseWriter, r *http.Request, sets []observe.DatasetFile, fresh map[string]bool) {
	s := h.s
	unlock := s.Exclusive()
	rep, err := observe.Run(r.Context(), s.c.Case, observe.Options{Datasets: sets, Actor: actorOf(principalOf(r))})
	unlock()
	s.assess.invalidate()
	if rep != nil {
		for _, d := range rep.Datasets {
			d.Preserved = d.Preserved || fresh[d.Artefact]
		}
	}
	if wantsJSON(r) { // an API token: the report as `casefile enrich --json` writes it
		out := map[string]any{"report": rep}
		if err != nil {
			out["error"] = err.Error()
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if err != nil {
		// A dataset that cannot be used stays preserved and a
		// dataset.failed entry says why; the page says it too. What
		// was recorded before stays recorded, so the request is not
		// refused.
		h.renderEnrich(w, r, http.StatusOK, rep, "Enrichment stopped: "+err.Error())
		return
	}
	h.renderEnrich(w, r, http.StatusOK, rep, "")
}
