package export

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
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
// A consistency proof uses the same layout with its own header:
//
//	casefile.invalid/tlog-consistency@v1
//	old <size>
//	new <size>
//	<base64 hash>… (RFC 6962 consistency proof)
//
//	<the signed checkpoint of the old size, verbatim>
const (
	proofHeader       = "c2sp.org/tlog-proof@v1"
	consistencyHeader = "casefile.invalid/tlog-consistency@v1"
	maxProofHashes    = 128
	maxProofFile      = 64 << 10
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

func encodeConsistency(old, new uint64, p tlog.TreeProof, oldCk []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nold %d\nnew %d\n", consistencyHeader, old, new)
	encodeHashes(&b, p)
	b.WriteByte('\n')
	b.Write(oldCk)
	return b.Bytes()
}

// splitProof reads the header lines named in keys (in order), the hashes,
// and returns the checkpoint after the blank line. It accepts only the
// canonical form.
func splitProof(data []byte, header string, keys ...string) ([]uint64, []tlog.Hash, []byte, error) {
	if len(data) > maxProofFile {
		return nil, nil, nil, errors.New("proof file too large")
	}
	head, ck, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil, nil, nil, errors.New("no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 1+len(keys) || lines[0] != header {
		return nil, nil, nil, fmt.Errorf("not a %s proof", header)
	}
	var nums []uint64
	for i, k := range keys {
		v, ok := strings.CutPrefix(lines[1+i], k+" ")
		n, err := strconv.ParseUint(v, 10, 64)
		if !ok || err != nil || strconv.FormatUint(n, 10) != v {
			return nil, nil, nil, fmt.Errorf("bad %q line", k)
		}
		nums = append(nums, n)
	}
	rest := lines[1+len(keys):]
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

func parseConsistency(data []byte) (old, new uint64, p tlog.TreeProof, ck []byte, err error) {
	nums, hs, ck, err := splitProof(data, consistencyHeader, "old", "new")
	if err != nil {
		return 0, 0, nil, nil, err
	}
	return nums[0], nums[1], hs, ck, nil
}

func proofPath(index uint64) string { return fmt.Sprintf("proofs/entry-%d.tlog-proof", index) }

func consistencyPath(old, new uint64) string {
	return fmt.Sprintf("proofs/consistency-%d-%d.txt", old, new)
}
