package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/casefile/casefile/evidence"
)

// Roles.
const (
	RoleAnalyst = "analyst"
	RoleCounsel = "counsel"
	RoleViewer  = "viewer"
	// RoleAdmin may do what an analyst may and alone manages users in
	// the workbench (the CLI holding the case passphrase always can).
	RoleAdmin = "admin"
)

// Entry kinds this package records.
const (
	KindUserAdded        = "user.added"
	KindUserToken        = "user.token_created"
	KindUserTokenRevoked = "user.token_revoked"
	KindUserDisabled     = "user.disabled"
	KindUserEnabled      = "user.enabled"
	KindUserRoleChanged  = "user.role_changed"
	KindUserLogin        = "user.login"
	KindUserLoginFailed  = "user.login_failed"
	KindUserLogout       = "user.logout"
	KindEvidenceViewed   = "evidence.viewed"
	KindExportDownloaded = "export.downloaded"
	KindVerifyStarted    = "verify.started"
	minPasswordLen       = 12
	maxPasswordLen       = 1024
	maxUserNameLen       = 64
	tokenPrefix          = "cft_"
	prefixUser           = "u/"
	prefixToken          = "t/"
	argonTime, argonMem  = 2, 19 * 1024
	argonThreads, argonK = 1, 32
)

// ErrUserExists is returned by AddUser for a name already taken.
var ErrUserExists = errors.New("user already exists")

// ErrNoUser is returned for a name no user has.
var ErrNoUser = errors.New("no such user")

// User is a person allowed into the workbench.
type User struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Hash     string `json:"hash"` // argon2id, PHC string form
	Created  string `json:"created"`
	By       string `json:"by"`
	FullName string `json:"full_name,omitempty"`
	Email    string `json:"email,omitempty"`
	// Disabled is the time of the user.disabled entry while the user is
	// disabled: no login, no token, no session.
	Disabled string `json:"disabled,omitempty"`
}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool {
	return r == RoleAnalyst || r == RoleCounsel || r == RoleViewer || r == RoleAdmin
}

// roleList is what ValidRole accepts, for messages.
const roleList = "admin, analyst, counsel or viewer"

// NewUser describes a user to add.
type NewUser struct {
	Name, Role, FullName, Email string
}

// checkUserName accepts short names of letters, digits and . _ - @.
func checkUserName(name string) error {
	if name == "" || len(name) > maxUserNameLen {
		return fmt.Errorf("user name must be 1 to %d characters", maxUserNameLen)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)
		if !ok {
			return fmt.Errorf("user name %q: use letters, digits and . _ - @ only", name)
		}
	}
	return nil
}

// AddUser creates a user with a role and a password and records user.added
// with the role and the SHA-256 of the stored password hash (the hash itself
// is stored, never recorded in the log), so that VerifyUsers finds a record
// changed on disk.
func AddUser(ctx context.Context, c *evidence.Case, actor, name, role string, password []byte) (*evidence.Entry, error) {
	return AddUserWith(ctx, c, actor, NewUser{Name: name, Role: role}, password)
}

// AddUserWith is AddUser with the user's full name and email, which the
// entry records too.
func AddUserWith(ctx context.Context, c *evidence.Case, actor string, nu NewUser, password []byte) (*evidence.Entry, error) {
	name, role := nu.Name, nu.Role
	if err := checkUserName(name); err != nil {
		return nil, err
	}
	if !ValidRole(role) {
		return nil, fmt.Errorf("role %q: want %s", role, roleList)
	}
	if err := checkDetails(nu.FullName, nu.Email); err != nil {
		return nil, err
	}
	if err := PasswordProblem(name, password); err != nil {
		return nil, err
	}
	if _, err := lookupUser(c, name); err == nil {
		return nil, fmt.Errorf("add user %q: %w", name, ErrUserExists)
	} else if !errors.Is(err, ErrNoUser) {
		return nil, err
	}
	u := User{Name: name, Role: role, Hash: hashPassword(password), Created: time.Now().UTC().Format(time.RFC3339), By: actor,
		FullName: nu.FullName, Email: nu.Email}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	payload := map[string]string{"user": name, "role": role, "password_hash_sha256": hashDigest(u.Hash)}
	if u.FullName != "" {
		payload["full_name"] = u.FullName
	}
	if u.Email != "" {
		payload["email"] = u.Email
	}
	es, err := c.AppendAtomic(ctx, []evidence.Op{{Key: []byte(prefixUser + name), Value: b}}, evidence.Draft{
		Kind: KindUserAdded, Actor: actor, Payload: payload,
	})
	if err != nil {
		return nil, fmt.Errorf("add user %q: %w", name, err)
	}
	return es[0], nil
}

// Users lists the users of a case, by name.
func Users(c *evidence.Case) ([]User, error) {
	out, err := records[User](c, prefixUser, "user")
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

func lookupUser(c *evidence.Case, name string) (*User, error) {
	if checkUserName(name) != nil {
		return nil, ErrNoUser
	}
	v, err := c.Derived().Get([]byte(prefixUser + name))
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, ErrNoUser
	}
	if err != nil {
		return nil, err
	}
	var u User
	if err := json.Unmarshal(v, &u); err != nil {
		return nil, fmt.Errorf("user record %q: %w", name, err)
	}
	return &u, nil
}

func hashPassword(pw []byte) string {
	var salt [16]byte
	rand.Read(salt[:])
	k := argon2.IDKey(pw, salt[:], argonTime, argonMem, argonThreads, argonK)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMem, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt[:]), base64.RawStdEncoding.EncodeToString(k))
}

// checkPassword compares pw with a PHC argon2id string in constant time.
func checkPassword(phc string, pw []byte) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256<<10 || t == 0 || t > 10 || p == 0 || p > 16 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey(pw, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is compared against when a user does not exist, so that a failed
// login takes as long whether or not the name is known.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// ValidName reports whether name could be a user name.
func ValidName(name string) bool { return checkUserName(name) == nil }

// hashDigest is what user entries record of a stored password hash.
func hashDigest(phc string) string {
	sum := sha256.Sum256([]byte(phc))
	return hex.EncodeToString(sum[:])
}

// PasswordProblem says why a password is too weak for the user name, or
// returns nil: at least 12 characters, not one character repeated, not the
// name itself (nor the name repeated).
func PasswordProblem(name string, pw []byte) error {
	n := utf8.RuneCount(pw)
	switch {
	case n < minPasswordLen:
		return fmt.Errorf("password too short: %d characters, at least %d are needed", n, minPasswordLen)
	case len(pw) > maxPasswordLen:
		return fmt.Errorf("password too long: at most %d bytes", maxPasswordLen)
	case oneRune(pw):
		return errors.New("password is one character repeated; choose a phrase of several words")
	case name != "" && strings.ReplaceAll(strings.ToLower(strings.TrimSpace(string(pw))), strings.ToLower(name), "") == "":
		return errors.New("password is the user name; choose a phrase of several words")
	}
	return nil
}

func oneRune(b []byte) bool {
	first, _ := utf8.DecodeRune(b)
	for _, r := range string(b) {
		if r != first {
			return false
		}
	}
	return true
}

// records decodes every JSON record stored under prefix beside the log.
func records[T any](c *evidence.Case, prefix, what string) ([]T, error) {
	var out []T
	err := c.Derived().Scan([]byte(prefix), nil, func(_, v []byte) error {
		var r T
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%s record: %w", what, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
