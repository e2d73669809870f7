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

	// Public: the login form and the assets.
	r.HandleFunc("/login", h.loginForm).Methods(http.MethodGet)
	r.HandleFunc("/login", h.loginSubmit).Methods(http.MethodPost)
	r.PathPrefix("/static/").Handler(s.static.handler).Methods(http.MethodGet)

	page("POST", "/logout", permRead, h.logout)
	page("GET", "/", permRead, h.overview)
	page("POST", "/verify", permVerify, h.verifyRun)
	page("GET", "/evidence", permRead, h.evidenceList)
	page("GET", "/evidence/{sha}", permRead, h.evidenceDetail)
	page("GET", "/evidence/{sha}/content", permContent, h.evidenceContent)
	page("GET", "/events", permRead, h.eventList)
	page("GET", "/events/{run:[0-9a-f]{16}}/{seq:[0-9]+}", permRead, h.eventDetailPage)
	page("POST", "/events/saved", permIngest, h.searchSave)
	page("GET", "/sources", permRead, h.sourceList)
	page("GET", "/sources/{indicator}", permRead, h.sourceDetail)
	page("POST", "/sources/{indicator}/override", permIngest, h.sourceOverride)
	page("GET", "/annotate", permRead, h.annotatePage)
	page("POST", "/annotations", permAnnotate, h.annotateSubmit)
	page("POST", "/annotations/comment", permComment, h.commentSubmit)
	page("GET", "/notes", permRead, h.noteList)
	page("POST", "/notes", permAnnotate, h.noteCreate)
	page("GET", "/notes/{n:[0-9]+}", permRead, h.noteShow)
	page("POST", "/notes/{n:[0-9]+}", permAnnotate, h.noteEdit)
	page("POST", "/notes/{n:[0-9]+}/withdraw", permAnnotate, h.noteWithdraw)
	page("GET", "/iocs", permRead, h.iocList)
	page("POST", "/iocs", permAnnotate, h.iocAdd)
	page("POST", "/iocs/remove", permAnnotate, h.iocRemove)
	page("POST", "/sources/views", permIngest, h.viewSave)
	page("POST", "/assess", permIngest, h.assessRecord)
	page("GET", "/graph", permRead, h.graphPage)
	page("GET", "/graph/data.json", permRead, h.graphData)
	page("GET", "/custody", permRead, h.custodyLog)
	page("GET", "/custody/{index:[0-9]+}", permRead, h.custodyEntry)
	page("GET", "/ingest", permIngest, h.ingestForm)
	r.Handle("/ingest", s.needUpload(permIngest, h.ingestUpload)).Methods(http.MethodPost)
	page("GET", "/ingest/{id}", permIngest, h.ingestResult)
	page("GET", "/enrich", permIngest, h.enrichForm)
	page("POST", "/enrich", permIngest, h.enrichRun)
	r.Handle("/enrich/upload", s.needUpload(permIngest, h.enrichUpload)).Methods(http.MethodPost)
	page("GET", "/export", permExport, h.exportForm)
	page("POST", "/export", permExport, h.exportCreate)
	page("GET", "/exports/{id}", permExport, h.exportResult)
	page("GET", "/exports/{id}/download", permExport, h.exportDownload)
	page("GET", "/notify", permExport, h.notifyPage)
	page("POST", "/notify", permExport, h.notifyCreate)
	page("GET", "/notify/{id}", permExport, h.notifyResult)
	page("GET", "/notify/{id}/download", permExport, h.notifyDownload)
	page("GET", "/users", permAdmin, h.userList)
	page("POST", "/users", permAdmin, h.userAdd)
	page("POST", "/users/{name}/disable", permAdmin, h.userDisable())
	page("POST", "/users/{name}/enable", permAdmin, h.userEnable())
	page("POST", "/users/{name}/role", permAdmin, h.userRole())
	page("POST", "/users/{name}/revoke-tokens", permAdmin, h.userRevokeTokens())
	page("GET", "/account", permRead, h.account)
	page("POST", "/users/{name}/token", permRead, h.userToken)   // one's own (checked)
	page("POST", "/tokens/{id}/revoke", permRead, h.tokenRevoke) // an admin any, others their own (checked)

	api("GET", "/verify", permRead, h.apiVerify)
	api("POST", "/verify", permVerify, h.apiVerifyRun)
	api("GET", "/log", permRead, h.apiLog)
	api("GET", "/artefacts", permRead, h.apiArtefacts)
	api("GET", "/artefacts/{sha}", permRead, h.apiArtefact)
	api("GET", "/events", permRead, h.apiEvents)
	api("GET", "/searches", permRead, h.apiSearches)
	api("GET", "/indicators", permRead, h.apiIndicators)
	api("GET", "/assessment", permRead, h.apiAssessment)
	api("GET", "/assessment/{indicator}", permRead, h.apiAssessmentOne)
	api("POST", "/assessment", permIngest, h.assessRecord)
	api("GET", "/sources", permRead, h.apiSources)
	api("GET", "/datasets", permRead, h.apiDatasets)
	api("POST", "/enrich", permIngest, h.enrichRun)
	r.Handle("/api/v1/enrich/upload", s.guard(permIngest, true, true, h.enrichUpload)).Methods(http.MethodPost)
	api("GET", "/graph", permRead, h.apiGraph)
	api("GET", "/annotations", permRead, h.apiAnnotations)
	api("POST", "/annotations", permAnnotate, h.apiAnnotate)
	api("POST", "/annotations/comment", permComment, h.apiComment)
	api("GET", "/notes", permRead, h.apiNotes)
	api("POST", "/notes", permAnnotate, h.apiNoteWrite)
	api("GET", "/iocs", permRead, h.apiIOCs)
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
