package export

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// Proof file formats.
//
// An inclusion proof is a C2SP tlog-proof (https://c2sp.org/tlog-proof):
//
//	c2sp.org/tlog-proof@v1
//	index <n>
//	<base64 hash, from the leaf's sibling up to the root's child>…
//
//	<the signed checkpoint, verbatim>
//
// C2SP tlog-proof defines no consistency form. A consistency proof is
// written as the body of a C2SP tlog-witness add-checkpoint request
// (https://c2sp.org/tlog-witness), the standard text form of one:
//
//	old <size>
//	<base64 hash>… (RFC 6962 consistency proof, SHA-256)
//
//	<the signed checkpoint it extends the old size to: checkpoint.txt>
//
// The signed checkpoint of the old size, when the case signed one, is
// beside it as proofs/checkpoint-<size>.txt. Packages written before kept
// an own format, still read:
//
//	casefile.invalid/tlog-consistency@v1
//	old <size>
//	new <size>
//	<base64 hash>…
//
//	<the signed checkpoint of the old size, verbatim>
const (
	proofHeader             = "c2sp.org/tlog-proof@v1"
	legacyConsistencyHeader = "casefile.invalid/tlog-consistency@v1"
	maxProofHashes          = 128
	maxProofFile            = 64 << 10
)

func encodeHashes(b *bytes.Buffer, hs []tlog.Hash) {
	for _, h := range hs {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
}

func encodeInclusion(index uint64, p tlog.RecordProof, ck []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nindex %d\n", proofHeader, index)
	encodeHashes(&b, p)
	b.WriteByte('\n')
	b.Write(ck)
	return b.Bytes()
}

// encodeConsistency writes the proof from size old to the checkpoint
// newCk in the tlog-witness add-checkpoint form.
func encodeConsistency(old uint64, p tlog.TreeProof, newCk []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	encodeHashes(&b, p)
	b.WriteByte('\n')
	b.Write(newCk)
	return b.Bytes()
}

// splitProof reads the header line (none when header is ""), the lines
// named in keys (in order), the hashes, and returns the checkpoint after
// the blank line. It accepts only the canonical form.
func splitProof(data []byte, header string, keys ...string) ([]uint64, []tlog.Hash, []byte, error) {
	if len(data) > maxProofFile {
		return nil, nil, nil, errors.New("proof file too large")
	}
	head, ck, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil, nil, nil, errors.New("no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if header != "" {
		if lines[0] != header {
			return nil, nil, nil, fmt.Errorf("not a %s proof", header)
		}
		lines = lines[1:]
	}
	if len(lines) < len(keys) {
		return nil, nil, nil, errors.New("proof too short")
	}
	var nums []uint64
	for i, k := range keys {
		v, ok := strings.CutPrefix(lines[i], k+" ")
		n, err := strconv.ParseUint(v, 10, 64)
		if !ok || err != nil || strconv.FormatUint(n, 10) != v {
			return nil, nil, nil, fmt.Errorf("bad %q line", k)
		}
		nums = append(nums, n)
	}
	rest := lines[len(keys):]
	if len(rest) > maxProofHashes {
		return nil, nil, nil, errors.New("too many proof hashes")
	}
	hs := make([]tlog.Hash, len(rest))
	for i, l := range rest {
		raw, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(raw) != len(tlog.Hash{}) || base64.StdEncoding.EncodeToString(raw) != l {
			return nil, nil, nil, fmt.Errorf("proof hash %d is not a base64 SHA-256", i+1)
		}
		hs[i] = tlog.Hash(raw)
	}
	return nums, hs, ck, nil
}

func parseInclusion(data []byte) (uint64, tlog.RecordProof, []byte, error) {
	data, err := stripExtra(data)
	if err != nil {
		return 0, nil, nil, err
	}
	nums, hs, ck, err := splitProof(data, proofHeader, "index")
	if err != nil {
		return 0, nil, nil, err
	}
	return nums[0], hs, ck, nil
}

// consistency is a parsed consistency proof. New is 0 and NewCk the
// checkpoint it extends to (add-checkpoint form), or, in the legacy form,
// New is stated and OldCk is the old signed checkpoint.
type consistency struct {
	Old, New     uint64
	Proof        tlog.TreeProof
	OldCk, NewCk []byte
}

func parseConsistency(data []byte) (consistency, error) {
	if bytes.HasPrefix(data, []byte(legacyConsistencyHeader+"\n")) {
		nums, hs, ck, err := splitProof(data, legacyConsistencyHeader, "old", "new")
		if err != nil {
			return consistency{}, err
		}
		return consistency{Old: nums[0], New: nums[1], Proof: hs, OldCk: ck}, nil
	}
	nums, hs, ck, err := splitProof(data, "", "old")
	if err != nil {
		return consistency{}, err
	}
	return consistency{Old: nums[0], Proof: hs, NewCk: ck}, nil
}

// encode writes c back in the form it was read in.
func (c consistency) encode() []byte {
	if c.NewCk != nil {
		return encodeConsistency(c.Old, c.Proof, c.NewCk)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nold %d\nnew %d\n", legacyConsistencyHeader, c.Old, c.New)
	encodeHashes(&b, c.Proof)
	b.WriteByte('\n')
	b.Write(c.OldCk)
	return b.Bytes()
}

func proofPath(index uint64) string { return fmt.Sprintf("proofs/entry-%d.tlog-proof", index) }

func consistencyPath(old, new uint64) string {
	return fmt.Sprintf("proofs/consistency-%d-%d.txt", old, new)
}

func checkpointPath(size uint64) string { return fmt.Sprintf("proofs/checkpoint-%d.txt", size) }

// addConsistency adds a consistency proof to the package's checkpoint
// from the checkpoint of every earlier export and from every size in
// from, and the signed checkpoint of each such size the case signed one
// at. st.proved lists the sizes.
func addConsistency(c *evidence.Case, st *state, p *pkg, from []uint64) error {
	sizes, err := exportedSizes(c)
	if err != nil {
		return err
	}
	for _, s := range from {
		if s == 0 || s > st.size {
			return fmt.Errorf("export: consistency from size %d: the package's checkpoint has %d entries", s, st.size)
		}
	}
	seen := map[uint64]bool{}
	for _, s := range append(append(sizes, st.prevSize), from...) {
		if s == 0 || s >= st.size || seen[s] {
			continue
		}
		seen[s] = true
		proof, err := c.ConsistencyProof(s, st.size)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		p.add(consistencyPath(s, st.size), encodeConsistency(s, proof, st.ckMsg))
		switch ck, _, err := c.CheckpointAt(s); {
		case err == nil:
			p.add(checkpointPath(s), ck)
		case !errors.Is(err, evidence.ErrNoCheckpoint):
			return fmt.Errorf("export: %w", err)
		case s == st.prevSize:
			return fmt.Errorf("export: the previous export's %w", err)
		}
		st.proved = append(st.proved, s)
	}
	sort.Slice(st.proved, func(i, j int) bool { return st.proved[i] < st.proved[j] })
	return nil
}
