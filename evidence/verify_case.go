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

// LayoutChecker is a Chunks store that can check its own files beyond the
// chunks it indexes (pack files: bytes outside any indexed record).
type LayoutChecker interface {
	CheckLayout(problem func(where, detail string)) error
}

// ValueChecker is a Backend that keeps values in files of its own (Op.Bulk)
// and can check them beyond the values read: every record well-formed, no
// stray file. The values themselves are checked where they are read (the
// derived data's verification recomputes them from the artefacts).
type ValueChecker interface {
	CheckValues(problem func(where, detail string)) error
}

// Discarder is a Chunks store that can take back chunks put by an ingest
// that then failed: each sum gives back one Put made since the last Sync,
// and bytes no Put waits for any more are removed where possible.
type Discarder interface {
	Discard(sums [][32]byte) error
}

// TrustedCheckpoint is a checkpoint the examiner kept outside the case (a
// signed note they saved, or a size and root they wrote down): verification
// proves the stored log extends it.
type TrustedCheckpoint struct {
	Origin string    // empty when only size and root were written down
	Size   uint64    `json:"size"`
	Root   tlog.Hash `json:"-"`
	// Note is the signed note it came from, nil for SIZE:ROOT.
	Note []byte `json:"-"`
}

// ParseTrustedCheckpoint reads "SIZE:BASE64ROOT" as written down by an
// examiner.
func ParseTrustedCheckpoint(s string) (TrustedCheckpoint, error) {
	var t TrustedCheckpoint
	size, root, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseUint(size, 10, 64)
	if !ok || err != nil || n == 0 || strconv.FormatUint(n, 10) != size {
		return t, fmt.Errorf("checkpoint %q: want SIZE:ROOT (a tree size and its base64 root hash)", s)
	}
	raw, err := base64.StdEncoding.DecodeString(root)
	if err != nil || len(raw) != len(t.Root) {
		return t, fmt.Errorf("checkpoint %q: the root is not a base64 SHA-256 hash", s)
	}
	t.Size = n
	copy(t.Root[:], raw)
	return t, nil
}

// ParseTrustedCheckpointNote reads a checkpoint file: a signed note as
// exported, witnessed or timestamped, or its bare body. The signature is
// checked later, by Verify, against the case key.
func ParseTrustedCheckpointNote(msg []byte) (TrustedCheckpoint, error) {
	if len(msg) > maxCheckpoint {
		return TrustedCheckpoint{}, errors.New("checkpoint file: too large")
	}
	body := string(msg)
	if i := strings.Index(body, "\n\n"); i >= 0 {
		body = body[:i+1]
	}
	c, err := ParseCheckpoint(body)
	if err != nil {
		return TrustedCheckpoint{}, fmt.Errorf("checkpoint file: %w", err)
	}
	if c.Size == 0 {
		return TrustedCheckpoint{}, errors.New("checkpoint file: size 0 proves nothing")
	}
	t := TrustedCheckpoint{Origin: c.Origin, Size: c.Size, Root: c.Root}
	if len(body) < len(msg) {
		t.Note = msg
	}
	return t, nil
}

// TrustedReport says how the log relates to a trusted checkpoint.
type TrustedReport struct {
	Size       uint64 `json:"size"`
	Root       string `json:"root"`
	Extended   bool   `json:"extended"`            // the log's first Size entries hash to Root
	Signed     bool   `json:"signed_by_case_key"`  // the note's signature checked with the case key
	Consistent bool   `json:"consistency_checked"` // an RFC 6962 consistency proof to the latest checkpoint checked
}

// CaseExpect is what the case directory says about its log, checked
// against the case.created entry.
type CaseExpect struct {
	Title, Origin, CaseID string
	// KeyFingerprint is the fingerprint of the key checkpoints are verified
	// with (public-key.pem); case.created must name the same key.
	KeyFingerprint string
}

// verifyGenesis checks that the log starts with case.created and that it
// names the key and the case the directory claims.
func (c *Case) verifyGenesis(r *Report, first *Entry, opt VerifyOptions) {
	if r.Entries == 0 {
		r.add(ProblemStore, "entries", "the store holds no entries: every case starts with %s (the log was lost or removed)", KindCaseCreated)
		return
	}
	if first == nil {
		return // entry 0 is missing or unreadable: already reported
	}
	if first.Kind != KindCaseCreated {
		r.add(ProblemEntry, "entry 0", "is %q, not %s: the log does not start where the case began", first.Kind, KindCaseCreated)
		return
	}
	var info CaseInfo
	if err := first.DecodePayload(&info); err != nil {
		r.add(ProblemEntry, "entry 0", "case.created payload unreadable: %v", err)
		return
	}
	r.CaseCreatedKey = info.KeyFingerprint
	if info.Origin != "" && info.Origin != c.verifier.Name() {
		r.add(ProblemEntry, "entry 0", "case.created names origin %q, but checkpoints are verified for %q", info.Origin, c.verifier.Name())
	}
	e := opt.Expect
	if e == nil {
		return
	}
	if e.KeyFingerprint != "" && info.KeyFingerprint != e.KeyFingerprint {
		r.add(ProblemSignature, "public-key.pem", "checkpoints are signed with key %s, but case.created names key %s: the case was re-keyed and its checkpoints re-signed", e.KeyFingerprint, info.KeyFingerprint)
	}
	if e.Title != info.Title {
		r.add(ProblemEntry, "casefile.json", "title %q differs from the title recorded in case.created (%q)", e.Title, info.Title)
	}
	if e.CaseID != "" && e.CaseID != info.CaseID {
		r.add(ProblemEntry, "casefile.json", "case id %s differs from case.created (%s)", e.CaseID, info.CaseID)
	}
	if e.Origin != "" && e.Origin != info.Origin {
		r.add(ProblemEntry, "casefile.json", "origin %q differs from case.created (%q)", e.Origin, info.Origin)
	}
}

// verifyTrusted proves that the log extends the examiner's checkpoint: the
// root recomputed from the first t.Size stored entries must be t.Root, and
// the stored tree hashes must give a consistency proof to the latest
// signed checkpoint.
func (c *Case) verifyTrusted(r *Report, t *TrustedCheckpoint, root tlog.Hash, haveRoot bool, latest *Checkpoint) {
	tr := &TrustedReport{Size: t.Size, Root: base64.StdEncoding.EncodeToString(t.Root[:])}
	r.Trusted = tr
	where := fmt.Sprintf("trusted checkpoint %d", t.Size)
	if t.Origin != "" && t.Origin != c.verifier.Name() {
		r.add(ProblemCheckpoint, where, "is for log %q, not this case (%q)", t.Origin, c.verifier.Name())
		return
	}
	if t.Note != nil {
		if _, err := OpenCheckpoint(t.Note, c.verifier); err != nil {
			var un *note.UnverifiedNoteError
			if errors.As(err, &un) {
				r.add(ProblemSignature, where, "is not signed by the key in public-key.pem: the case was re-keyed, or the checkpoint belongs to another case")
			} else {
				r.add(ProblemSignature, where, "%v", err)
			}
		} else {
			tr.Signed = true
		}
	}
	switch {
	case t.Size > r.Entries:
		r.add(ProblemCheckpoint, where, "covers %d entries but the log holds only %d: entries %d to %d were removed (the log was shortened)", t.Size, r.Entries, r.Entries, t.Size-1)
		return
	case !haveRoot:
		r.add(ProblemCheckpoint, where, "no root could be recomputed for size %d: the stored entries are damaged", t.Size)
		return
	case root != t.Root:
		r.add(ProblemCheckpoint, where, "the first %d stored entries hash to %s, not to the trusted root: the log was rewritten (a fork) before entry %d", t.Size, base64.StdEncoding.EncodeToString(root[:]), t.Size)
		return
	}
	tr.Extended = true
	if latest == nil || latest.Size < t.Size {
		return
	}
	p, err := tlog.ProveTree(int64(latest.Size), int64(t.Size), hashReader{c.b})
	if err == nil {
		err = tlog.CheckTree(p, int64(latest.Size), latest.Root, int64(t.Size), t.Root)
	}
	if err != nil {
		r.add(ProblemCheckpoint, where, "no valid consistency proof to the latest checkpoint (size %d): %v", latest.Size, err)
		return
	}
	tr.Consistent = true
}

// unproven lists what a verification without a trusted checkpoint cannot
// establish from the case directory alone.
func (r *Report) unproven() []string {
	var u []string
	if r.Trusted == nil {
		u = append(u,
			"that no entries were removed from the end of the log together with their checkpoints and derived data (give a checkpoint kept elsewhere: --checkpoint FILE or SIZE:ROOT)",
			"that the whole log was not rewritten and re-signed by whoever holds the case key, or with a new key whose fingerprint case.created was changed to name (compare the key fingerprint with the one written down at init)")
	} else {
		u = append(u, fmt.Sprintf("that entries after the trusted checkpoint (size %d) were not removed or rewritten by whoever holds the case key: only that key vouches for them", r.Trusted.Size))
	}
	return u
}
