package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type templates struct {
	pages map[string]*template.Template
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"short":    shortHash,
		"bytes":    evidence.HumanBytes,
		"time":     fmtTime,
		"pct":      func(p float64) string { return fmt.Sprintf("%.0f%%", p*100) },
		"prob":     func(p float64) string { return fmt.Sprintf("%.2f", p) },
		"width":    func(p float64) string { return fmt.Sprintf("w%d", int(math.Round(clamp01(p)*20))*5) },
		"pathesc":  url.PathEscape,
		"queryesc": url.QueryEscape,
		"add":      func(a, b int) int { return a + b },
		"hexof":    func(s string) string { return strings.TrimPrefix(s, "sha256:") },
		"lower":    strings.ToLower,
		"title":    func(s string) string { return strings.ReplaceAll(s, "-", " ") },
		"can":      func(v *view, p string) bool { return v.can(p) },
		"cite":     citeLink,
		"annot":    annotBlockOf,
		"evtarget": annotate.EventTarget,
		"dict":     dict,
		"count":    countOf,
	}
}

// countOf writes a count with thousands separated (count), for pages
// that show the figures of a case of 10^8 events.
func countOf(n any) string {
	switch v := n.(type) {
	case int:
		return count(int64(v))
	case int64:
		return count(v)
	case uint64:
		return count(int64(v))
	}
	return fmt.Sprint(n)
}

func clamp01(p float64) float64 { return math.Max(0, math.Min(1, p)) }

func parseTemplates() (*templates, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("layout.html").Funcs(templateFuncs()).ParseFS(templateFS, "templates/layout.html", "templates/parts*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: templates: %w", err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || strings.HasPrefix(name, "parts") {
			continue
		}
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", name, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = c
	}
	return t, nil
}

// view is what every page template receives.
type view struct {
	Title string
	Nav   string
	User  *User
	CSRF  string
	Case  string
	Badge badge
	// BadgeHole stands for the badge in a page made for the cache.
	BadgeHole string
	Static    string          // cache-busting version of the assets
	Recorded  *evidence.Entry // the custody entry recording this view, if any
	// Assess, when set, says that the assessment the page shows is not
	// of the case as it stands (assess_view.go).
	Assess *assessNotice
	// Refresh, when not 0, reloads the page after that many seconds.
	Refresh int
	D       any
}

type badge struct {
	State  string // intact, damaged, checking, unchecked
	At     string
	Detail string
	// Newer counts the entries added since the check (views, uploads,
	// notes): what the badge says holds for the log up to the check only.
	Newer uint64
}

func (v *view) can(p string) bool {
	if v.User == nil {
		return false
	}
	m := map[string]perm{"read": permRead, "content": permContent, "verify": permVerify, "export": permExport, "ingest": permIngest, "admin": permAdmin, "annotate": permAnnotate, "comment": permComment}
	q, ok := m[p]
	return ok && roleCan(v.User.Role, q)
}

func (s *Server) newView(r *http.Request, title, nav string, d any) *view {
	v := &view{Title: title, Nav: nav, Case: s.c.Config.Title, Static: s.static.version, D: d}
	if v.Case == "" {
		v.Case = "Untitled case"
	}
	if p := principalOf(r); p != nil {
		u := p.user
		v.User = &u
		v.CSRF = s.csrfFor(r, p.session)
	}
	v.Badge = s.badgeNow()
	if makingOf(r) != nil {
		v.BadgeHole = s.pages.standIn[holeBadge] // the header's badge, filled when sent (pagecache.go)
	}
	return v
}

// render writes a page; a template error becomes the generic error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t := s.tpl.pages[page]
	if t == nil {
		s.fail(w, r, false, http.StatusInternalServerError, fmt.Errorf("no template %q", page))
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, fmt.Errorf("template %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail answers with a generic error; the details go to the server log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, api bool, status int, err error) {
	var ref [6]byte
	sum := sha256.Sum256([]byte(fmt.Sprint(time.Now().UnixNano(), r.URL.Path)))
	copy(ref[:], sum[:])
	id := hex.EncodeToString(ref[:])
	if err != nil || status >= 500 {
		s.log.Error("request failed", "ref", id, "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	msg := map[int]string{
		http.StatusBadRequest:            "The request could not be understood.",
		http.StatusUnauthorized:          "Please log in.",
		http.StatusForbidden:             "Your role does not allow this, or the form has expired. Reload the page and try again.",
		http.StatusNotFound:              "There is nothing here.",
		http.StatusRequestEntityTooLarge: "The upload is larger than this server accepts.",
		http.StatusTooManyRequests:       "Too many attempts. Wait a minute and try again.",
	}[status]
	if msg == "" {
		msg = "Something went wrong. The server log has the details under the reference below."
	}
	if api || strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, map[string]any{"error": msg, "status": status, "ref": id})
		return
	}
	v := s.newView(r, http.StatusText(status), "", map[string]any{"Status": status, "Message": msg, "Ref": id})
	t := s.tpl.pages["error"]
	var b bytes.Buffer
	if t == nil || t.ExecuteTemplate(&b, "layout.html", v) != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func shortHash(s string) string {
	h := strings.TrimPrefix(s, "sha256:")
	if len(h) <= 16 {
		return s
	}
	return h[:8] + "…" + h[len(h)-6:]
}

func fmtTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04:05Z")
	case *time.Time:
		if v == nil || v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04:05Z")
	case string:
		if tt, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return tt.UTC().Format("2006-01-02 15:04:05Z")
		}
		return v
	}
	return ""
}

// citeLink turns an assessment citation into a link target and a label:
// "sha256:<hex>#L12" → the line in the viewer; "entry:N" → the custody
// entry; "dataset sha256:<hex>" → the dataset's evidence page.
func citeLink(c string) map[string]string {
	out := map[string]string{"label": c, "href": "", "kind": "other"}
	switch {
	case strings.HasPrefix(c, "entry:"):
		out["href"], out["kind"] = "/custody/"+url.PathEscape(strings.TrimPrefix(c, "entry:")), "entry"
		out["label"] = "custody entry #" + strings.TrimPrefix(c, "entry:")
	case strings.HasPrefix(c, "dataset sha256:"):
		h := strings.TrimPrefix(c, "dataset sha256:")
		if isHex64(h) {
			out["href"], out["kind"], out["label"] = "/evidence/"+h, "dataset", "dataset "+shortHash(h)
		}
	case strings.HasPrefix(c, "sha256:"):
		ref, frag, _ := strings.Cut(strings.TrimPrefix(c, "sha256:"), "#")
		if !isHex64(ref) {
			break
		}
		out["kind"] = "artefact"
		out["href"] = "/evidence/" + ref
		out["label"] = shortHash(ref)
		if strings.HasPrefix(frag, "L") && isDigits(frag[1:]) {
			out["href"] = "/evidence/" + ref + "/content?line=" + frag[1:] + "#L" + frag[1:]
			out["label"] += " line " + frag[1:]
			out["kind"] = "line"
		} else if strings.HasPrefix(frag, "R") && isDigits(frag[1:]) {
			out["label"] += " record " + frag[1:]
		}
	}
	return out
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
