package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/ui"
)

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the people allowed into the web workbench",
		Args:  noArgs,
	}
	cmd.AddCommand(a.userAddCmd(), a.userTokenCmd())
	return cmd
}

func (a *app) userAddCmd() *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use:   "add --case DIR NAME --role analyst|counsel|viewer",
		Short: "Create a user (password from CASEFILE_USER_PASSWORD or a prompt)",
		Long: `Create a workbench user. Roles: analyst (everything), counsel (read, verify,
view content, export; never ingest or change anything), viewer (metadata only,
never content). The password is hashed with argon2id; the user.added entry in
the custody log records who added whom with which role.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("user add takes one NAME")
			}
			if !ui.ValidRole(role) {
				return usagef("--role %q: want analyst, counsel or viewer", role)
			}
			if !ui.ValidName(args[0]) {
				return usagef("user name %q: use letters, digits and . _ - @ (at most 64)", args[0])
			}
			pw, err := a.userPassword()
			if err != nil {
				return err
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			e, err := ui.AddUser(ctx(cmd), h.Case, a.actor(), args[0], role, pw)
			if errors.Is(err, ui.ErrUserExists) {
				return withHint(err, "choose another name; users are never changed or removed in place")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "added user %s (%s), custody entry #%d\n", args[0], role, e.Index)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "analyst, counsel or viewer")
	return cmd
}

func (a *app) userTokenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "token --case DIR NAME",
		Short: "Print a new API token for a user (Authorization: Bearer TOKEN)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("user token takes one NAME")
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			tok, err := ui.NewToken(ctx(cmd), h.Case, a.actor(), args[0])
			if errors.Is(err, ui.ErrNoUser) {
				return withHint(err, "add the user first with 'casefile user add'")
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, tok)
			fmt.Fprintln(a.err, "casefile: the token is shown once; only its hash is stored")
			return nil
		},
	}
}

// userPassword reads the new user's password from CASEFILE_USER_PASSWORD
// or, on a terminal, a prompt (asked twice).
func (a *app) userPassword() ([]byte, error) {
	if p := a.getenv("CASEFILE_USER_PASSWORD"); p != "" {
		return []byte(p), nil
	}
	f, ok := a.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, withHint(errors.New("no password given"), "set CASEFILE_USER_PASSWORD, or run the command on a terminal to be asked")
	}
	fmt.Fprint(a.err, "Password for the new user: ")
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.err)
	if err != nil {
		return nil, err
	}
	fmt.Fprint(a.err, "Repeat it: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.err)
	if err != nil {
		return nil, err
	}
	if string(p) != string(p2) {
		return nil, errors.New("the passwords differ")
	}
	return p, nil
}
