package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/keys"
)

// File names at the top of a package.
const (
	fileManifest   = "manifest.json"
	fileSig        = "manifest.sig"
	fileSums       = "SHA256SUMS"
	fileSumsSig    = "SHA256SUMS.sig"
	fileVerifySh   = "verify.sh"
	filePublicKey  = "public-key.pem"
	fileEntries    = "entries.jsonl"
	fileCheckpoint = "checkpoint.txt"
	fileTimestamp  = "checkpoint.tsr"
	fileCase       = "case.jsonld"
	fileSTIX       = "stix-bundle.json"
	fileReport     = "report.html"
	fileVerify     = "VERIFY.txt"
	dirArtefacts   = "artefacts/"
	dirProofs      = "proofs/"
)

// Manifest is manifest.json: what the package holds, signed by the case key.
type Manifest struct {
	Format     string             `json:"format"`
	Tool       string             `json:"tool"`
	Created    string             `json:"created"` // time of the checkpoint's last entry
	Case       ManifestCase       `json:"case"`
	Export     ManifestExport     `json:"export"`
	Checkpoint ManifestCheckpoint `json:"checkpoint"`
	Previous   *ManifestPrevious  `json:"previous_export,omitempty"`
	Timestamp  *ManifestTimestamp `json:"timestamp,omitempty"`
	Entries    []uint64           `json:"entries"`
	Withheld   []ManifestWithheld `json:"withheld,omitempty"`
	Assessment *uint64            `json:"assessment_entry,omitempty"`
	Leaves     []ManifestLeaf     `json:"leaves,omitempty"`
	LeafSets   []ManifestLeafSet  `json:"leaf_sets,omitempty"`
	Artefacts  []ManifestArtefact `json:"artefacts"`
	Findings   int                `json:"findings"`
	Files      []ManifestFile     `json:"files"`
}

// ManifestCase identifies the case and its key.
type ManifestCase struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	Origin         string `json:"origin"`
	KeyFingerprint string `json:"key_fingerprint"`
	KeyAlgorithm   string `json:"key_algorithm"`
}

// ManifestExport says who exported what, for whom and why.
type ManifestExport struct {
	Actor         string   `json:"actor"`
	Recipient     string   `json:"recipient"`
	Purpose       string   `json:"purpose"`
	Authorization string   `json:"authorization"`
	TLP           string   `json:"tlp"`
	Complete      bool     `json:"complete"` // the whole log up to the checkpoint
	Indicators    []string `json:"indicators"`
	Artefacts     []string `json:"artefacts_selected"`
	// Sources are the sources a selective package is about: the selected
	// indicators and those seen in the selected artefacts. Its findings,
	// STIX and CASE concern these only.
	Sources []string `json:"sources,omitempty"`
}

// ManifestWithheld is an entry a selective package proves without showing
// it: the findings cite it (or it names a selected source) but it also
// names sources outside the selection. Its RFC 6962 leaf hash (base64) is
// proven by its inclusion proof; its text can be asked for and checked
// against the hash.
type ManifestWithheld struct {
	Index    uint64 `json:"index"`
	Kind     string `json:"kind"`
	LeafHash string `json:"leaf_hash"`
	Reason   string `json:"reason"`
}

// ManifestLeaf is one leaf of an entry's per-item commitment that the
// package shows (the assessment of one of its sources), with its inclusion
// proof to the root the entry records (leaves.go).
type ManifestLeaf struct {
	Entry     uint64 `json:"entry"`
	Index     uint64 `json:"index"`
	Indicator string `json:"indicator,omitempty"`
	Path      string `json:"path"`
	Proof     string `json:"proof"`
}

// ManifestLeafSet is every leaf of an entry's per-item commitment, one a
// line (complete packages, leaves.go).
type ManifestLeafSet struct {
	Entry  uint64 `json:"entry"`
	Path   string `json:"path"`
	Leaves uint64 `json:"leaves"`
}

// ManifestCheckpoint is the checkpoint every proof is against.
type ManifestCheckpoint struct {
	File string `json:"file"`
	Size uint64 `json:"size"`
	Root string `json:"root"`
}

// ManifestPrevious names the consistency proof from the previous export.
type ManifestPrevious struct {
	CheckpointSize uint64 `json:"checkpoint_size"`
	Proof          string `json:"proof"`
}

// ManifestTimestamp names the RFC 3161 timestamp over checkpoint.txt.
type ManifestTimestamp struct {
	File      string `json:"file"`
	Authority string `json:"authority"`
}

// ManifestArtefact is one exhibit. Names are untrusted text, recorded as
// ingested (escaped as %XX where NameEscaped says so); they are never paths.
type ManifestArtefact struct {
	Exhibit     string   `json:"exhibit"`
	Path        string   `json:"path"`
	SHA256      string   `json:"sha256"`
	Size        int64    `json:"size"`
	Names       []string `json:"original_names"`
	Paths       []string `json:"original_paths,omitempty"`
	NameEscaped bool     `json:"name_escaped,omitempty"`
	Entries     []uint64 `json:"entries"`
}

// ManifestFile is one file with its hash.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// file is one file of a package: bytes in memory, or an artefact streamed
// from the store when written.
type file struct {
	path string
	data []byte
	art  *artefact
	size int64
	sum  [32]byte
}

type pkg struct {
	root        string    // top directory inside archives
	mtime       time.Time // the time written in archive headers
	files       []*file
	manifestSum string
}

func (p *pkg) add(path string, data []byte) {
	p.files = append(p.files, &file{path: path, data: data, size: int64(len(data)), sum: sha256.Sum256(data)})
}

func (p *pkg) bytes() int64 {
	var n int64
	for _, f := range p.files {
		n += f.size
	}
	return n
}

func (p *pkg) sort() {
	sort.Slice(p.files, func(i, j int) bool { return p.files[i].path < p.files[j].path })
}

// exhibit numbers artefacts in the order of the manifest.

// assemble builds every file of the package but the artefacts' bytes.
func assemble(ctx context.Context, c *evidence.Case, st *state, o Options, pub ed25519.PublicKey) (*pkg, error) {
	fp, err := keys.Fingerprint(pub)
	if err != nil {
		return nil, err
	}
	id := st.info.CaseID
	if id == "" {
		id = sha256Hex([]byte(st.info.Origin))[:32]
	}
	p := &pkg{root: fmt.Sprintf("casefile-export-%s-%d", short(id, 8), st.size), mtime: st.time.UTC().Truncate(time.Second)}
	p.add(filePublicKey, o.PublicKeyPEM)
	p.add(fileCheckpoint, st.ckMsg)

	var el bytes.Buffer
	for _, e := range st.entries {
		el.Write(e.Raw)
		el.WriteByte('\n')
		pr, err := c.InclusionProof(e.Index, st.size)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p.add(proofPath(e.Index), encodeInclusion(e.Index, pr, st.ckMsg))
	}
	p.add(fileEntries, el.Bytes())
	for _, w := range st.withheld {
		pr, err := c.InclusionProof(w.index, st.size)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p.add(proofPath(w.index), encodeInclusion(w.index, pr, st.ckMsg))
	}
	for _, l := range st.leaves {
		p.add(leafPath(l.entry, l.index), l.leaf)
		p.add(leafProofPath(l.entry, l.index), encodeLeafProof(l))
	}
	for _, s := range st.leafSets {
		p.add(leafSetPath(s.entry), s.encode())
	}
	if err := addConsistency(c, st, p, o.ConsistencyFrom); err != nil {
		return nil, err
	}
	if err := addWitnessing(ctx, c, st, p, o.HTTPClient); err != nil {
		return nil, err
	}
	var tsr []byte
	if o.TSA != "" {
		tsr, err = requestTimestamp(ctx, o.HTTPClient, o.TSA, st.ckMsg)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p.add(fileTimestamp, tsr)
	}
	for _, a := range st.artefacts {
		p.files = append(p.files, &file{path: dirArtefacts + a.digest.Hex(), art: a, size: a.size, sum: a.digest})
	}

	m := &Manifest{
		Format: formatVersion, Tool: evidence.ToolName + " " + evidence.ToolVersion, Created: stamp(st.time),
		Case: ManifestCase{ID: st.info.CaseID, Title: st.info.Title, Origin: st.ck.Origin, KeyFingerprint: fp, KeyAlgorithm: "Ed25519"},
		Export: ManifestExport{
			Actor: o.Actor, Recipient: o.Recipient, Purpose: o.Purpose, Authorization: o.Authorization, TLP: o.TLP,
			Complete: st.complete, Indicators: nonNil(st.indicators), Artefacts: selectedArtefacts(o), Sources: st.sources,
		},
		Checkpoint: ManifestCheckpoint{File: fileCheckpoint, Size: st.size, Root: st.ck.Root.String()},
		Entries:    st.included,
		Artefacts:  []ManifestArtefact{},
		Findings:   len(st.findings),
	}
	for _, w := range st.withheld {
		m.Withheld = append(m.Withheld, ManifestWithheld{Index: w.index, Kind: w.kind, LeafHash: base64.StdEncoding.EncodeToString(w.leaf[:]),
			Reason: w.reason})
	}
	if st.assessment != nil && len(st.findings) > 0 && slices.Contains(st.included, st.assessment.Index) {
		i := st.assessment.Index
		m.Assessment = &i
	}
	for _, l := range st.leaves {
		m.Leaves = append(m.Leaves, ManifestLeaf{Entry: l.entry, Index: l.index, Indicator: l.indicator,
			Path: leafPath(l.entry, l.index), Proof: leafProofPath(l.entry, l.index)})
	}
	for _, s := range st.leafSets {
		m.LeafSets = append(m.LeafSets, ManifestLeafSet{Entry: s.entry, Path: leafSetPath(s.entry), Leaves: uint64(len(s.leaves))})
	}
	if st.prevSize > 0 {
		m.Previous = &ManifestPrevious{CheckpointSize: st.prevSize, Proof: consistencyPath(st.prevSize, st.size)}
	}
	if tsr != nil {
		m.Timestamp = &ManifestTimestamp{File: fileTimestamp, Authority: o.TSA}
	}
	for _, a := range st.artefacts {
		m.Artefacts = append(m.Artefacts, ManifestArtefact{
			Exhibit: a.exhibit(), Path: dirArtefacts + a.digest.Hex(), SHA256: a.digest.Hex(), Size: a.size,
			Names: nonNil(a.names), Paths: a.paths, NameEscaped: a.escaped, Entries: a.entries,
		})
	}

	vkey, err := keys.VerifierKey(pub, st.ck.Origin)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	ann, err := annotationsOf(st.entries)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	doc := &document{st: st, o: o, m: m, fingerprint: fp, vkey: vkey, ann: ann}
	caseLD, err := doc.caseJSONLD()
	if err != nil {
		return nil, err
	}
	p.add(fileCase, caseLD)
	bundle, err := doc.stixBundle()
	if err != nil {
		return nil, err
	}
	p.add(fileSTIX, bundle)
	p.add(fileVerify, doc.verifyText())
	p.add(fileVerifySh, verifyScript())
	report, err := doc.reportHTML()
	if err != nil {
		return nil, err
	}
	p.add(fileReport, report)
	p.add(fileSourcesCSV, writeCSV(doc.sourcesRows()))
	p.add(fileTimelineCSV, writeCSV(doc.timelineRows()))
	p.add(fileAccountsCSV, writeCSV(doc.accountsRows()))
	p.add(fileExhibitsCSV, writeCSV(doc.exhibitsRows()))
	rj, err := doc.reportJSON()
	if err != nil {
		return nil, err
	}
	p.add(fileReportJSON, rj)
	p.add(fileCustodyCSV, doc.custodyCSV())
	if b := iocsCSV(packageIOCs(ann, m.Export)); b != nil {
		p.add(fileIOCsCSV, b)
	}

	p.sort()
	for _, f := range p.files {
		m.Files = append(m.Files, ManifestFile{Path: f.path, SHA256: hex.EncodeToString(f.sum[:]), Size: f.size})
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mj = append(mj, '\n')
	sig, err := o.Signer.SignBlob(mj)
	if err != nil {
		return nil, fmt.Errorf("export: signing the manifest: %w", err)
	}
	if !ed25519.Verify(pub, mj, sig) {
		return nil, fmt.Errorf("export: the manifest signature does not verify with the case key")
	}
	p.add(fileManifest, mj)
	p.add(fileSig, sig)
	p.manifestSum = sha256Hex(mj)
	p.sort()
	var sums strings.Builder
	for _, f := range p.files {
		fmt.Fprintf(&sums, "%x  %s\n", f.sum, f.path)
	}
	// SHA256SUMS lists every other file (manifest.json and manifest.sig
	// included) and is itself signed, so that sha256sum and openssl alone
	// detect any change.
	sumsSig, err := o.Signer.SignBlob([]byte(sums.String()))
	if err != nil {
		return nil, fmt.Errorf("export: signing SHA256SUMS: %w", err)
	}
	if !ed25519.Verify(pub, []byte(sums.String()), sumsSig) {
		return nil, fmt.Errorf("export: the SHA256SUMS signature does not verify with the case key")
	}
	p.add(fileSums, []byte(sums.String()))
	p.add(fileSumsSig, sumsSig)
	p.sort()
	return p, nil
}

func selectedArtefacts(o Options) []string {
	out := []string{}
	for _, d := range o.Artefacts {
		out = addUnique(out, d.String())
	}
	return out
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
