// Package keys creates, stores and loads a case's signing key, and adapts it
// to the C2SP signed-note format used for checkpoints. It is the only
// package that imports sigstore.
//
// The key is Ed25519. The private key is kept encrypted at rest (scrypt and
// NaCl secretbox, sigstore's "ENCRYPTED SIGSTORE PRIVATE KEY" PEM) under a
// passphrase that never touches disk; the public key is a standard PKIX PEM
// that OpenSSL reads. Signing goes through sigstore's signature.Signer, so a
// KMS-held key can later stand in for the file key.
package keys

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"golang.org/x/mod/sumdb/note"
)

// ErrPassphraseRequired is returned when an encrypted key is loaded without
// a passphrase.
var ErrPassphraseRequired = errors.New("passphrase required")

// ErrWrongPassphrase is returned when the passphrase does not decrypt the key.
var ErrWrongPassphrase = errors.New("wrong passphrase: the private key could not be decrypted (or its encrypted part is damaged)")

// ErrDamagedKey is returned when the private key file cannot be read as an
// encrypted key at all.
var ErrDamagedKey = errors.New("the private key file is damaged or is not an encrypted Casefile key")

// WeakPassphraseError says why a new key's passphrase was refused.
type WeakPassphraseError struct{ Reason string }

func (e *WeakPassphraseError) Error() string {
	return fmt.Sprintf("passphrase too weak: %s; use at least %d characters, for example four or five unrelated words", e.Reason, MinPassphraseLen)
}

// MinPassphraseLen is the shortest passphrase a new key accepts.
const MinPassphraseLen = 12

// CheckPassphrase refuses passphrases an attacker with the encrypted key
// file would guess quickly: fewer than MinPassphraseLen characters, or fewer
// than 5 different characters ("aaaaaaaaaaaa", "abababababab").
func CheckPassphrase(p []byte) error {
	if len(p) == 0 {
		return ErrPassphraseRequired
	}
	s := string(p)
	if n := len([]rune(s)); n < MinPassphraseLen {
		return &WeakPassphraseError{fmt.Sprintf("only %d character(s)", n)}
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return &WeakPassphraseError{fmt.Sprintf("only %d different characters", len(distinct))}
	}
	return nil
}

// Generate creates a new Ed25519 key pair. The private key PEM is encrypted
// with passphrase, which must pass CheckPassphrase.
func Generate(passphrase []byte) (privPEM, pubPEM []byte, err error) {
	if err := CheckPassphrase(passphrase); err != nil {
		return nil, nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(priv, func(bool) ([]byte, error) { return passphrase, nil })
	if err != nil {
		return nil, nil, fmt.Errorf("encrypt private key: %w", err)
	}
	pubPEM, err = cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		return nil, nil, err
	}
	return cryptoutils.PEMEncode(cryptoutils.EncryptedSigstorePrivateKeyPEMType, der), pubPEM, nil
}

// PublicKey parses a PEM public key and checks that it is Ed25519.
func PublicKey(pubPEM []byte) (ed25519.PublicKey, error) {
	k, err := cryptoutils.UnmarshalPEMToPublicKey(pubPEM)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want Ed25519", k)
	}
	return pub, nil
}

// Fingerprint is "sha256:<hex>" of the key's DER SubjectPublicKeyInfo, the
// same value `openssl pkey -pubin -outform DER | sha256sum` prints.
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(s[:]), nil
}

// Signer signs checkpoints as a C2SP signed note. It implements note.Signer.
type Signer struct {
	name string
	hash uint32
	sv   signature.Signer
	pub  ed25519.PublicKey
}

// LoadSigner decrypts an encrypted private key PEM (about 0.4 s of scrypt:
// do it once per process) and returns a signer named name.
func LoadSigner(privPEM, passphrase []byte, name string) (*Signer, error) {
	if len(passphrase) == 0 && bytes.Contains(privPEM, []byte("ENCRYPTED")) {
		return nil, ErrPassphraseRequired
	}
	if b, _ := pem.Decode(privPEM); b == nil {
		return nil, fmt.Errorf("%w (no PEM block)", ErrDamagedKey)
	}
	k, err := cryptoutils.UnmarshalPEMToPrivateKey(privPEM, func(bool) ([]byte, error) { return passphrase, nil })
	if err != nil {
		if strings.Contains(err.Error(), "decrypt") {
			return nil, ErrWrongPassphrase
		}
		return nil, ErrDamagedKey
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want Ed25519", k)
	}
	sv, err := signature.LoadED25519SignerVerifier(priv)
	if err != nil {
		return nil, err
	}
	return NewSigner(sv, priv.Public().(ed25519.PublicKey), name)
}

// NewSigner adapts any sigstore signer holding an Ed25519 key (a file key, or
// a KMS key) to the signed-note format.
func NewSigner(sv signature.Signer, pub ed25519.PublicKey, name string) (*Signer, error) {
	if !validName(name) {
		return nil, fmt.Errorf("invalid key name %q", name)
	}
	return &Signer{name: name, hash: keyHash(name, pub), sv: sv, pub: pub}, nil
}

// Name implements note.Signer.
func (s *Signer) Name() string { return s.name }

// KeyHash implements note.Signer.
func (s *Signer) KeyHash() uint32 { return s.hash }

// Sign implements note.Signer.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	return s.sv.SignMessage(bytes.NewReader(msg))
}

// SignBlob signs arbitrary bytes with the case key (a raw Ed25519 signature,
// which `openssl pkeyutl -verify -rawin` checks).
func (s *Signer) SignBlob(msg []byte) ([]byte, error) { return s.Sign(msg) }

// Public returns the public key.
func (s *Signer) Public() ed25519.PublicKey { return s.pub }

// Verifier returns the note verifier for pub under name, using the signed-note
// package's own Ed25519 verification (not the signer's code).
func Verifier(pub ed25519.PublicKey, name string) (note.Verifier, error) {
	vkey, err := VerifierKey(pub, name)
	if err != nil {
		return nil, err
	}
	return note.NewVerifier(vkey)
}

// VerifierKey is the signed-note verifier key string ("name+hash+key") that
// standard tooling accepts.
func VerifierKey(pub ed25519.PublicKey, name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("invalid key name %q", name)
	}
	return note.NewEd25519VerifierKey(name, pub)
}

func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{1}) // algorithm: Ed25519
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\n+") && len(name) < 256
}
