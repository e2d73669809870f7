package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"
)

// safeNext returns u when it is a page of this workbench a browser may be
// sent to after logging in, and "/" otherwise. Only a local path (no
// scheme, no host, no backslash, no control character that a browser
// would drop to make "/\t/evil" into "//evil") that a page route of this
// server answers is kept; the login page, the API and the assets are not.
func (s *Server) safeNext(u string) string {
	if u == "" || len(u) > 2048 || !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") ||
		strings.ContainsFunc(u, func(r rune) bool { return r < 0x21 || r == 0x7f || r == '\\' || r > 0x7e }) {
		return "/"
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" || !strings.HasPrefix(p.Path, "/") ||
		strings.HasPrefix(p.EscapedPath(), "//") {
		return "/"
	}
	if p.Path == "/login" || p.Path == "/logout" || strings.HasPrefix(p.Path, "/api/") || strings.HasPrefix(p.Path, "/static/") {
		return "/"
	}
	req, err := http.NewRequest(http.MethodGet, p.RequestURI(), nil)
	var m mux.RouteMatch
	if err != nil || s.router == nil || !s.router.Match(req, &m) || m.MatchErr != nil {
		return "/"
	}
	out := p.EscapedPath()
	if p.RawQuery != "" {
		out += "?" + p.RawQuery
	}
	return out
}
