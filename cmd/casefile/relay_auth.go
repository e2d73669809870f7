package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/ui"
)

// relayed is what a command run for a client sees of the server: the
// case it holds, and who the client is.
type relayed struct {
	h          *casedir.Handle
	srv        *ui.Server
	dir        string       // the case directory as the command names it
	path       string       // the command, e.g. "user add"
	who        *ui.Identity // from CASEFILE_TOKEN
	tokenErr   error        // why CASEFILE_TOKEN was refused
	passphrase string       // CASEFILE_PASSPHRASE, sent for user management only
	unlock     func()
}

// relayPermission is what a command that writes needs of the user's role,
// as the workbench's pages for the same thing need it: exports and
// notifications what counsel may do, comments too, tags, stars, notes and
// the IOC list an annotator's, user management and the case's
// configuration an admin, everything else (ingest, enrich, assess) an
// analyst.
func relayPermission(path string) ui.Permission {
	switch strings.Fields(path)[0] {
	case "export", "notify":
		return ui.PermExport
	case "comment":
		return ui.PermComment
	case "note", "tag", "star", "ioc":
		return ui.PermAnnotate
	case "user", "config", "witness":
		return ui.PermAdmin
	}
	return ui.PermIngest
}

// open lends the command the server's handle. Opening for reading needs
// nobody; opening for writing needs a workbench user whose role allows the
// command (or, for user management, the case passphrase, so that a case
// served without an admin can still manage its users), and waits for the
// server's other writers of derived data (ui.Server.Exclusive).
func (r *relayed) open(o casedir.OpenOptions) (*casedir.Handle, error) {
	if o.Recover {
		return nil, withHint(errNoRecover, "the server opened the store, so there is nothing to replay while it runs; stop it first if a recovery is needed")
	}
	if o.Passphrase != nil || o.Writable {
		if err := r.authorize(); err != nil {
			return nil, err
		}
		if r.unlock == nil {
			r.unlock = r.srv.Exclusive()
		}
	}
	b := r.h.Borrow()
	b.Dir = r.dir
	return b, nil
}

func (r *relayed) release() {
	if r.unlock != nil {
		r.unlock()
		r.unlock = nil
	}
}

func (r *relayed) authorize() error {
	need := relayPermission(r.path)
	switch {
	case r.who != nil && ui.RoleMay(r.who.Role, need):
		return nil
	case strings.HasPrefix(r.path, "user ") && r.passphrase != "":
		if err := r.checkPassphrase(); err != nil {
			return err
		}
		r.who = nil // the examiner acts, as in a direct run
		return nil
	case r.who != nil:
		return withHint(fmt.Errorf("workbench user %s (%s) may not run 'casefile %s'", r.who.User, r.who.Role, r.path),
			"ask a user whose role allows it: analysts ingest, enrich, assess and annotate; counsel and analysts export and notify; admins manage users")
	case r.tokenErr != nil:
		return withHint(r.tokenErr, "ask for a new token: 'casefile user token NAME' (an admin, or the case passphrase), or the Account page of the workbench")
	}
	return withHint(fmt.Errorf("'casefile %s' writes to the case, which a running 'casefile serve' holds: it runs through the server, as a workbench user", r.path),
		"set CASEFILE_TOKEN to an API token of your workbench user (the Account page of the workbench makes one; an admin can with 'casefile user token NAME'); user management also accepts the case passphrase (CASEFILE_PASSPHRASE)")
}

// checkPassphrase accepts the passphrase that unlocks the case's key: the
// proof a direct run would need.
func (r *relayed) checkPassphrase() error {
	kp := filepath.Join(r.h.Dir, casedir.PrivateKeyFile)
	priv, err := os.ReadFile(kp)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if _, err := keys.LoadSigner(priv, []byte(r.passphrase), r.h.Config.Origin); err != nil {
		if errors.Is(err, keys.ErrWrongPassphrase) {
			return withHint(err, "check CASEFILE_PASSPHRASE: it must be the passphrase given to 'casefile init'")
		}
		return err
	}
	return nil
}
