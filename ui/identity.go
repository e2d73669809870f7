package ui

import (
	"errors"
	"fmt"
)

// Permission is what a role may do (the roles matrix, roleCan), exported
// for the command line, which runs commands through the server for users
// identified by their API token.
type Permission = perm

// Permissions, as the workbench's routes need them.
const (
	PermRead     = permRead
	PermContent  = permContent
	PermVerify   = permVerify
	PermExport   = permExport
	PermIngest   = permIngest
	PermAdmin    = permAdmin
	PermAnnotate = permAnnotate
	PermComment  = permComment
)

// RoleMay reports whether role may do what p names.
func RoleMay(role string, p Permission) bool { return roleCan(role, p) }

// Identity is a workbench user acting through an API token outside the
// browser: a command the CLI runs through the server's socket.
type Identity struct {
	User    string
	Role    string
	TokenID string
	// Actor names the user in custody entries.
	Actor string
}

// ErrTokenRefused is returned for a token that is unknown, expired,
// revoked, of a disabled user, or whose stored record the custody log
// does not back.
var ErrTokenRefused = errors.New("the workbench token is not valid for this case (unknown, expired, revoked, or its user disabled)")

// TokenIdentity returns who an API token belongs to, checked as an API
// call's token is checked.
func (s *Server) TokenIdentity(tok string) (*Identity, error) {
	u, t, err := lookupToken(s.c.Case, tok, s.now())
	if err != nil {
		return nil, ErrTokenRefused
	}
	if p := s.cat.userBound(u, tokenHash(tok), t); p != "" {
		s.log.Error("API token refused: its stored record differs from the custody log", "token", t.ID, "problem", p)
		return nil, fmt.Errorf("%w: %s", ErrTokenRefused, p)
	}
	return &Identity{User: u.Name, Role: u.Role, TokenID: t.ID,
		Actor: u.Name + " (casefile CLI through the workbench, token " + t.ID + ", " + u.Role + ")"}, nil
}

// Exclusive waits until no other writer of derived indexes (a parse run of
// an upload, a command run for the CLI) runs and returns the function that
// lets the next one in. Appends to the log need no such lock (the log
// serialises them); derived data written by two parse or enrichment runs at
// once would interleave. What the holder wrote (events, observations, a
// verdict) can change the assessment: unlocking makes it anew.
func (s *Server) Exclusive() (unlock func()) {
	release := s.intake.Exclusive()
	return func() {
		s.assess.invalidate()
		release()
	}
}
