package ui

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes is every route of the workbench and the permission it needs.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.UseEncodedPath()
	s.router = r
	h := &handler{s: s}
	page := func(method, path string, p perm, fn http.HandlerFunc) {
		r.Handle(path, s.need(p, false, fn)).Methods(method)
	}
	api := func(method, path string, p perm, fn http.HandlerFunc) {
		r.Handle("/api/v1"+path, s.need(p, true, fn)).Methods(method)
	}
	// Read-only pages and lists that show only what derives from the log
	// are answered from the page cache while the case is unchanged
	// (pagecache.go): those that list activity entries (views, logins,
	// downloads) while the log does not grow (logPage, logAPI), the others
	// while only activity entries are appended (cachedPage, cachedAPI).
	// Pages that show the server's own state (uploads, exports, the
	// verification run) are not cached.
	logPage := func(path string, fn http.HandlerFunc) { page("GET", path, permRead, s.cached(fn)) }
	logAPI := func(path string, fn http.HandlerFunc) { api("GET", path, permRead, s.cached(fn)) }
	cachedPage := func(path string, fn http.HandlerFunc) { page("GET", path, permRead, s.cachedContent(fn)) }
	cachedAPI := func(path string, fn http.HandlerFunc) { api("GET", path, permRead, s.cachedContent(fn)) }

	// Public: the login form and the assets.
	r.HandleFunc("/login", h.loginForm).Methods(http.MethodGet)
	r.HandleFunc("/login", h.loginSubmit).Methods(http.MethodPost)
	r.PathPrefix("/static/").Handler(s.static.handler).Methods(http.MethodGet)

	page("POST", "/logout", permRead, h.logout)
	logPage("/", h.overview)
	page("POST", "/verify", permVerify, h.verifyRun)
	logPage("/evidence", h.evidenceList)
	logPage("/evidence/{sha}", h.evidenceDetail)
	page("GET", "/evidence/{sha}/content", permContent, h.evidenceContent)
	cachedPage("/events", h.eventList)
	page("GET", "/events/{run:[0-9a-f]{16}}/{seq:[0-9]+}", permRead, s.cachedBy(false, h.eventDetailPage, h.recordLineView)) // each visit records the line shown
	page("POST", "/events/saved", permIngest, h.searchSave)
	cachedPage("/sources", h.sourceList)
	cachedPage("/sources/{indicator}", h.sourceDetail)
	page("POST", "/sources/{indicator}/override", permIngest, h.sourceOverride)
	cachedPage("/annotate", h.annotatePage)
	page("POST", "/annotations", permAnnotate, h.annotateSubmit)
	page("POST", "/annotations/comment", permComment, h.commentSubmit)
	cachedPage("/notes", h.noteList)
	page("POST", "/notes", permAnnotate, h.noteCreate)
	cachedPage("/notes/{n:[0-9]+}", h.noteShow)
	page("POST", "/notes/{n:[0-9]+}", permAnnotate, h.noteEdit)
	page("POST", "/notes/{n:[0-9]+}/withdraw", permAnnotate, h.noteWithdraw)
	cachedPage("/iocs", h.iocList)
	page("POST", "/iocs", permAnnotate, h.iocAdd)
	page("POST", "/iocs/remove", permAnnotate, h.iocRemove)
	page("POST", "/sources/views", permIngest, h.viewSave)
	page("POST", "/assess", permIngest, h.assessRecord)
	cachedPage("/graph", h.graphPage)
	cachedPage("/graph/data.json", h.graphData)
	logPage("/custody", h.custodyLog)
	logPage("/custody/{index:[0-9]+}", h.custodyEntry)
	page("GET", "/ingest", permIngest, s.cachedContent(h.ingestForm))
	r.Handle("/ingest", s.needUpload(permIngest, h.ingestUpload)).Methods(http.MethodPost)
	page("GET", "/ingest/{id}", permIngest, h.ingestResult)
	page("GET", "/enrich", permIngest, s.cachedContent(h.enrichForm)) // the preserved datasets: from the log
	page("POST", "/enrich", permIngest, h.enrichRun)
	r.Handle("/enrich/upload", s.needUpload(permIngest, h.enrichUpload)).Methods(http.MethodPost)
	page("GET", "/export", permExport, s.cached(h.exportForm)) // the artefacts and earlier exports: from the log
	page("POST", "/export", permExport, h.exportCreate)
	page("GET", "/exports/{id}", permExport, h.exportResult)
	page("GET", "/exports/{id}/download", permExport, h.exportDownload)
	page("GET", "/notify", permExport, s.cachedContent(h.notifyPage))
	page("POST", "/notify", permExport, h.notifyCreate)
	page("GET", "/notify/{id}", permExport, h.notifyResult)
	page("GET", "/notify/{id}/download", permExport, h.notifyDownload)
	page("GET", "/users", permAdmin, s.cached(h.userList)) // last logins: from the log
	page("POST", "/users", permAdmin, h.userAdd)
	page("POST", "/users/{name}/disable", permAdmin, h.userDisable())
	page("POST", "/users/{name}/enable", permAdmin, h.userEnable())
	page("POST", "/users/{name}/role", permAdmin, h.userRole())
	page("POST", "/users/{name}/revoke-tokens", permAdmin, h.userRevokeTokens())
	page("GET", "/account", permRead, s.cached(h.account))
	page("POST", "/users/{name}/token", permRead, h.userToken)   // one's own (checked)
	page("POST", "/tokens/{id}/revoke", permRead, h.tokenRevoke) // an admin any, others their own (checked)

	api("GET", "/verify", permRead, h.apiVerify)
	api("POST", "/verify", permVerify, h.apiVerifyRun)
	logAPI("/log", h.apiLog)
	logAPI("/artefacts", h.apiArtefacts)
	logAPI("/artefacts/{sha}", h.apiArtefact)
	cachedAPI("/events", h.apiEvents)
	cachedAPI("/searches", h.apiSearches)
	cachedAPI("/indicators", h.apiIndicators)
	cachedAPI("/assessment", h.apiAssessment)
	cachedAPI("/assessment/{indicator}", h.apiAssessmentOne)
	api("POST", "/assessment", permIngest, h.assessRecord)
	cachedAPI("/sources", h.apiSources)
	cachedAPI("/datasets", h.apiDatasets)
	api("POST", "/enrich", permIngest, h.enrichRun)
	r.Handle("/api/v1/enrich/upload", s.guard(permIngest, true, true, h.enrichUpload)).Methods(http.MethodPost)
	cachedAPI("/graph", h.apiGraph)
	cachedAPI("/annotations", h.apiAnnotations)
	api("POST", "/annotations", permAnnotate, h.apiAnnotate)
	api("POST", "/annotations/comment", permComment, h.apiComment)
	cachedAPI("/notes", h.apiNotes)
	api("POST", "/notes", permAnnotate, h.apiNoteWrite)
	cachedAPI("/iocs", h.apiIOCs)
	api("POST", "/iocs", permAnnotate, h.apiIOCWrite)
	api("GET", "/exports", permExport, h.apiExports)
	api("POST", "/exports", permExport, h.apiExportCreate)
	api("GET", "/exports/{id}/download", permExport, h.exportDownload)

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, false, http.StatusNotFound, nil)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, false, http.StatusMethodNotAllowed, nil)
	})
	return securityHeaders(s.recoverer(r))
}

// handler holds what the handlers need; each handler is in a file of its own.
type handler struct {
	s *Server
}

// recoverer turns a panic into the generic error page.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, false, http.StatusInternalServerError, panicError{v})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + fmtAny(p.v) }
