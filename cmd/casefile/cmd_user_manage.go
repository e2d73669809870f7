package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/ui"
)

func (a *app) userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list --case DIR",
		Short: "List the users: name, role, state, last login, active tokens, full name, email",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			rows, err := ui.UserRows(h.Case, time.Now())
			if err != nil {
				return err
			}
			if a.json {
				type row struct {
					Name         string `json:"name"`
					Role         string `json:"role"`
					FullName     string `json:"full_name,omitempty"`
					Email        string `json:"email,omitempty"`
					Disabled     string `json:"disabled,omitempty"`
					LastLogin    string `json:"last_login,omitempty"`
					ActiveTokens int    `json:"active_tokens"`
					Created      string `json:"created"`
					By           string `json:"by"`
				}
				out := []row{}
				for _, u := range rows {
					r := row{Name: u.Name, Role: u.Role, FullName: u.FullName, Email: u.Email, Disabled: u.Disabled, ActiveTokens: u.ActiveTokens, Created: u.Created, By: u.By}
					if !u.LastLogin.IsZero() {
						r.LastLogin = u.LastLogin.UTC().Format(time.RFC3339)
					}
					out = append(out, r)
				}
				return json.NewEncoder(a.out).Encode(out)
			}
			for _, u := range rows {
				state, last := "active", "never"
				if u.Disabled != "" {
					state = "disabled " + u.Disabled
				}
				if !u.LastLogin.IsZero() {
					last = u.LastLogin.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(a.out, "%-16s %-8s %-29s last login %-20s  %d active tokens  %s\n", u.Name, u.Role, state, last, u.ActiveTokens, contact(u.User))
			}
			return nil
		},
	}
}

// contact is "Full Name <email>" as far as the user has them.
func contact(u ui.User) string {
	switch {
	case u.FullName != "" && u.Email != "":
		return u.FullName + " <" + u.Email + ">"
	case u.Email != "":
		return "<" + u.Email + ">"
	}
	return u.FullName
}

// userChangeCmd is a user command that changes one user: it opens the case
// for writing, runs fn and prints what it recorded.
func (a *app) userChangeCmd(use, short string, nargs int, fn func(ctx context.Context, c *evidence.Case, actor string, args []string) (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != nargs {
				return usagef("usage: casefile user %s", use)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			msg, err := fn(ctx(cmd), h.Case, a.actor(), args)
			switch {
			case errors.Is(err, ui.ErrNoUser):
				return withHint(err, "'casefile user list' lists the users")
			case errors.Is(err, ui.ErrNoToken):
				return withHint(err, "'casefile user tokens' lists the tokens and their ids")
			case err != nil:
				return err
			}
			fmt.Fprintln(a.out, msg)
			return nil
		},
	}
}

func entryMsg(what string, e *evidence.Entry) string {
	return fmt.Sprintf("%s, custody entry #%d", what, e.Index)
}

func (a *app) userDisableCmd() *cobra.Command {
	var reason string
	cmd := a.userChangeCmd("disable --case DIR NAME [--reason TEXT]", "Disable a user: no login; their sessions and tokens stop at once", 1,
		func(ctx context.Context, c *evidence.Case, actor string, args []string) (string, error) {
			e, err := ui.DisableUser(ctx, c, actor, args[0], reason)
			if err != nil {
				return "", err
			}
			return entryMsg("disabled user "+args[0], e), nil
		})
	cmd.Flags().StringVar(&reason, "reason", "", "why, recorded in the entry")
	return cmd
}

func (a *app) userEnableCmd() *cobra.Command {
	return a.userChangeCmd("enable --case DIR NAME", "Enable a disabled user again (their unexpired, unrevoked tokens work again)", 1,
		func(ctx context.Context, c *evidence.Case, actor string, args []string) (string, error) {
			e, err := ui.EnableUser(ctx, c, actor, args[0])
			if err != nil {
				return "", err
			}
			return entryMsg("enabled user "+args[0], e), nil
		})
}

func (a *app) userRoleCmd() *cobra.Command {
	return a.userChangeCmd("role --case DIR NAME admin|analyst|counsel|viewer", "Change a user's role (from their next request)", 2,
		func(ctx context.Context, c *evidence.Case, actor string, args []string) (string, error) {
			if !ui.ValidRole(args[1]) {
				return "", usagef("role %q: want admin, analyst, counsel or viewer", args[1])
			}
			e, err := ui.SetRole(ctx, c, actor, args[0], args[1])
			if err != nil {
				return "", err
			}
			return entryMsg("user "+args[0]+" is now "+args[1], e), nil
		})
}

func (a *app) userRevokeCmd() *cobra.Command {
	var all string
	cmd := &cobra.Command{
		Use:   "revoke --case DIR (ID | --all NAME)",
		Short: "Revoke an API token by its id, or every active token of a user",
		RunE: func(cmd *cobra.Command, args []string) error {
			if (all == "") == (len(args) == 0) || len(args) > 1 {
				return usagef("user revoke takes one token ID, or --all NAME")
			}
			if all == "" {
				return a.userRevokeTokenCmd().RunE(cmd, args)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			ts, err := ui.RevokeUserTokens(ctx(cmd), h.Case, a.actor(), all)
			if errors.Is(err, ui.ErrNoUser) {
				return withHint(err, "'casefile user list' lists the users")
			}
			for _, t := range ts {
				fmt.Fprintf(a.out, "revoked token %s of %s\n", t.ID, t.User)
			}
			if err == nil && len(ts) == 0 {
				fmt.Fprintf(a.out, "%s has no active token\n", all)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&all, "all", "", "revoke every active token of this user")
	return cmd
}
