package ui

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence"
)

// exportDownload sends a package built by this server. Building it was
// recorded (export.created); who took a copy is recorded too
// (export.downloaded), once per download: a resumed one (a Range request
// that does not start at the beginning) adds nothing.
func (h *handler) exportDownload(w http.ResponseWriter, r *http.Request) {
	f := h.s.exports.get(mux.Vars(r)["id"])
	if f == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	if rg := r.Header.Get("Range"); r.Method == http.MethodGet && (rg == "" || strings.HasPrefix(rg, "bytes=0-")) {
		p := principalOf(r)
		payload := map[string]any{"package": f.ID, "manifest_sha256": f.Result.ManifestSHA256, "user": p.user.Name, "role": p.user.Role,
			"summary": fmt.Sprintf("%s downloaded package %s (manifest sha256:%s)", p.user.Name, f.ID, f.Result.ManifestSHA256)}
		if _, err := h.s.c.Append(r.Context(), evidence.Draft{Kind: KindExportDownloaded, Actor: actorOf(p), Payload: payload}); err != nil {
			h.s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
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
