package ui

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// apiExports lists the export.created entries of the case.
func (h *handler) apiExports(w http.ResponseWriter, r *http.Request) {
	off, lim := paging(r.URL.Query(), defaultLimit)
	rows, total, err := h.s.cat.query(logFilter{Kind: "export.created", Offset: off, Limit: lim})
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	if rows == nil {
		rows = []entryLine{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"exports": rows, "total": total, "offset": off, "limit": lim})
}

// apiExportCreate builds a package from a JSON request and says where to
// download it.
func (h *handler) apiExportCreate(w http.ResponseWriter, r *http.Request) {
	var req exportRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the body must be a JSON export request", "status": http.StatusBadRequest})
		return
	}
	f, err := h.s.buildExport(r.Context(), principalOf(r), req)
	if errors.Is(err, errExportInput) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "status": http.StatusBadRequest})
		return
	}
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	res := f.Result
	writeJSON(w, http.StatusCreated, map[string]any{"id": f.ID, "download": "/api/v1/exports/" + f.ID + "/download",
		"format": res.Format, "manifest_sha256": res.ManifestSHA256, "files": res.Files, "bytes": res.Bytes,
		"entries": res.Entries, "artefacts": res.Artefacts, "checkpoint_size": res.CheckpointSize,
		"previous_export": res.Previous, "entry": res.Entry.Index})
}
