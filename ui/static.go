package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sort"
)

// staticFiles serves the embedded assets. Their URLs carry a version (a
// digest of all assets) so that browsers may cache them for long.
type staticFiles struct {
	version string
	handler http.Handler
}

func newStaticFiles() staticFiles {
	sub, _ := fs.Sub(staticFS, "static")
	h := sha256.New()
	var names []string
	fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(sub, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	fsrv := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return staticFiles{
		version: hex.EncodeToString(h.Sum(nil))[:12],
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/static/" || r.URL.Path[len(r.URL.Path)-1] == '/' {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=86400")
			fsrv.ServeHTTP(w, r)
		}),
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
