package resultleaves

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// The leaves of a large result are kept in parts: an assessment of a
// million sources has some two gigabytes of leaves, more than one value
// of the store, or one commit, should hold. Up to PartBytes of leaves,
// rl/<root> holds them all, as it always did. Past it, each PartBytes of
// leaves is a part, rlp/<SHA-256 of the stored part> → s2(the leaves,
// each followed by a newline), written while the leaves are made, and
// rl/<root> holds, committed with the entry, s2 of a manifest: the line
// "#parts" and then the hex SHA-256 of each part, in order, one a line.
// No leaf starts with '#' (they are canonical JSON objects), so a
// manifest is never taken for leaves. A part no manifest names is left by
// a recording that did not finish: nothing reads it.

// PartBytes bounds the leaves of one part, before compression.
const PartBytes = 8 << 20

var partPrefix = []byte("rlp/")

const manifestMark = "#parts\n"

func partKey(sum []byte) []byte { return append(append([]byte(nil), partPrefix...), sum...) }

// Writer keeps the leaves of a result as they come, in leaf order, a part
// at a time, and computes their root: memory is bounded by a part, not by
// the number of sources.
type Writer struct {
	c     *evidence.Case
	buf   bytes.Buffer
	parts [][32]byte
	tree  treeHasher
}

// NewWriter begins keeping the leaves of a result in c.
func NewWriter(c *evidence.Case) *Writer { return &Writer{c: c} }

// Add keeps the next leaf (canonical JSON, which holds no raw newline).
func (w *Writer) Add(leaf []byte) error {
	if bytes.IndexByte(leaf, '\n') >= 0 || len(leaf) > 0 && leaf[0] == '#' {
		return fmt.Errorf("result leaf %d is not canonical JSON", w.tree.n)
	}
	w.tree.add(tlog.RecordHash(leaf))
	w.buf.Write(leaf)
	w.buf.WriteByte('\n')
	if w.buf.Len() >= PartBytes {
		return w.flush()
	}
	return nil
}

// flush writes the leaves gathered as a part.
func (w *Writer) flush() error {
	v := s2.Encode(nil, w.buf.Bytes())
	sum := sha256.Sum256(v)
	if err := w.c.WriteDerived([]evidence.Op{{Key: partKey(sum[:]), Value: v, Bulk: true}}, false); err != nil {
		return fmt.Errorf("keeping the result leaves: %w", err)
	}
	w.parts = append(w.parts, sum)
	w.buf.Reset()
	return nil
}

// Finish returns the root over the leaves added and the write that keeps
// them under it, to be committed with the entry recording the root
// (evidence.Case.AppendAtomic): the leaves themselves when they fit one
// part, else the manifest of the parts written.
func (w *Writer) Finish() (string, evidence.Op, error) {
	root := w.tree.root()
	if len(w.parts) == 0 {
		return evidence.EncodeRoot(root), evidence.Op{Key: key(root[:]), Value: s2.Encode(nil, w.buf.Bytes())}, nil
	}
	if w.buf.Len() > 0 {
		if err := w.flush(); err != nil {
			return "", evidence.Op{}, err
		}
	}
	var m bytes.Buffer
	m.WriteString(manifestMark)
	for _, p := range w.parts {
		m.WriteString(hex.EncodeToString(p[:]))
		m.WriteByte('\n')
	}
	return evidence.EncodeRoot(root), evidence.Op{Key: key(root[:]), Value: s2.Encode(nil, m.Bytes())}, nil
}

// each gives the leaves of a record kept under rl/ (the leaves, or a
// manifest of parts) in order.
func each(c *evidence.Case, v []byte, fn func(leaf []byte) error) error {
	raw, err := s2.Decode(nil, v)
	if err != nil {
		return fmt.Errorf("kept result leaves: %w", err)
	}
	list, ok := bytes.CutPrefix(raw, []byte(manifestMark))
	if !ok {
		return eachLeaf(raw, fn)
	}
	for i, h := range bytes.Fields(list) {
		sum, err := hex.DecodeString(string(h))
		if err != nil || len(sum) != sha256.Size {
			return fmt.Errorf("kept result leaves: part %d is misnamed in the manifest", i)
		}
		pv, err := c.Derived().Get(partKey(sum))
		if errors.Is(err, evidence.ErrNotFound) {
			return fmt.Errorf("kept result leaves: part %d (%s) is missing from the store", i, h)
		}
		if err != nil {
			return err
		}
		if got := sha256.Sum256(pv); !bytes.Equal(got[:], sum) {
			return fmt.Errorf("kept result leaves: part %d (%s) is not the part the manifest names", i, h)
		}
		part, err := s2.Decode(nil, pv)
		if err != nil {
			return fmt.Errorf("kept result leaves: part %d: %w", i, err)
		}
		if err := eachLeaf(part, fn); err != nil {
			return err
		}
	}
	return nil
}

// eachLeaf gives the leaves of raw, each followed by a newline.
func eachLeaf(raw []byte, fn func(leaf []byte) error) error {
	if len(raw) == 0 {
		return nil
	}
	if raw[len(raw)-1] != '\n' {
		return errors.New("kept result leaves: the last leaf is cut short")
	}
	for l := range bytes.SplitSeq(raw[:len(raw)-1], []byte("\n")) {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

// rootOfKept is the root over the leaves of a record kept under rl/.
func rootOfKept(c *evidence.Case, v []byte) (string, error) {
	var t treeHasher
	err := each(c, v, func(l []byte) error {
		t.add(tlog.RecordHash(l))
		return nil
	})
	if err != nil {
		return "", err
	}
	r := t.root()
	return evidence.EncodeRoot(r), nil
}

// treeHasher computes an RFC 6962 root over leaf hashes given in order,
// keeping one hash per level: the complete subtrees not yet joined, as
// evidence.LeafTree's root is computed over all of them.
type treeHasher struct {
	n     int64
	stack []tlog.Hash
}

func (t *treeHasher) add(h tlog.Hash) {
	t.stack = append(t.stack, h)
	for k := t.n; k&1 == 1; k >>= 1 {
		l := len(t.stack)
		t.stack = append(t.stack[:l-2], tlog.NodeHash(t.stack[l-2], t.stack[l-1]))
	}
	t.n++
}

func (t *treeHasher) root() tlog.Hash {
	if t.n == 0 {
		return sha256.Sum256(nil)
	}
	h := t.stack[len(t.stack)-1]
	for i := len(t.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(t.stack[i], h)
	}
	return h
}
