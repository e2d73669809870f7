package export

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// checkConsistency checks the consistency proof file n against the
// package's checkpoint. It returns the proof and, when the package holds
// the signed checkpoint of the old size, that checkpoint with the proof
// checked against it (nil: the proof can only be checked against a
// checkpoint the recipient holds).
func checkConsistency(pk *reader, n string, v note.Verifier, ck evidence.Checkpoint, ckMsg []byte) (consistency, *evidence.Checkpoint, error) {
	c, err := parseConsistency(pk.files[n].data)
	if err != nil {
		return c, nil, err
	}
	oldMsg := c.OldCk
	if c.NewCk != nil {
		if !bytes.Equal(c.NewCk, ckMsg) {
			return c, nil, errors.New("extends another checkpoint than checkpoint.txt")
		}
		c.New = ck.Size
		if f := pk.files[checkpointPath(c.Old)]; f != nil {
			oldMsg = f.data
		}
	}
	if c.New != ck.Size || c.Old == 0 || c.Old >= c.New || n != consistencyPath(c.Old, c.New) {
		return c, nil, fmt.Errorf("sizes %d → %d do not match the checkpoints", c.Old, c.New)
	}
	if oldMsg == nil {
		return c, nil, nil
	}
	oldCk, err := evidence.OpenCheckpoint(oldMsg, v)
	switch {
	case err != nil:
		return c, nil, fmt.Errorf("earlier checkpoint: %w", err)
	case oldCk.Size != c.Old:
		return c, nil, fmt.Errorf("the earlier checkpoint has size %d, the proof starts at %d", oldCk.Size, c.Old)
	case tlog.CheckTree(c.Proof, int64(c.New), ck.Root, int64(c.Old), oldCk.Root) != nil:
		return c, nil, fmt.Errorf("the log at checkpoint %d is not a prefix of this one", c.Old)
	}
	return c, &oldCk, nil
}

// verifyConsistencyProofs checks every consistency proof of the package:
// those from a checkpoint it holds signed go to w.Consistent, the others
// to w.Provable. All are kept in r for CheckHeld.
func verifyConsistencyProofs(r *Report, w *WitnessingReport, pk *reader, v note.Verifier, ck evidence.Checkpoint, ckMsg []byte) {
	r.held = &heldContext{ck: ck, v: v, proofs: map[uint64]tlog.TreeProof{}}
	var names []string
	for n := range pk.files {
		if consistencyRE.MatchString(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c, oldCk, err := checkConsistency(pk, n, v, ck, ckMsg)
		switch {
		case err != nil:
			r.add(ProblemProof, n, "%v", err)
			continue
		case oldCk != nil:
			w.Consistent = append(w.Consistent, c.Old)
		default:
			w.Provable = append(w.Provable, c.Old)
		}
		r.held.proofs[c.Old] = c.Proof
	}
	sort.Slice(w.Consistent, func(i, j int) bool { return w.Consistent[i] < w.Consistent[j] })
	sort.Slice(w.Provable, func(i, j int) bool { return w.Provable[i] < w.Provable[j] })
}

// heldContext is what CheckHeld needs of a verified package.
type heldContext struct {
	ck     evidence.Checkpoint
	v      note.Verifier
	proofs map[uint64]tlog.TreeProof // by old size
}

// HeldReport says how the package's checkpoint relates to a checkpoint
// the recipient holds.
type HeldReport struct {
	Size    uint64 `json:"size"`
	Root    string `json:"root"`
	Extends bool   `json:"extended"`
}

// CheckHeld checks that the verified package's checkpoint extends t, a
// checkpoint the recipient holds (an earlier package's, or written down as
// SIZE:ROOT), with the consistency proofs of the package. A checkpoint it
// does not provably extend is a problem of r: the package cannot prove it,
// or the log was rewritten.
func (r *Report) CheckHeld(t evidence.TrustedCheckpoint) {
	where := fmt.Sprintf("checkpoint %d you hold", t.Size)
	h := HeldReport{Size: t.Size, Root: t.Root.String()}
	defer func() {
		r.Held = append(r.Held, h)
		r.OK = r.OK && h.Extends
	}()
	if r.held == nil {
		r.add(ProblemProof, where, "cannot be checked: the package's own checkpoint did not verify")
		return
	}
	ck := r.held.ck
	if t.Origin != "" && t.Origin != ck.Origin {
		r.add(ProblemProof, where, "is of log %q, the package of %q", t.Origin, ck.Origin)
		return
	}
	if t.Note != nil {
		if _, err := evidence.OpenCheckpoint(t.Note, r.held.v); err != nil {
			r.add(ProblemProof, where, "is not signed with the package's key: %v", err)
			return
		}
	}
	switch p, ok := r.held.proofs[t.Size]; {
	case t.Size > ck.Size:
		r.add(ProblemProof, where, "is larger than the package's checkpoint (%d entries): the package cannot extend it", ck.Size)
	case t.Size == ck.Size:
		if t.Root != ck.Root {
			r.add(ProblemProof, where, "has another root than the package's checkpoint of the same size: the log was rewritten")
			return
		}
		h.Extends = true
	case !ok:
		r.add(ProblemProof, where, "no consistency proof from size %d in the package (ask for one: casefile export --consistency-from %d)", t.Size, t.Size)
	case tlog.CheckTree(p, int64(ck.Size), ck.Root, int64(t.Size), t.Root) != nil:
		r.add(ProblemProof, where, "is not a prefix of the package's checkpoint (%d entries): the log was rewritten or forked", ck.Size)
	default:
		h.Extends = true
	}
}
