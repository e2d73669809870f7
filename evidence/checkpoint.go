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
}

// maxCheckpoint bounds a signed checkpoint note.
const maxCheckpoint = 16 << 10

// Body returns the checkpoint body: "origin\nsize\nbase64(root)\n".
func (c Checkpoint) Body() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint reads a checkpoint body strictly. Extension lines after
// the root are not used by Casefile and are rejected.
func ParseCheckpoint(body string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(body, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return c, errors.New("checkpoint: want exactly origin, size and root lines")
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
