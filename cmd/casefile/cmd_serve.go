package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/ui"
)

type serveFlags struct {
	addr, cert, key string
	maxUpload       int64
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --case DIR [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE]",
		Short: "Serve the case in a browser (web workbench) and over a JSON API",
		Long: `Serve the web workbench and the JSON API (/api/v1/) for one case. The case is
held open (and locked) while the server runs; logins, content views, uploads,
tokens and exports are recorded in its custody log, failed and refused logins
as one entry per source address and minute.

Logins are throttled before any password is hashed: at most 4 checks at once,
10 attempts a minute per address (per IPv6 /64), and an account that failed 5
times backs off from 1 s doubling to 15 min, whatever the address. An upload
that sends nothing for a minute is ended; uploads run side by side.

Users are created with 'casefile user add', API tokens with 'casefile user
token' (or by each user for themselves on the Account page). The server listens
on 127.0.0.1 by default; bind it elsewhere only with TLS (--tls-cert,
--tls-key).

While it serves, other casefile commands on the case run inside the server
(through the socket casefile.sock in the case directory, mode 0600, removed
when the server stops): their output is what they would print on their own.
Reading (log, verify, events, indicators, graph, assess --no-record) needs
nothing more. Writing (ingest, enrich, assess, export, notify, annotations)
needs the token of a workbench user whose role allows it, in CASEFILE_TOKEN;
the entries name that user. User management needs an admin's token or the
case passphrase (CASEFILE_PASSPHRASE). serve, init and verify --recover do
not run through it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.cert == "") != (f.key == "") {
				return usagef("--tls-cert and --tls-key go together")
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			users, err := ui.Users(h.Case)
			if err != nil {
				return err
			}
			if len(users) == 0 {
				a.hint("the case has no users yet: stop the server and run 'casefile user add --case %s NAME --role admin'", a.caseDir)
			}
			defer a.startWitnessLoop(ctx(cmd), h, witnessPoll)()
			defer a.startPublishLoop(ctx(cmd), h, witnessPoll)()
			return a.serve(ctx(cmd), h, f, nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&f.cert, "tls-cert", "", "TLS certificate (PEM) to serve HTTPS")
	fl.StringVar(&f.key, "tls-key", "", "TLS private key (PEM)")
	fl.Int64Var(&f.maxUpload, "max-upload", ui.DefaultMaxUpload, "largest upload accepted, in bytes")
	return cmd
}

// serve runs the workbench until ctx ends. ready, when set, is called with
// the URL once the server listens.
func (a *app) serve(ctx context.Context, h *casedir.Handle, f serveFlags, ready func(url string)) error {
	tls := f.cert != ""
	srv, err := ui.New(ui.Config{Case: h, Actor: a.actor(), TLS: tls, MaxUpload: f.maxUpload,
		Logger: slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.WarmGraph()
	if stop, err := a.startRelay(ctx, h, srv); err != nil {
		fmt.Fprintf(a.err, "casefile: warning: other casefile commands cannot reach this case while it is served: %v\n", err)
	} else {
		defer stop()
		fmt.Fprintf(a.err, "casefile: other casefile commands on this case run through this server (%s); those that write need CASEFILE_TOKEN\n", socketPath(h.Dir))
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return withHint(err, "choose another --addr, e.g. 127.0.0.1:8081")
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); !tls && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(a.err, "casefile: warning: serving on %s WITHOUT TLS: passwords, session cookies and evidence cross the network in clear text\n", ln.Addr())
		a.hint("use --tls-cert and --tls-key, or bind to 127.0.0.1 and reach it through an SSH tunnel")
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() {
		if tls {
			errc <- hs.ServeTLS(ln, f.cert, f.key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	fmt.Fprintf(a.out, "Casefile workbench for %q at %s (Ctrl-C to stop)\n", h.Config.Title, url)
	if ready != nil {
		ready(url)
	}
	if err := serveUntil(ctx, hs, errc); err != nil {
		return err
	}
	fmt.Fprintln(a.err, "casefile: workbench stopped")
	return nil
}

// serveUntil waits until the server fails or ctx ends, then shuts it down,
// giving requests in flight 10 s.
func serveUntil(ctx context.Context, hs *http.Server, errc <-chan error) error {
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	return nil
}

// serveDemo creates the demo users (an analyst, counsel and an admin who
// manages users, each with a random password printed once), prints the URL
// and the logins, and serves the demo case until interrupted.
func (a *app) serveDemo(cmd *cobra.Command, h *casedir.Handle, addr string) error {
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	type login struct{ name, role, pass string }
	logins := []login{{"analyst", ui.RoleAnalyst, ""}, {"counsel", ui.RoleCounsel, ""}, {"admin", ui.RoleAdmin, ""}}
	for i := range logins {
		var raw [12]byte
		rand.Read(raw[:])
		logins[i].pass = base64.RawURLEncoding.EncodeToString(raw[:])
		if _, err := ui.AddUser(ctx(cmd), h.Case, a.actor(), logins[i].name, logins[i].role, []byte(logins[i].pass)); err != nil {
			return fmt.Errorf("demo user %s: %w", logins[i].name, err)
		}
	}
	return a.serve(ctx(cmd), h, serveFlags{addr: addr, maxUpload: ui.DefaultMaxUpload}, func(url string) {
		fmt.Fprintf(a.out, "\nOpen %s and log in (passwords made up for this run, shown once):\n", url)
		for _, l := range logins {
			fmt.Fprintf(a.out, "  %-8s %-24s (%s)\n", l.name, l.pass, l.role)
		}
	})
}
