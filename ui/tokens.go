package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
)

// Token lifetimes.
const (
	DefaultTokenTTL = 30 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
	tokenIDLen      = 12 // hex digits of the token's SHA-256 shown as its id
)

// ErrNoToken is returned for a token id no token has.
var ErrNoToken = errors.New("no such token")

// Token is an API token as stored (under t/ and its SHA-256) and listed.
// The token itself is shown once and never stored.
type Token struct {
	User    string `json:"user"`
	ID      string `json:"id"` // first 12 hex digits of the SHA-256, named in every entry made with it
	Created string `json:"created"`
	Expires string `json:"expires,omitempty"` // RFC 3339; empty only in cases made before tokens expired
	Revoked string `json:"revoked,omitempty"` // RFC 3339 time of the user.token_revoked entry
}

// State says whether the token is "active", "expired" or "revoked" at now.
func (t *Token) State(now time.Time) string {
	switch {
	case t.Revoked != "":
		return "revoked"
	case !t.usable(now):
		return "expired"
	}
	return "active"
}

// usable reports whether the token may authenticate at now.
func (t *Token) usable(now time.Time) bool {
	if t.Revoked != "" || t.Expires == "" {
		return false
	}
	exp, err := time.Parse(time.RFC3339, t.Expires)
	return err == nil && now.Before(exp)
}

// NewToken creates an API token for the user name, valid for ttl (0 means
// DefaultTokenTTL), and records user.token_created with its id, the SHA-256
// it is stored under and its expiry. Who may make a token for whom is the
// caller's decision: the workbench makes them only for the user asking, the
// command line (holding the case key) for anyone. The token is returned
// once; only its SHA-256 is stored.
func NewToken(ctx context.Context, c *evidence.Case, actor, name string, ttl time.Duration) (string, *Token, error) {
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < time.Minute || ttl > MaxTokenTTL {
		return "", nil, fmt.Errorf("token lifetime %s: between a minute and %d days", ttl, int(MaxTokenTTL.Hours()/24))
	}
	u, err := lookupUser(c, name)
	if err != nil {
		return "", nil, err
	}
	var raw [32]byte
	rand.Read(raw[:])
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	h := tokenHash(tok)
	now := time.Now().UTC()
	rec := Token{User: u.Name, ID: h[:tokenIDLen], Created: now.Format(time.RFC3339), Expires: now.Add(ttl).Format(time.RFC3339)}
	b, _ := json.Marshal(rec)
	_, err = c.AppendAtomic(ctx, []evidence.Op{{Key: []byte(prefixToken + h), Value: b}}, evidence.Draft{
		Kind: KindUserToken, Actor: actor,
		Payload: map[string]string{"user": u.Name, "role": u.Role, "token_id": rec.ID, "token_sha256": h, "expires": rec.Expires},
	})
	if err != nil {
		return "", nil, fmt.Errorf("new token for %q: %w", name, err)
	}
	return tok, &rec, nil
}

// RevokeToken ends the token with the given id (or the unique token whose
// id starts with it, at least 6 hex digits) and records user.token_revoked.
func RevokeToken(ctx context.Context, c *evidence.Case, actor, id string) (*Token, error) {
	h, rec, err := findToken(c, id)
	if err != nil {
		return nil, err
	}
	if rec.Revoked != "" {
		return rec, fmt.Errorf("token %s of %s: already revoked at %s", rec.ID, rec.User, rec.Revoked)
	}
	rec.Revoked = time.Now().UTC().Format(time.RFC3339)
	b, _ := json.Marshal(rec)
	_, err = c.AppendAtomic(ctx, []evidence.Op{{Key: []byte(prefixToken + h), Value: b}}, evidence.Draft{
		Kind: KindUserTokenRevoked, Actor: actor,
		Payload: map[string]string{"user": rec.User, "token_id": rec.ID, "token_sha256": h},
	})
	if err != nil {
		return nil, fmt.Errorf("revoke token %s: %w", rec.ID, err)
	}
	return rec, nil
}

// findToken returns the stored token whose id starts with id.
func findToken(c *evidence.Case, id string) (string, *Token, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 6 || len(id) > 64 {
		return "", nil, fmt.Errorf("token id %q: give at least 6 hex digits: %w", id, ErrNoToken)
	}
	if strings.Trim(id, "0123456789abcdef") != "" {
		return "", nil, fmt.Errorf("token id %q: not hex: %w", id, ErrNoToken)
	}
	var hash string
	var found *Token
	n := 0
	err := c.Derived().Scan([]byte(prefixToken+id), nil, func(k, v []byte) error {
		var t Token
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("token record: %w", err)
		}
		hash, found = string(k[len(prefixToken):]), &t
		n++
		return nil
	})
	switch {
	case err != nil:
		return "", nil, err
	case n == 0:
		return "", nil, fmt.Errorf("token %s: %w", id, ErrNoToken)
	case n > 1:
		return "", nil, fmt.Errorf("token id %s is the start of %d tokens; give more digits", id, n)
	}
	return hash, found, nil
}

// Tokens lists every token of the case (expired and revoked ones too),
// newest first.
func Tokens(c *evidence.Case) ([]Token, error) {
	out, err := records[Token](c, prefixToken, "token")
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created > out[j].Created })
	return out, err
}

func tokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// lookupToken returns the user an API token belongs to and the token, when
// it is neither expired nor revoked.
func lookupToken(c *evidence.Case, tok string, now time.Time) (*User, *Token, error) {
	if !strings.HasPrefix(tok, tokenPrefix) || len(tok) > 100 {
		return nil, nil, ErrNoToken
	}
	v, err := c.Derived().Get([]byte(prefixToken + tokenHash(tok)))
	if err != nil {
		return nil, nil, ErrNoToken
	}
	var rec Token
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, nil, err
	}
	if !rec.usable(now) {
		return nil, nil, ErrNoToken
	}
	u, err := lookupUser(c, rec.User)
	if err == nil && u.Disabled != "" {
		return nil, nil, ErrNoToken // a disabled user's tokens stop with them
	}
	return u, &rec, err
}
