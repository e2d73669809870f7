// Package ui serves a case in a browser and over a JSON API: the workbench
// analysts and counsel use together.
//
// Guarantees:
//   - Every access is custody (ARCHITECTURE.md invariant 8): each login,
//     failed login, logout, content view, ingest, user change and export is a
//     custody entry in the case, written before the response is sent.
//   - Every route states the permission it needs in routes.go, and the check
//     runs before the handler. Roles: analyst (everything), counsel (read,
//     verify, view content, export; never ingest or change), viewer (metadata
//     only, never content). Nothing but the login page and the static assets
//     answers without a session or an API token.
//   - State-changing requests carry a CSRF token bound to the session (or come
//     with a Bearer token, which a browser never sends by itself). Sessions
//     live in HttpOnly, SameSite=Strict cookies, Secure when served over TLS.
//     Passwords are hashed with argon2id; API tokens are stored as SHA-256.
//   - Untrusted text (file names, log lines, indicators) is only ever
//     rendered through html/template or DOM textContent; scripts and styles
//     are files, so the Content-Security-Policy forbids inline code.
//   - Everything is embedded: no page needs the network. Lists are paginated
//     on the server; uploads are streamed into the store with a size limit.
//   - Errors show a generic page; details go to the server log only.
//
// The package reads the case only through the evidence packages; it never
// touches the storage engine.
//
// Example:
//
//	srv, err := ui.New(ui.Config{Case: h, Actor: "J. Doe <jd@example.org>"})
//	if err != nil { … }
//	defer srv.Close()
//	http.ListenAndServe("127.0.0.1:8080", srv)
package ui
