package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algCosignatureV1 is the signed-note key type of Ed25519 cosignatures.
const algCosignatureV1 = 4

// Verifier checks C2SP tlog-cosignature/v1 (Ed25519) cosignatures. The
// signer side is filippo.io/torchwood's CosignatureSigner; torchwood v0.6.1
// cannot build a verifier from a vkey, so this is that verifier.
type Verifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	vkey string
}

// NewVerifier parses a cosigner vkey: name+hash+base64(0x04 || key).
func NewVerifier(vkey string) (*Verifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validName(name) || len(hash16) != 8 {
		return nil, fmt.Errorf("witness key %q: not a name+hash+key vkey", vkey)
	}
	hash, err1 := strconv.ParseUint(hash16, 16, 32)
	key, err2 := base64.StdEncoding.DecodeString(key64)
	if err1 != nil || err2 != nil || len(key) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("witness key %q: malformed", vkey)
	}
	if key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("witness key %q: type %d is not an Ed25519 cosignature key (type 4)", vkey, key[0])
	}
	if uint32(hash) != keyHash(name, key) {
		return nil, fmt.Errorf("witness key %q: key hash does not match", vkey)
	}
	return &Verifier{name: name, hash: uint32(hash), key: ed25519.PublicKey(key[1:]), vkey: vkey}, nil
}

var _ note.Verifier = (*Verifier)(nil)

func (v *Verifier) Name() string    { return v.name }
func (v *Verifier) KeyHash() uint32 { return v.hash }
func (v *Verifier) String() string  { return v.vkey }

// Verify checks sig = timestamp (BE64) || Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || the checkpoint note text.
func (v *Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.key, signedMessage(t, msg), sig[8:])
}

func signedMessage(t uint64, msg []byte) []byte {
	return append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
}

func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// Cosignature is one verified cosignature.
type Cosignature struct {
	Witness string `json:"witness"` // the witness key name
	Size    uint64 `json:"size"`
	Time    int64  `json:"time"` // POSIX seconds, from the cosignature
	Line    string `json:"-"`    // the note signature line, with its newline
}

// errNoCosignature says that no line from the witness verified.
var errNoCosignature = errors.New("no valid cosignature from the witness")

// openCosignature checks that sigLines hold a cosignature by w on the
// signed checkpoint ck (verified with the case's key) and returns it.
func openCosignature(ck []byte, sigLines []byte, caseKey note.Verifier, w *Verifier) (Cosignature, error) {
	msg := append(append([]byte(nil), ck...), sigLines...)
	n, err := note.Open(msg, note.VerifierList(caseKey, w))
	if err != nil {
		return Cosignature{}, fmt.Errorf("%w: %v", errNoCosignature, err)
	}
	for _, s := range n.Sigs {
		if s.Name != w.name || s.Hash != w.hash {
			continue
		}
		raw, _ := base64.StdEncoding.DecodeString(s.Base64)
		if len(raw) < 12 {
			break
		}
		return Cosignature{Witness: w.name, Time: int64(binary.BigEndian.Uint64(raw[4:])), Line: "— " + s.Name + " " + s.Base64 + "\n"}, nil
	}
	return Cosignature{}, errNoCosignature
}
