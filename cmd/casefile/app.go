package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/rawtext"
)

// Exit codes (CLI.md).
const (
	exitOK       = 0
	exitVerify   = 1
	exitUsage    = 2
	exitFailure  = 3
	examinerHelp = `the person acting, "Name <email>" (env CASEFILE_EXAMINER)`
)

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// app carries what every command needs: standard streams, the environment
// and the global flags.
type app struct {
	stdio
	getenv   func(string) string
	caseDir  string
	examiner string
	json     bool
	// beforeOpen, when set (tests only), runs before each file is opened.
	beforeOpen func(path string)
	// wrote is set when the case was opened for writing: the latest
	// checkpoint then goes to the witnesses, and the log to the case's
	// bucket, after the command.
	wrote bool
	// afterRead, when set (tests only), runs after each file was read and
	// before it is examined again.
	afterRead func(path string)
	// relay, when set, is the server this command runs inside for a
	// client (relay_server.go): the case is its open handle, borrowed.
	relay *relayed
}

// usageError marks a mistake in how the command was called (exit 2).
type usageError struct{ error }

// verifyError marks damage found by a verification (exit 1); the report has
// already been printed.
type verifyError struct{ error }

// hintError adds a hint line to an error.
type hintError struct {
	error
	hint string
}

func withHint(err error, hint string) error { return hintError{err, hint} }
func (h hintError) Unwrap() error           { return h.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func run(ctx context.Context, args []string, io stdio, getenv func(string) string) int {
	if code, ok := relayIfServed(ctx, args, io, getenv); ok {
		return code
	}
	return (&app{stdio: io, getenv: getenv}).execute(ctx, args)
}

// execute runs the command args in a, here or (a.relay set) inside the
// server holding the case.
func (a *app) execute(ctx context.Context, args []string) int {
	io := a.stdio
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = errors.New("interrupted before finishing")
	}
	if errors.Is(err, syscall.EPIPE) {
		err = fmt.Errorf("stopped: the output was closed before the command finished (%w); the case was closed cleanly", err)
	}
	var ue usageError
	var ve verifyError
	code := exitFailure
	switch {
	case errors.As(err, &ve):
		code = exitVerify
	case errors.As(err, &ue):
		code = exitUsage
	}
	fmt.Fprintf(a.err, "casefile: error: %s\n", rawtext.Display(err.Error()))
	var he hintError
	if errors.As(err, &he) {
		fmt.Fprintf(a.err, "casefile: hint: %s\n", rawtext.Display(he.hint))
	}
	if code == exitUsage {
		fmt.Fprintln(a.err, "casefile: hint: run 'casefile help' for usage")
	}
	return code
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "casefile",
		Short: "Preserve, explain and hand over the evidence of an intrusion",
		Long: `Casefile preserves logs and artefacts in a hash-chained, signed, append-only case
store, enriches the infrastructure they mention from offline datasets, explains
what each source address most likely is (the attacker's own server, a relay, a
compromised third party or an abused platform), and exports a signed package
that counsel and police can verify offline.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return a.checkExaminer()
		},
		PersistentPostRunE: func(cmd *cobra.Command, _ []string) error {
			return a.publishAfterWrite(cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.caseDir, "case", a.getenv("CASEFILE_CASE"), "case directory (env CASEFILE_CASE)")
	pf.StringVar(&a.examiner, "examiner", a.getenv("CASEFILE_EXAMINER"), examinerHelp)
	pf.BoolVar(&a.json, "json", false, "write the report as JSON on stdout")
	root.AddCommand(a.initCmd(), a.ingestCmd(), a.verifyCmd(), a.logCmd(), a.eventsCmd(), a.indicatorsCmd(), a.enrichCmd(), a.assessCmd(), a.graphCmd(), a.simulateCmd(), a.evaluateCmd(), a.calibrateCmd(), a.demoCmd(), a.exportCmd(), a.notifyCmd(), a.verifyExportCmd(), a.serveCmd(), a.userCmd(), a.noteCmd(), a.tagCmd(), a.starCmd(), a.commentCmd(), a.iocCmd(), a.configCmd(), a.witnessCmd(), a.holdCmd())
	return root
}

// noArgs and friends turn cobra's argument errors into usage errors.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func (a *app) needCase() error {
	if a.caseDir == "" {
		return usagef("no case given: pass --case DIR or set CASEFILE_CASE")
	}
	return nil
}

// actor is the examiner recorded in entries.
func (a *app) actor() string {
	if a.relay != nil && a.relay.who != nil {
		return a.relay.who.Actor
	}
	if a.examiner != "" {
		return a.examiner
	}
	user := a.getenv("USER")
	if user == "" {
		user = "unknown"
	}
	host, _ := os.Hostname()
	// A guess, unlike a stated examiner: bytes that are not UTF-8 are
	// replaced rather than refused (entries are UTF-8 text).
	user, host = strings.ToValidUTF8(user, "\uFFFD"), strings.ToValidUTF8(host, "\uFFFD")
	a.hint("no examiner given: recorded as %q; pass --examiner \"Name <email>\" or set CASEFILE_EXAMINER", user+"@"+host)
	return user + "@" + host + " (examiner not stated)"
}

// checkExaminer refuses, before anything is written, an examiner name that
// is not UTF-8 text: entries are, and the evidence store would refuse the
// first entry of the command, after other work (a new case's keys).
func (a *app) checkExaminer() error {
	if !utf8.ValidString(a.examiner) {
		return usagef("the examiner %q is not UTF-8 text: the terminal or CASEFILE_EXAMINER uses another encoding (Latin-1?); give the name in UTF-8 (nothing was written)", a.examiner)
	}
	return nil
}

func (a *app) hint(format string, args ...any) {
	fmt.Fprintf(a.err, "casefile: hint: %s\n", rawtext.Display(fmt.Sprintf(format, args...)))
}

// passphrase returns a function that reads the key passphrase from
// CASEFILE_PASSPHRASE or, on a terminal, a prompt.
func (a *app) passphrase(confirm bool) func() ([]byte, error) {
	return func() ([]byte, error) {
		if p := a.getenv("CASEFILE_PASSPHRASE"); p != "" {
			return []byte(p), nil
		}
		f, ok := a.in.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return nil, withHint(keys.ErrPassphraseRequired, "set CASEFILE_PASSPHRASE, or run the command on a terminal to be asked")
		}
		fmt.Fprint(a.err, "Case key passphrase: ")
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.err)
		if err != nil {
			return nil, err
		}
		if confirm {
			fmt.Fprint(a.err, "Repeat passphrase: ")
			p2, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(a.err)
			if err != nil {
				return nil, err
			}
			if string(p) != string(p2) {
				return nil, errors.New("the passphrases differ")
			}
		}
		if len(p) == 0 {
			return nil, keys.ErrPassphraseRequired
		}
		return p, nil
	}
}

// openCase opens the case; writable cases ask for the passphrase. A case
// opened for reading is opened read-only: nothing in it is created,
// changed or deleted.
func (a *app) openCase(cmd *cobra.Command, writable bool) (*casedir.Handle, error) {
	o := casedir.OpenOptions{}
	if writable {
		o.Passphrase = a.passphrase(false)
	}
	return a.openCaseWith(o)
}

func (a *app) openCaseWith(o casedir.OpenOptions) (*casedir.Handle, error) {
	if err := a.needCase(); err != nil {
		return nil, err
	}
	if a.relay != nil {
		return a.relay.open(o)
	}
	o.Command = "casefile " + strings.Join(os.Args[1:], " ")
	h, err := casedir.Open(a.caseDir, o)
	var inUse *casedir.InUseError
	switch {
	case errors.Is(err, badgerstore.ErrNeedsRecovery):
		return nil, withHint(err, "run 'casefile verify --recover' once: it lets the database replay its log (this writes to the case), then verifies")
	case errors.Is(err, evidence.ErrStoreDamaged):
		return nil, withHint(err, "run 'casefile verify' for a report; nothing was changed")
	case errors.As(err, &inUse):
		return nil, withHint(err, "wait for it to finish, or stop it; while 'casefile serve' runs, use the web workbench or its API instead")
	case errors.Is(err, keys.ErrDamagedKey):
		return nil, withHint(err, "restore "+casedir.PrivateKeyFile+" from your backup; reading and verifying the case need no key")
	case errors.Is(err, keys.ErrWrongPassphrase):
		return nil, withHint(err, "check CASEFILE_PASSPHRASE: it must be the passphrase given to 'casefile init'")
	case errors.Is(err, casedir.ErrNotACase):
		return nil, withHint(err, "create a case with 'casefile init --case DIR'")
	case err != nil:
		return nil, err
	}
	for _, w := range h.Warnings {
		fmt.Fprintf(a.err, "casefile: warning: %s\n", rawtext.Display(w))
	}
	a.wrote = o.Passphrase != nil && (witnessed(h) || h.Blobs != nil)
	return h, nil
}

// ctx returns the command's context.
func ctx(cmd *cobra.Command) context.Context {
	if c := cmd.Context(); c != nil {
		return c
	}
	return context.Background()
}
