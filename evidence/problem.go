package evidence

import (
	"errors"
	"strconv"
	"strings"
)

// Problem is one thing verification found wrong. Its JSON is the CLI
// contract (kind, where, detail); the typed fields say the same for
// programs, so that none has to read Where.
type Problem struct {
	Kind   string `json:"kind"`
	Where  string `json:"where"`
	Detail string `json:"detail"`

	Entry    *uint64 `json:"-"` // the custody entry concerned
	Artefact *Digest `json:"-"` // the artefact concerned
	Chunk    *Digest `json:"-"` // the stored chunk concerned
	Offset   *int64  `json:"-"` // the byte offset in the artefact where the damage starts, when known
	// Err is the problem's class, for errors.Is (ErrChainBroken,
	// ErrEntryMissing, ErrCheckpointMismatch, ErrContentMismatch,
	// ErrArtefactPayload, ErrArtefactSize); nil when it has none.
	Err error `json:"-"`
}

// ErrContentMismatch is the class of a problem with stored bytes that do
// not hash to their name (an artefact, a chunk).
var ErrContentMismatch = errors.New("content does not match its hash")

// Error says where and what, as the CLI does.
func (p Problem) Error() string { return p.Where + ": " + p.Detail }

// Unwrap is the problem's class: errors.Is(problem, ErrChainBroken).
func (p Problem) Unwrap() error { return p.Err }

// NewProblem returns a problem, its typed fields read from where as this
// module writes it: "entry N", "checkpoint N" (an entry count), "artefact
// sha256:…", "chunk sha256:…", and in packages "artefacts/<hex>" and
// "proofs/entry-N.tlog-proof".
func NewProblem(kind, where, detail string) Problem {
	p := Problem{Kind: kind, Where: where, Detail: detail}
	word, rest, _ := strings.Cut(where, " ")
	switch {
	case word == "entry":
		if n, err := strconv.ParseUint(rest, 10, 64); err == nil {
			p.Entry = &n
		}
	case word == "artefact" || word == "chunk":
		if d, err := ParseDigest(rest); err == nil && strings.HasPrefix(rest, "sha256:") {
			if word == "artefact" {
				p.Artefact = &d
			} else {
				p.Chunk = &d
			}
		}
	case strings.HasPrefix(where, "artefacts/"):
		if d, err := ParseDigest(strings.TrimPrefix(where, "artefacts/")); err == nil {
			p.Artefact = &d
		}
	case strings.HasPrefix(where, "proofs/entry-") && strings.HasSuffix(where, ".tlog-proof"):
		if n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(where, "proofs/entry-"), ".tlog-proof"), 10, 64); err == nil {
			p.Entry = &n
		}
	}
	return p
}
