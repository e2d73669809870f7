package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/digitorus/timestamp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/keys"
)

// Problem kinds of a package check, besides those of evidence.Report.
const (
	ProblemFile      = "file"
	ProblemManifest  = "manifest"
	ProblemProof     = "proof"
	ProblemTimestamp = "timestamp"
	ProblemScope     = "scope"
)

// Report is the result of Verify, in the shape of `casefile verify --json`
// plus the number of files.
type Report struct {
	evidence.Report
	Files          int    `json:"files"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	Case           string `json:"case,omitempty"`
	Timestamp      string `json:"timestamp,omitempty"` // time stated by the TSA
	Previous       uint64 `json:"previous_export,omitempty"`
	// Findings the package states, and how many of them are proven by a
	// leaf of the assessment entry (verify_leaves.go).
	Findings       int `json:"findings,omitempty"`
	FindingsProven int `json:"findings_proven,omitempty"`
	// Witnessing: cosignatures, timestamps and consistency proofs (witnessing.go).
	Witnessing *WitnessingReport `json:"witnessing,omitempty"`
	// Held: how the package's checkpoint relates to the checkpoints the
	// recipient holds (CheckHeld).
	Held []HeldReport `json:"held_checkpoints,omitempty"`
	// TrustedTimestamps names the files whose timestamp comes from an
	// authority the recipient trusts (CheckTimestampRoots).
	TrustedTimestamps []string `json:"trusted_timestamps,omitempty"`

	held   *heldContext
	stamps []packageStamp // every timestamp that verified, for CheckTimestampRoots
}

type packageStamp struct {
	file string
	ts   *timestamp.Timestamp
}

func (r *Report) add(kind, where, format string, a ...any) {
	if len(r.Problems) >= 100 {
		r.Dropped++
		return
	}
	r.Problems = append(r.Problems, evidence.NewProblem(kind, where, fmt.Sprintf(format, a...)))
}

var (
	artefactPath    = regexp.MustCompile(`^artefacts/[0-9a-f]{64}$`)
	proofPathRE     = regexp.MustCompile(`^proofs/entry-(0|[1-9][0-9]*)\.tlog-proof$`)
	consistencyRE   = regexp.MustCompile(`^proofs/consistency-[1-9][0-9]*-[1-9][0-9]*\.txt$`)
	oldCheckpointRE = regexp.MustCompile(`^proofs/checkpoint-[1-9][0-9]*\.txt$`)
	topLevelAllowed = map[string]bool{fileManifest: true, fileSig: true, fileSums: true, fileSumsSig: true, filePublicKey: true, fileEntries: true,
		fileCheckpoint: true, fileTimestamp: true, fileCase: true, fileSTIX: true, fileReport: true, fileVerify: true, fileVerifySh: true,
		fileSourcesCSV: true, fileReportJSON: true, fileTimelineCSV: true, fileAccountsCSV: true, fileExhibitsCSV: true, fileCustodyCSV: true, fileIOCsCSV: true}
)

// Verify checks a package offline: every file against the signed
// manifest, the signature, the checkpoint's signature, every entry's
// inclusion proof and the hash chain between consecutive entries, the
// artefacts against the entries that preserved them, the consistency proof
// from a previous export and the RFC 3161 timestamp when present. The
// first problem names the first bad file. The error is non-nil only when
// the package cannot be read at all or ctx is cancelled.
func Verify(ctx context.Context, p string) (*Report, error) {
	r := &Report{}
	r.Problems = []evidence.Problem{}
	walk, err := openPackage(p)
	if err != nil {
		return nil, fmt.Errorf("verify export: %w", err)
	}
	pk := newReader()
	if err := walk(ctx, pk.readSigned(ctx), pk.bad); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("verify export: %w", err)
	}
	m, pub := verifySigned(r, pk)
	if m != nil {
		listed := map[string]ManifestFile{}
		for _, f := range m.Files {
			listed[f.Path] = f
		}
		// Unsafe entries were reported by the first pass.
		if err := walk(ctx, pk.readListed(ctx, listed), func(string) {}); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return nil, fmt.Errorf("verify export: %w", err)
		}
	}
	r.Files = len(pk.files)
	r.Bytes = pk.bytes
	sig := r.Problems
	r.Problems = []evidence.Problem{}
	for _, pr := range pk.problems {
		where, detail, _ := strings.Cut(pr, ": ")
		r.add(ProblemFile, where, "%s", detail)
	}
	r.Problems = append(r.Problems, sig...)
	if m != nil {
		verifyFiles(r, pk, m, pub)
	}
	r.OK = len(r.Problems) == 0 && r.Dropped == 0
	return r, ctx.Err()
}

// verifySigned checks the signatures over manifest.json and SHA256SUMS
// and returns the manifest, or nil when it cannot be trusted.
func verifySigned(r *Report, pk *reader) (*Manifest, ed25519.PublicKey) {
	get := func(name string) *pfile {
		f := pk.files[name]
		if f == nil || f.size < 0 {
			r.add(ProblemFile, name, "missing")
			return nil
		}
		return f
	}
	mf, sigf, keyf := get(fileManifest), get(fileSig), get(filePublicKey)
	if mf == nil || sigf == nil || keyf == nil {
		return nil, nil
	}
	sums := parseSums(pk.files[fileSums])
	// The signature over the manifest. When it fails, SHA256SUMS tells
	// which of the three files changed.
	pub, err := keys.PublicKey(keyf.data)
	if err != nil {
		r.add(evidence.ProblemSignature, filePublicKey, "%v", err)
		return nil, nil
	}
	if fp, err := keys.Fingerprint(pub); err == nil {
		r.KeyFingerprint = fp
	}
	if !ed25519.Verify(pub, mf.data, sigf.data) {
		where := fileSig
		for _, n := range []string{fileManifest, fileSig, filePublicKey} {
			if s, ok := sums[n]; ok && s != pk.files[n].sum {
				where = n
				break
			}
		}
		r.add(evidence.ProblemSignature, where, "the signature in manifest.sig over manifest.json does not verify with public-key.pem")
		return nil, nil
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mf.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || (m.Format != formatVersion && m.Format != formatVersionV2 && m.Format != formatVersionV1) {
		r.add(ProblemManifest, fileManifest, "unreadable or of another format (%v)", err)
		return nil, nil
	}
	for _, f := range m.Files {
		if signedFiles[f.Path] && f.Path != filePublicKey {
			r.add(ProblemManifest, fileManifest, "lists %s, which it cannot cover", f.Path)
			return nil, nil
		}
	}
	r.Case, r.Findings = m.Case.ID, m.Findings
	return &m, pub
}

// verifyFiles checks every file against the signed manifest and
// SHA256SUMS (and its signature), then what the files say.
func verifyFiles(r *Report, pk *reader, m *Manifest, pub ed25519.PublicKey) {
	names := make([]string, 0, len(pk.files))
	for n := range pk.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, f := range m.Files {
		got := pk.files[f.Path]
		switch {
		case got == nil || got.size == -1:
			r.add(ProblemFile, f.Path, "listed in the manifest but missing")
		case got.size != f.Size || hex.EncodeToString(got.sum[:]) != f.SHA256:
			r.add(ProblemFile, f.Path, "SHA-256 %x does not match the signed manifest's %s", got.sum, f.SHA256)
		}
	}
	for _, n := range names {
		if pk.files[n].size == -2 {
			r.add(ProblemFile, n, "not listed in the signed manifest (not read)")
		}
	}
	sf := pk.files[fileSums]
	if sf == nil || sf.size < 0 {
		r.add(ProblemFile, fileSums, "missing")
	} else if !bytes.Equal(sf.data, sumsFor(m.Files, pk)) {
		r.add(ProblemFile, fileSums, "does not match the manifest")
	} else if ssf := pk.files[fileSumsSig]; m.Format == formatVersionV1 {
		if ssf != nil {
			r.add(ProblemFile, fileSumsSig, "not part of a %s package", formatVersionV1)
		}
	} else if ssf == nil || ssf.size < 0 {
		r.add(ProblemFile, fileSumsSig, "missing")
	} else if !ed25519.Verify(pub, sf.data, ssf.data) {
		r.add(evidence.ProblemSignature, fileSumsSig, "the signature in SHA256SUMS.sig over SHA256SUMS does not verify with public-key.pem")
	}
	if len(r.Problems) > 0 {
		return
	}
	verifyContent(r, pk, m, pub)
}

// verifyContent checks what the files say, once their bytes are known to
// be the signed ones.
func verifyContent(r *Report, pk *reader, m *Manifest, pub ed25519.PublicKey) {
	for n := range pk.files {
		if !topLevelAllowed[n] && !artefactPath.MatchString(n) && !proofPathRE.MatchString(n) && !consistencyRE.MatchString(n) && !oldCheckpointRE.MatchString(n) && !witnessingRE.MatchString(n) &&
			!leafPathRE.MatchString(n) && !leafProofPathRE.MatchString(n) && !leafSetPathRE.MatchString(n) {
			r.add(ProblemFile, n, "not a file a Casefile package holds")
		}
	}
	v, err := keys.Verifier(pub, m.Case.Origin)
	if err != nil {
		r.add(ProblemManifest, fileManifest, "case origin: %v", err)
		return
	}
	ckf := pk.files[fileCheckpoint]
	if ckf == nil {
		r.add(ProblemFile, fileCheckpoint, "missing")
		return
	}
	ck, err := evidence.OpenCheckpoint(ckf.data, v)
	if err != nil {
		r.add(evidence.ProblemCheckpoint, fileCheckpoint, "%v", err)
		return
	}
	if ck.Size != m.Checkpoint.Size || ck.Root.String() != m.Checkpoint.Root {
		r.add(evidence.ProblemCheckpoint, fileCheckpoint, "size %d root %s, the manifest says %d %s", ck.Size, ck.Root, m.Checkpoint.Size, m.Checkpoint.Root)
		return
	}
	r.Checkpoint = &evidence.CheckpointInfo{Size: ck.Size, Root: ck.Root.String()}
	r.Checkpoints = 1

	// Entries: canonical, in order, each proven, chained where adjacent.
	ef := pk.files[fileEntries]
	if ef == nil {
		r.add(ProblemFile, fileEntries, "missing")
		return
	}
	lines := bytes.Split(ef.data, []byte("\n"))
	if len(lines) == 0 || len(lines[len(lines)-1]) != 0 {
		r.add(evidence.ProblemEntry, fileEntries, "does not end with a newline")
		return
	}
	lines = lines[:len(lines)-1]
	if len(lines) != len(m.Entries) {
		r.add(evidence.ProblemEntry, fileEntries, "%d entries, the manifest lists %d", len(lines), len(m.Entries))
		return
	}
	claims := evidence.NewArtefactIndex() // of the entries shown
	shown := map[uint64]*evidence.Entry{}
	var prev *evidence.Entry
	for i, raw := range lines {
		e, err := evidence.ParseEntry(raw)
		if err != nil {
			r.add(evidence.ProblemEntry, fileEntries, "line %d: %v", i+1, err)
			return
		}
		if e.Index != m.Entries[i] || e.Index >= ck.Size || (prev != nil && e.Index <= prev.Index) {
			r.add(evidence.ProblemEntry, fileEntries, "line %d is entry %d: not the manifest's entry %d in a checkpoint of %d", i+1, e.Index, m.Entries[i], ck.Size)
			return
		}
		// The chain is checked where the package shows both ends of a link,
		// and at entry 0, which must name no predecessor.
		switch {
		case e.Index == 0:
			if err := evidence.CheckLink(e, [32]byte{}); err != nil {
				r.add(evidence.ProblemEntry, fileEntries, "entry 0: %v", err)
			}
		case prev != nil && e.Index == prev.Index+1:
			if evidence.CheckLink(e, prev.Hash()) != nil {
				r.add(evidence.ProblemEntry, fileEntries, "entry %d: hash chain broken after entry %d", e.Index, prev.Index)
			}
		}
		prev = e
		shown[e.Index] = e
		pp := proofPath(e.Index)
		pf := pk.files[pp]
		if pf == nil {
			r.add(ProblemProof, pp, "missing: entry %d is not proven", e.Index)
			continue
		}
		idx, proof, pck, err := parseInclusion(pf.data)
		switch {
		case err != nil:
			r.add(ProblemProof, pp, "%v", err)
		case idx != e.Index:
			r.add(ProblemProof, pp, "proves entry %d, not %d", idx, e.Index)
		case !bytes.Equal(pck, ckf.data):
			r.add(ProblemProof, pp, "is against another checkpoint than checkpoint.txt")
		default:
			if err := tlog.CheckRecord(proof, int64(ck.Size), ck.Root, int64(e.Index), e.LeafHash()); err != nil {
				r.add(ProblemProof, pp, "entry %d of entries.jsonl is not in the signed log: %v", e.Index, err)
			}
		}
		claims.Add(e) // an unreadable payload claims nothing; the size is the first entry's
	}
	r.Entries = uint64(len(lines))
	verifyWithheld(r, pk, m, ck, ckf.data)
	verifyLeaves(r, pk, m, shown)
	checkAnnotations(r, pk, m, shown)

	// Artefacts: each file must be what an included entry preserved.
	inManifest := map[string]bool{}
	for _, a := range m.Artefacts {
		inManifest[a.Path] = true
		f := pk.files[a.Path]
		var c *evidence.IndexedArtefact
		if d, err := evidence.ParseDigest(a.SHA256); err == nil && a.SHA256 == d.Hex() {
			c = claims.Get(d)
		}
		switch {
		case f == nil:
			r.add(evidence.ProblemArtefact, a.Path, "exhibit %s is missing", a.Exhibit)
		case hex.EncodeToString(f.sum[:]) != a.SHA256 || a.Path != dirArtefacts+a.SHA256:
			r.add(evidence.ProblemArtefact, a.Path, "its SHA-256 is %x, not the name it bears", f.sum)
		case c == nil:
			r.add(evidence.ProblemArtefact, a.Path, "no included custody entry preserved it")
		case c.Size() != f.size:
			r.add(evidence.ProblemArtefact, a.Path, "%d bytes, the custody entry says %d", f.size, c.Size())
		default:
			r.Artefacts++
		}
	}
	for n := range pk.files {
		if strings.HasPrefix(n, dirArtefacts) && !inManifest[n] {
			r.add(evidence.ProblemArtefact, n, "not an exhibit of the manifest")
		}
	}

	verifyScope(r, pk, m)
	if m.Previous != nil {
		r.Previous = m.Previous.CheckpointSize
		verifyConsistency(r, pk, m, v, ck, ckf.data)
	}
	verifyWitnessing(r, pk, v, ck, ckf.data)
	if m.Timestamp != nil {
		tf := pk.files[fileTimestamp]
		if tf == nil {
			r.add(ProblemTimestamp, fileTimestamp, "missing")
		} else if ts, err := checkTimestamp(tf.data, ckf.data); err != nil {
			r.add(ProblemTimestamp, fileTimestamp, "%v", err)
		} else {
			r.Timestamp = ts.Time.UTC().Format("2006-01-02T15:04:05Z")
			r.stamps = append(r.stamps, packageStamp{fileTimestamp, ts})
		}
	}
}

// verifyScope checks that the STIX bundle of a selective package speaks
// of its selected sources only.
func verifyScope(r *Report, pk *reader, m *Manifest) {
	f := pk.files[fileSTIX]
	if m.Export.Complete || m.Format == formatVersionV1 || f == nil {
		return
	}
	in := map[string]bool{}
	for _, s := range m.Export.Sources {
		in[strings.ToLower(s)] = true
	}
	var b struct {
		Objects []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(f.data, &b); err != nil {
		r.add(ProblemScope, fileSTIX, "unreadable: %v", err)
		return
	}
	for _, o := range b.Objects {
		switch o.Type {
		case "ipv4-addr", "ipv6-addr", "domain-name", "url":
			if !in[strings.ToLower(o.Value)] {
				r.add(ProblemScope, fileSTIX, "names %s, a source outside the package's selection", o.Value)
				return
			}
		}
	}
}

// verifyWithheld checks the proof of each entry the package proves without
// showing it.
func verifyWithheld(r *Report, pk *reader, m *Manifest, ck evidence.Checkpoint, ckMsg []byte) {
	shown := map[uint64]bool{}
	for _, i := range m.Entries {
		shown[i] = true
	}
	if m.Assessment != nil && !shown[*m.Assessment] {
		r.add(ProblemManifest, fileManifest, "the assessment entry %d is not in entries.jsonl", *m.Assessment)
	}
	for _, w := range m.Withheld {
		pp := proofPath(w.Index)
		raw, err := base64.StdEncoding.DecodeString(w.LeafHash)
		if err != nil || len(raw) != len(tlog.Hash{}) || w.Index >= ck.Size || shown[w.Index] {
			r.add(ProblemManifest, fileManifest, "withheld entry %d: bad leaf hash, index or duplicate", w.Index)
			continue
		}
		pf := pk.files[pp]
		if pf == nil {
			r.add(ProblemProof, pp, "missing: withheld entry %d is not proven", w.Index)
			continue
		}
		idx, proof, pck, err := parseInclusion(pf.data)
		switch {
		case err != nil:
			r.add(ProblemProof, pp, "%v", err)
		case idx != w.Index:
			r.add(ProblemProof, pp, "proves entry %d, not %d", idx, w.Index)
		case !bytes.Equal(pck, ckMsg):
			r.add(ProblemProof, pp, "is against another checkpoint than checkpoint.txt")
		default:
			if err := tlog.CheckRecord(proof, int64(ck.Size), ck.Root, int64(w.Index), tlog.Hash(raw)); err != nil {
				r.add(ProblemProof, pp, "withheld entry %d is not in the signed log: %v", w.Index, err)
			}
		}
	}
}

func verifyConsistency(r *Report, pk *reader, m *Manifest, v note.Verifier, ck evidence.Checkpoint, ckMsg []byte) {
	pp := m.Previous.Proof
	if pk.files[pp] == nil || pp != consistencyPath(m.Previous.CheckpointSize, ck.Size) {
		r.add(ProblemProof, pp, "consistency proof missing")
		return
	}
	c, oldCk, err := checkConsistency(pk, pp, v, ck, ckMsg)
	switch {
	case err != nil:
		r.add(ProblemProof, pp, "from the previous export: %v", err)
	case c.Old != m.Previous.CheckpointSize:
		r.add(ProblemProof, pp, "proves consistency from %d, not from the previous export (%d)", c.Old, m.Previous.CheckpointSize)
	case oldCk == nil:
		r.add(ProblemProof, checkpointPath(c.Old), "missing: the previous export's signed checkpoint")
	}
}

// parseSums reads SHA256SUMS leniently (it only helps name a bad file).
func parseSums(f *pfile) map[string][32]byte {
	out := map[string][32]byte{}
	if f == nil {
		return out
	}
	for _, l := range strings.Split(string(f.data), "\n") {
		h, name, ok := strings.Cut(l, "  ")
		b, err := hex.DecodeString(h)
		if ok && err == nil && len(b) == 32 {
			out[name] = [32]byte(b)
		}
	}
	return out
}

// sumsFor is the SHA256SUMS a package with these files must hold.
func sumsFor(files []ManifestFile, pk *reader) []byte {
	all := map[string]string{}
	for _, f := range files {
		all[f.Path] = f.SHA256
	}
	for _, n := range []string{fileManifest, fileSig} {
		if f := pk.files[n]; f != nil {
			all[n] = hex.EncodeToString(f.sum[:])
		}
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", all[n], n)
	}
	return b.Bytes()
}
