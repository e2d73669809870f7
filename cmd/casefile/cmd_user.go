package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

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
	cmd.AddCommand(a.userListCmd(), a.userAddCmd(), a.userDisableCmd(), a.userEnableCmd(), a.userRoleCmd(), a.userTokenCmd(),
		a.userRevokeCmd(), a.userRevokeTokenCmd(), a.userTokensCmd())
	return cmd
}

func (a *app) userAddCmd() *cobra.Command {
	var role, fullName, email string
	cmd := &cobra.Command{
		Use:   "add --case DIR NAME --role admin|analyst|counsel|viewer [--full-name TEXT] [--email ADDR]",
		Short: "Create a user (password from CASEFILE_USER_PASSWORD or a prompt)",
		Long: `Create a workbench user. Roles: admin (everything, and the only role that
manages users in the workbench), analyst (everything but users), counsel (read,
verify, view content, export; never ingest or change anything), viewer
(metadata only, never content). The password is hashed with argon2id; the user.added entry in
the custody log records who added whom with which role.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("user add takes one NAME")
			}
			if !ui.ValidRole(role) {
				return usagef("--role %q: want admin, analyst, counsel or viewer", role)
			}
			if !ui.ValidName(args[0]) {
				return usagef("user name %q: use letters, digits and . _ - @ (at most 64)", args[0])
			}
			pw, err := a.userPassword()
			if err != nil {
				return err
			}
			if err := ui.PasswordProblem(args[0], pw); err != nil {
				return usagef("%v", err)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			e, err := ui.AddUserWith(ctx(cmd), h.Case, a.actor(), ui.NewUser{Name: args[0], Role: role, FullName: fullName, Email: email}, pw)
			if errors.Is(err, ui.ErrUserExists) {
				return withHint(err, "choose another name; users are never removed (disable one with 'casefile user disable')")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "added user %s (%s), custody entry #%d\n", args[0], role, e.Index)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, analyst, counsel or viewer")
	cmd.Flags().StringVar(&fullName, "full-name", "", "the user's full name, recorded with the user")
	cmd.Flags().StringVar(&email, "email", "", "the user's email address, recorded with the user")
	return cmd
}

func (a *app) userTokenCmd() *cobra.Command {
	var expires string
	cmd := &cobra.Command{
		Use:   "token --case DIR NAME [--expires 30d]",
		Short: "Print a new API token for a user (Authorization: Bearer TOKEN)",
		Long: `Print a new API token for a user. The token is shown once; only its SHA-256
is stored. It expires (--expires, in days "30d" or hours "12h"; at most 366d)
and can be revoked with 'casefile user revoke-token ID'. Every custody entry
made with it names its id. In the workbench, users make tokens only for
themselves.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("user token takes one NAME")
			}
			ttl, err := parseLifetime(expires)
			if err != nil {
				return usagef("--expires %q: %v", expires, err)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			tok, rec, err := ui.NewToken(ctx(cmd), h.Case, a.actor(), args[0], ttl)
			if errors.Is(err, ui.ErrNoUser) {
				return withHint(err, "add the user first with 'casefile user add'")
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, tok)
			fmt.Fprintf(a.err, "casefile: token %s for %s, valid until %s; shown once, only its hash is stored\n", rec.ID, rec.User, rec.Expires)
			return nil
		},
	}
	cmd.Flags().StringVar(&expires, "expires", "30d", "lifetime of the token: days (30d) or hours (12h), at most 366d")
	return cmd
}

// parseLifetime reads "30d" or "12h" (or any Go duration).
func parseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 1 || d > 366 {
			return 0, errors.New("want 1d to 366d")
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute || d > ui.MaxTokenTTL {
		return 0, errors.New("want days (30d) or hours (12h), from a minute to 366d")
	}
	return d, nil
}

func (a *app) userRevokeTokenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke-token --case DIR ID",
		Short: "Revoke an API token by its id (as 'user tokens' and the custody log show it)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("user revoke-token takes one token ID")
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			rec, err := ui.RevokeToken(ctx(cmd), h.Case, a.actor(), args[0])
			if errors.Is(err, ui.ErrNoToken) {
				return withHint(err, "'casefile user tokens' lists the tokens and their ids")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "revoked token %s of %s\n", rec.ID, rec.User)
			return nil
		},
	}
}

func (a *app) userTokensCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tokens --case DIR",
		Short: "List the API tokens: id, user, created, expires, state",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			ts, err := ui.Tokens(h.Case)
			if err != nil {
				return err
			}
			if a.json {
				return json.NewEncoder(a.out).Encode(ts)
			}
			now := time.Now()
			for _, t := range ts {
				state := t.State(now)
				if t.Revoked != "" {
					state += " " + t.Revoked
				}
				fmt.Fprintf(a.out, "%s  %-16s created %s  expires %-20s  %s\n", t.ID, t.User, t.Created, t.Expires, state)
			}
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
