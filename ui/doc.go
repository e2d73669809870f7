// Package ui serves a case in a browser and over a JSON API: the workbench
// analysts and counsel use together.
//
// Guarantees:
//   - Every access is custody (ARCHITECTURE.md invariant 8): each login,
//     logout, content view, ingest, user change, token and export is a
//     custody entry in the case, written before the response is sent, and
//     names the API token it was made with. Failed and refused logins are
//     one user.login_failed entry per source (an address, an IPv6 /64) and
//     minute, written when the minute is over or the server stops.
//   - Logins are throttled before any hashing: at most 4 password checks
//     run at once (more are refused with 429 at once), a source has 10
//     attempts a minute, an account backs off (1 s, doubling to 15 min)
//     after 5 failures from any sources.
//   - User and token records are bound to the entries that made them
//     (VerifyUsers, part of every verification): a role, password hash,
//     token owner, expiry or revocation changed on disk is a problem.
//     Tokens expire and can be revoked; the workbench makes a token only
//     for the user asking.
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
//     are files, so the Content-Security-Policy forbids inline code. After
//     the login, the browser goes only to a page route of this server.
//   - Everything is embedded: no page needs the network. Lists are paginated
//     on the server; uploads are streamed into the store side by side, with
//     a size limit and a read deadline (UploadIdle); verification requests
//     share runs.
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
