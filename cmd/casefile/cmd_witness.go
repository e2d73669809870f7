package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/evidence/witness"
)

func (a *app) witnessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Run a witness that cosigns other cases' checkpoints (C2SP tlog-witness)",
		Args:  noArgs,
	}
	cmd.AddCommand(a.witnessServeCmd(), a.witnessAddLogCmd())
	return cmd
}

func (a *app) witnessAddLogCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "add-log --dir DIR VKEY|FILE…",
		Short: "Let a witness cosign a case: its checkpoint.vkey (a running witness picks it up)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" || len(args) == 0 {
				return usagef("witness add-log needs --dir DIR and at least one checkpoint.vkey")
			}
			w, err := witness.OpenServer(dir, "")
			if err != nil {
				return err
			}
			return a.addLogs(w, args)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory of the witness's key and state")
	return cmd
}

// addLogs adds cases to witness, each given as a checkpoint.vkey file or key.
func (a *app) addLogs(w *witness.Server, logs []string) error {
	for _, l := range logs {
		vkey := l
		if b, err := os.ReadFile(l); err == nil {
			vkey = strings.TrimSpace(string(b))
		}
		if err := w.AddLog(vkey); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(a.err, "casefile: witness %s now cosigns %s\n", w.Name(), strings.SplitN(vkey, "+", 2)[0])
	}
	return nil
}

func (a *app) witnessServeCmd() *cobra.Command {
	var addr, dir, name string
	var logs []string
	cmd := &cobra.Command{
		Use:   "serve --dir DIR [--addr 127.0.0.1:7380] [--name NAME] [--log VKEY|FILE]…",
		Short: "Serve a C2SP tlog-witness for the cases whose checkpoint keys it is given",
		Long: `Run a witness, for example at counsel's office or a CERT, for the analyst's case.

The witness has its own Ed25519 key (created in DIR on first use, named --name)
and keeps, per case, the latest checkpoint it cosigned. It cosigns a new
checkpoint (POST /add-checkpoint, C2SP tlog-witness) only with a consistency
proof that it extends that one, so a case truncated or forked after it was
witnessed is refused, and 'casefile verify' on such a case fails.

--log names a case to witness: its checkpoint.vkey (the file, or its content).
Logs are remembered in DIR; 'casefile witness add-log' adds one while the
witness runs. Give the printed witness key to the case's analyst
for 'casefile config --witness URL+VKEY'.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("witness serve needs --dir DIR for its key and state")
			}
			w, err := witness.OpenServer(dir, name)
			if err != nil {
				return err
			}
			if err := a.addLogs(w, logs); err != nil {
				return err
			}
			return a.serveWitness(ctx(cmd), w, addr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "directory of the witness's key and state")
	f.StringVar(&addr, "addr", "127.0.0.1:7380", "address to listen on")
	f.StringVar(&name, "name", "", "the witness's key name for a new witness, e.g. counsel.example/witness")
	f.StringArrayVar(&logs, "log", nil, "a case to witness: its checkpoint.vkey file or key (repeatable)")
	return cmd
}

func (a *app) serveWitness(ctx context.Context, w *witness.Server, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withHint(err, "choose another --addr, e.g. 127.0.0.1:7381")
	}
	logger := slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hs := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(a.out, "Witness %s at http://%s (Ctrl-C to stop)\n", w.Name(), ln.Addr())
	fmt.Fprintf(a.out, "  witness key  %s\n", w.VKey())
	fmt.Fprintf(a.out, "  for the case casefile config --witness http://%s+%s\n", ln.Addr(), w.VKey())
	for _, o := range w.Logs() {
		fmt.Fprintf(a.out, "  witnessing   %s\n", o)
	}
	if len(w.Logs()) == 0 {
		a.hint("no case to witness yet: restart with --log CASE/checkpoint.vkey")
	}
	if err := serveUntil(ctx, hs, errc); err != nil {
		return err
	}
	fmt.Fprintln(a.err, "casefile: witness stopped")
	return nil
}

// printExportWitnessing says who vouched for a package's checkpoint, and
// from which earlier exports the package proves consistency.
func printExportWitnessing(w io.Writer, pr *export.Report) {
	r := pr.Witnessing
	if r == nil {
		return
	}
	if r.Policy != "" {
		fmt.Fprintf(w, "  witnessing   %s\n", r.Policy)
	}
	for _, x := range r.Witnessed {
		verb, trust := "cosigned by", ""
		if x.Kind == "timestamp" {
			verb, trust = "timestamped by", trustedNote(pr, "witnessing/checkpoint.tsr")
		}
		fmt.Fprintf(w, "    size %-8d %s %s at %s%s\n", x.Size, verb, x.By, x.Time.Format(time.RFC3339), trust)
	}
	if len(r.Consistent) > 0 {
		fmt.Fprintf(w, "  consistent   with the signed checkpoints (earlier exports, sizes asked for) of sizes %v\n", r.Consistent)
	}
}

// requireWitnesses checks that every witness key the recipient trusts
// cosigned the package's checkpoint.
func requireWitnesses(r *export.Report, trusted []string) error {
	for _, k := range trusted {
		v, err := witness.NewVerifier(k)
		if err != nil {
			return usageError{err}
		}
		found := false
		if r.Witnessing != nil {
			for _, x := range r.Witnessing.Witnessed {
				found = found || (x.Kind == "cosignature" && x.Key == v.String())
			}
		}
		if !found {
			return verifyError{fmt.Errorf("package verification failed: the checkpoint is not cosigned by the witness %s", v.Name())}
		}
	}
	return nil
}
