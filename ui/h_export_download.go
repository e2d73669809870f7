package ui

import (
	"net/http"
	"os"

	"github.com/gorilla/mux"
)

// exportDownload sends a package built by this server. Building it was
// recorded (export.created); who took a copy is recorded too
// (recordDownload).
func (h *handler) exportDownload(w http.ResponseWriter, r *http.Request) {
	f := h.s.exports.get(mux.Vars(r)["id"])
	if f == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	if err := h.s.recordDownload(r, f.ID, "manifest_sha256", f.Result.ManifestSHA256); err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	file, err := os.Open(f.Path)
	if err != nil {
		h.s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="casefile-export-`+f.ID+`.tar.gz"`)
	http.ServeContent(w, r, "", st.ModTime(), file)
}
