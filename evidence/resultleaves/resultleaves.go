// Package resultleaves keeps, beside the custody log, the per-source
// leaves an assessment.recorded entry commits to only by their root
// (result_root), so that a later export can tell which sources an
// assessment changed and which it left as they were. The leaves are
// derived data: written in the same atomic batch as the entry, checked by
// verify against the entry's root, never trusted without that check.
//
// Key space: rl/<the 32-byte root> → s2(the leaves, each followed by a
// newline), or for a result of more than PartBytes of leaves s2(a manifest
// of parts) and the parts under rlp/ (parts.go). Keying by root rather
// than by entry index lets the record be written before the entry has an
// index; two entries with the same result share one record.
package resultleaves

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/evidence"
)

// kindAssessment is the kind of the entries whose leaves are kept (graph
// names it; evidence packages may not import graph).
const kindAssessment = "assessment.recorded"

var prefix = []byte("rl/")

func key(root []byte) []byte { return append(append([]byte(nil), prefix...), root...) }

// Op is the write that keeps leaves under root, to be committed with the
// entry recording root (evidence.Case.AppendAtomic). Leaves are canonical
// JSON, which holds no raw newline.
func Op(root string, leaves [][]byte) (evidence.Op, error) {
	h, err := evidence.ParseRoot(root)
	if err != nil {
		return evidence.Op{}, err
	}
	var b bytes.Buffer
	for i, l := range leaves {
		if bytes.IndexByte(l, '\n') >= 0 {
			return evidence.Op{}, fmt.Errorf("result leaf %d holds a newline", i)
		}
		b.Write(l)
		b.WriteByte('\n')
	}
	return evidence.Op{Key: key(h[:]), Value: s2.Encode(nil, b.Bytes())}, nil
}

// ErrNotKept is returned by Read for a root whose leaves are not stored.
var ErrNotKept = errors.New("the leaves of this result are not kept")

// Read returns the leaves kept for root, checked against it: a record
// that does not hash to root is an error, never leaves. Each gives them
// one at a time, for a result too large to hold.
func Read(c *evidence.Case, root string) ([][]byte, error) {
	var leaves [][]byte
	err := Each(c, root, func(l []byte) error {
		leaves = append(leaves, bytes.Clone(l))
		return nil
	})
	return leaves, err
}

// Each gives the leaves kept for root to fn in order, after checking them
// against root (so reading them twice): a record that does not hash to
// root is an error, and fn is not called.
func Each(c *evidence.Case, root string, fn func(leaf []byte) error) error {
	h, err := evidence.ParseRoot(root)
	if err != nil {
		return err
	}
	v, err := c.Derived().Get(key(h[:]))
	if errors.Is(err, evidence.ErrNotFound) {
		return ErrNotKept
	}
	if err != nil {
		return err
	}
	if got, err := rootOfKept(c, v); err != nil || got != root {
		return fmt.Errorf("the leaves kept for result_root %s are not those it commits to", root)
	}
	return each(c, v, fn)
}

// Kept reads from an assessment entry's payload its result_root and
// whether it says its leaves are kept ("", false for an entry that commits
// to no root, or was recorded before leaves were kept).
func Kept(e *evidence.Entry) (root string, kept bool, err error) {
	var p struct {
		Root string `json:"result_root"`
		Kept bool   `json:"leaves_kept"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return "", false, err
	}
	return p.Root, p.Kept && p.Root != "", nil
}

// Report says what Verify checked.
type Report struct {
	Entries int `json:"entries"` // assessment entries whose leaves are kept and were checked
}

// Verify checks every kept record against the assessment entries,
// reporting each problem through add with the entry it concerns: an entry
// that says its leaves are kept must find a record hashing to its
// result_root; a record must hash to the root it is kept under, and some
// entry must record that root. Entries recorded before leaves were kept
// say nothing of them and are not checked.
func Verify(ctx context.Context, c *evidence.Case, add func(where, detail string)) (*Report, error) {
	rep := &Report{}
	named := map[string][]uint64{} // raw root → the entries recording it
	var kept []uint64
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != kindAssessment {
			return nil
		}
		root, k, err := Kept(e)
		if err != nil || root == "" {
			return nil // the log's own verification judges the payload
		}
		h, err := evidence.ParseRoot(root)
		if err != nil {
			return nil
		}
		named[string(h[:])] = append(named[string(h[:])], e.Index)
		if k {
			kept = append(kept, e.Index)
			rep.Entries++
			ok, err := c.Derived().Has(key(h[:]))
			if err != nil {
				return err
			}
			if !ok {
				add(fmt.Sprintf("entry %d", e.Index), "the per-source leaves it says are kept are missing from the store")
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return rep, err
	}
	err = c.Derived().Scan(prefix, nil, func(k, v []byte) error {
		raw := k[len(prefix):]
		ents := named[string(raw)]
		root := base64.StdEncoding.EncodeToString(raw)
		if len(ents) == 0 {
			add("kept result leaves "+root, "no assessment entry records this result_root")
			return ctx.Err()
		}
		got, err := rootOfKept(c, v)
		if err != nil || got != root {
			why := ""
			if err != nil {
				why = " (" + err.Error() + ")"
			}
			for _, i := range ents {
				add(fmt.Sprintf("entry %d", i), "the per-source leaves kept for it are not those its result_root commits to"+why)
			}
		}
		return ctx.Err()
	})
	return rep, err
}
