package evidence

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a C2SP tlog-checkpoint: the log's origin, its size and the
// RFC 6962 root hash of its entries.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   tlog.Hash
	// Extension holds the optional extension lines after the root, each
	// non-empty and ending in a newline. Casefile writes none.
	Extension string
}

// maxCheckpoint bounds a signed checkpoint note.
const maxCheckpoint = 16 << 10

// Body returns the checkpoint body: "origin\nsize\nbase64(root)\n" and
// the extension lines, if any.
func (c Checkpoint) Body() string {
	return fmt.Sprintf("%s\n%d\n%s\n%s", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]), c.Extension)
}

// ParseCheckpoint reads a checkpoint body strictly, as C2SP tlog-checkpoint
// defines it: origin, size and root lines, then optional non-empty
// extension lines, every line ending in a newline.
func ParseCheckpoint(body string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(body, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return c, errors.New("checkpoint: want origin, size and root lines, each ending in a newline")
	}
	for _, l := range lines[3 : len(lines)-1] {
		if l == "" {
			return c, errors.New("checkpoint: empty extension line")
		}
	}
	if lines[0] == "" {
		return c, errors.New("checkpoint: empty origin")
	}
	n, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != lines[1] {
		return c, fmt.Errorf("checkpoint: bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != len(c.Root) || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return c, fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	c.Origin, c.Size = lines[0], n
	c.Extension = strings.Join(lines[3:], "\n")
	copy(c.Root[:], root)
	return c, nil
}

// SignCheckpoint returns c as a C2SP signed note.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Body()}, s)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint verifies a signed checkpoint note with v and parses it.
// The origin must equal the verifier's name.
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if len(msg) > maxCheckpoint {
		return Checkpoint{}, errors.New("checkpoint: too large")
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return c, err
	}
	if c.Origin != v.Name() {
		return c, fmt.Errorf("checkpoint origin %q is not this case's %q", c.Origin, v.Name())
	}
	return c, nil
}
