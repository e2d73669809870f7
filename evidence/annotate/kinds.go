package annotate

import (
	"context"
	"errors"

	"github.com/casefile/casefile/evidence"
)

// Entry kinds written by this package.
const (
	// KindMark records a tag, a star or a comment on one target.
	KindMark = "annotation.added"
	// KindNote records a case note, or a new version of one (Supersedes).
	KindNote = "note.written"
	// KindIOC puts an indicator on the curated list, or changes its TLP or
	// comment (Supersedes names the listing it replaces).
	KindIOC = "ioc.listed"
	// KindWithdrawn withdraws an earlier annotation entry: a tag, star or
	// comment, a note, or an indicator from the list.
	KindWithdrawn = "annotation.withdrawn"
)

// Mark types.
const (
	MarkTag     = "tag"
	MarkStar    = "star"
	MarkComment = "comment"
)

// ErrRefused is returned (wrapped) for an annotation that cannot be
// recorded as asked: an empty or too long text, an unknown target, a tag
// already there, a withdrawal of something that is not current. Callers
// treat it as the user's mistake (exit 2, HTTP 400).
var ErrRefused = errors.New("annotation refused")

// MarkPayload is the payload of an annotation.added entry.
type MarkPayload struct {
	Target     string `json:"target"`
	TargetType string `json:"target_type"`
	Offset     int64  `json:"offset,omitempty"` // an event's byte offset, when known besides its line
	Mark       string `json:"mark"`             // tag, star or comment
	Tag        string `json:"tag,omitempty"`
	Text       string `json:"text,omitempty"`
	Summary    string `json:"summary"`
}

// NotePayload is the payload of a note.written entry.
type NotePayload struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"` // Markdown
	Cites      []string `json:"cites,omitempty"`
	ForReport  bool     `json:"for_report,omitempty"`
	Supersedes uint64   `json:"supersedes,omitempty"` // the version it replaces (0: a new note)
	Summary    string   `json:"summary"`
}

// IOCPayload is the payload of an ioc.listed entry.
type IOCPayload struct {
	Indicator  string `json:"indicator"`
	Type       string `json:"type"`
	TLP        string `json:"tlp"`
	Comment    string `json:"comment,omitempty"`
	Supersedes uint64 `json:"supersedes,omitempty"`
	Summary    string `json:"summary"`
}

// WithdrawPayload is the payload of an annotation.withdrawn entry.
type WithdrawPayload struct {
	Supersedes uint64 `json:"supersedes"`
	What       string `json:"what"` // what is withdrawn, in words
	Summary    string `json:"summary"`
}

// Change is a validated annotation, ready to be recorded.
type Change struct {
	Kind    string
	Payload any
}

// Record appends a change as one custody entry by actor.
func Record(ctx context.Context, c *evidence.Case, actor string, ch Change) (*evidence.Entry, error) {
	es, err := c.Append(ctx, evidence.Draft{Kind: ch.Kind, Actor: actor, Payload: ch.Payload})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}
