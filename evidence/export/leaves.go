package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// Leaves of an entry's per-item commitment.
//
// An assessment.recorded entry commits to its result per source: its
// result_root is the RFC 6962 root over one leaf per assessed source (the
// canonical JSON of that source's assessment, sorted by indicator), and
// sources is the number of leaves. An observations.recorded entry commits
// likewise to its observations: observations_root over one leaf per
// observation (its canonical JSON), observation_count of them. A selective
// package shows the leaf of each of its findings, and each observation of
// its sources in a shown observations entry, as leaves/entry-N-I.json
// (leaf I of entry N) and proves it with proofs/entry-N-leaf-I.txt:
//
//	casefile.invalid/leaf-proof@v1
//	entry <N>
//	index <I>
//	size <number of leaves>
//	<base64 hash, from the leaf's sibling up to the root's child>…
//
//	result_root <the root, as entry N records it> (observations_root …)
//
// The leaf hash is SHA-256(0x00 || the leaf file's bytes), as for custody
// entries; entry N itself is proven by proofs/entry-N.tlog-proof.
//
// A complete package, which shows every source anyway, holds instead
// every leaf of entry N as leaves/entry-N.jsonl (leaf I on line I+1,
// without its newline), whose root is recomputed: one file, not two per
// finding.
const leafProofHeader = "casefile.invalid/leaf-proof@v1"

// commitment names, per entry kind, the payload fields of the root and of
// the number of leaves.
var commitment = map[string]struct{ root, size string }{
	kindAssessment:   {"result_root", "sources"},
	kindObservations: {"observations_root", "observation_count"},
}

var (
	leafSetPathRE   = regexp.MustCompile(`^leaves/entry-(0|[1-9][0-9]*)\.jsonl$`)
	leafPathRE      = regexp.MustCompile(`^leaves/entry-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)\.json$`)
	leafProofPathRE = regexp.MustCompile(`^proofs/entry-(0|[1-9][0-9]*)-leaf-(0|[1-9][0-9]*)\.txt$`)
)

func leafSetPath(entry uint64) string { return fmt.Sprintf("leaves/entry-%d.jsonl", entry) }
func leafPath(entry, i uint64) string { return fmt.Sprintf("leaves/entry-%d-%d.json", entry, i) }
func leafProofPath(entry, i uint64) string {
	return fmt.Sprintf("proofs/entry-%d-leaf-%d.txt", entry, i)
}

// provenLeaf is one leaf a package shows, with its proof.
type provenLeaf struct {
	entry, index, size uint64
	field, root        string
	leaf               []byte
	proof              tlog.RecordProof
	indicator          string
}

// leafSet is every leaf of an entry, shown whole.
type leafSet struct {
	entry  uint64
	leaves [][]byte
}

func (s leafSet) encode() []byte {
	var b bytes.Buffer
	for _, l := range s.leaves {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func encodeLeafProof(l provenLeaf) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nentry %d\nindex %d\nsize %d\n", leafProofHeader, l.entry, l.index, l.size)
	encodeHashes(&b, l.proof)
	fmt.Fprintf(&b, "\n%s %s\n", l.field, l.root)
	return b.Bytes()
}

// committed reads the root and the number of leaves an entry commits to
// ("" when it commits to none: another kind, or an entry recorded before
// the per-item commitment).
func committed(e *evidence.Entry) (field, root string, size uint64, err error) {
	c, ok := commitment[e.Kind]
	if !ok {
		return "", "", 0, nil
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return "", "", 0, err
	}
	if p[c.root] == nil {
		return "", "", 0, nil
	}
	if err := json.Unmarshal(p[c.root], &root); err != nil {
		return "", "", 0, fmt.Errorf("%s: %w", c.root, err)
	}
	if size, err = strconv.ParseUint(string(p[c.size]), 10, 64); err != nil {
		return "", "", 0, fmt.Errorf("%s: not a number of leaves", c.size)
	}
	return c.root, root, size, nil
}

// leafView is what a finding must say as its assessment leaf says it: the
// fields of the neutral Finding that the model's result carries under the
// same names.
type leafView struct {
	Indicator      string  `json:"indicator"`
	Type           string  `json:"type"`
	Role           string  `json:"role"`
	Probability    float64 `json:"probability"`
	Words          string  `json:"words"`
	Confidence     string  `json:"confidence"`
	CollateralRisk float64 `json:"collateral_risk"`
	Recommendation string  `json:"recommendation"`
}

func viewOf(f Finding) leafView {
	return leafView{Indicator: f.Indicator, Type: f.Type, Role: f.Role, Probability: f.Probability, Words: f.Words,
		Confidence: f.Confidence, CollateralRisk: f.CollateralRisk, Recommendation: f.Recommendation}
}

// assessedAs is the judgement of a source in one line, as CASE's
// relationship and the report state it and verify-export checks them
// against the proven leaf.
func (v leafView) assessedAs() string {
	return fmt.Sprintf("%s: %s %s (p = %.2f), analytic confidence %s, collateral risk %.2f",
		v.Indicator, v.Words, v.Role, v.Probability, v.Confidence, v.CollateralRisk)
}

// briefly is the judgement of a source in a few words, as the report's
// rows and appendix state it (beside the source) and verify-export checks
// it against the proven leaf.
func (v leafView) briefly() string {
	return fmt.Sprintf("%s (p = %.2f)", v.Role, v.Probability)
}

// proveFindings finds the leaf of each finding in the leaves of the
// assessment the findings come from, checks that those leaves are the
// ones the case's latest assessment entry commits to and that each finding
// says what its leaf says, and keeps for the package the findings' leaves
// and proofs (every leaf, in a complete package).
func (st *state) proveFindings(leaves [][]byte) error {
	if len(st.findings) == 0 {
		return nil
	}
	a := st.assessment
	if a == nil {
		return fmt.Errorf("export: the findings come from an assessment the case does not record (as of checkpoint %d): record it first (casefile assess)", st.size)
	}
	field, root, size, err := committed(a)
	if err != nil {
		return fmt.Errorf("export: assessment entry %d: %w", a.Index, err)
	}
	if field == "" {
		return fmt.Errorf("export: assessment entry %d was recorded by an earlier version, with one digest over all sources: record the assessment again (casefile assess) so that each finding can be proven on its own", a.Index)
	}
	t, err := evidence.NewLeafTree(leaves)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if got := evidence.EncodeRoot(t.Root()); got != root || t.Size() != size {
		return fmt.Errorf("export: the findings are not those of assessment entry %d (its %s %s over %d sources; the findings' %s over %d): record the assessment first (casefile assess)",
			a.Index, field, root, size, got, t.Size())
	}
	byInd := map[string]uint64{}
	views := make([]leafView, len(leaves))
	for i, l := range leaves {
		if err := json.Unmarshal(l, &views[i]); err != nil {
			return fmt.Errorf("export: assessment leaf %d: %w", i, err)
		}
		byInd[views[i].Indicator] = uint64(i)
	}
	st.provenAt = map[string]string{}
	for _, f := range st.findings {
		i, ok := byInd[f.Indicator]
		if !ok {
			return fmt.Errorf("export: the finding on %s is not in assessment entry %d", f.Indicator, a.Index)
		}
		if viewOf(f) != views[i] {
			return fmt.Errorf("export: the finding on %s differs from what assessment entry %d records for it", f.Indicator, a.Index)
		}
		if st.complete {
			st.provenAt[f.Indicator] = fmt.Sprintf("%s, line %d", leafSetPath(a.Index), i+1)
			continue
		}
		st.provenAt[f.Indicator] = leafPath(a.Index, i)
		pr, err := t.Proof(i)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		st.leaves = append(st.leaves, provenLeaf{entry: a.Index, index: i, size: size, field: field, root: root, leaf: leaves[i], proof: pr, indicator: f.Indicator})
	}
	sort.Slice(st.leaves, func(i, j int) bool { return st.leaves[i].index < st.leaves[j].index })
	if st.complete {
		st.leafSets = append(st.leafSets, leafSet{entry: a.Index, leaves: leaves})
	}
	return nil
}

// proveObservations shows the observations of each shown entry that
// commits to them per leaf (observations.recorded): in a complete
// package every one (leaves/entry-N.jsonl), in a selective one those of
// its sources, each with its proof, and none of any other source.
func (st *state) proveObservations(c *evidence.Case, obs Observations) error {
	var shown []*evidence.Entry
	for _, e := range st.entries {
		if field, _, _, err := committed(e); e.Kind == kindObservations && err == nil && field != "" {
			shown = append(shown, e)
		}
	}
	if len(shown) == 0 {
		return nil
	}
	if obs == nil {
		return errors.New("export: the package shows observations entries, but no observations were given (Options.Observations)")
	}
	all, err := obs.EntryLeaves(c)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	in := map[string]bool{}
	for _, s := range st.sources {
		in[strings.ToLower(s)] = true
	}
	for _, e := range shown {
		field, root, size, _ := committed(e)
		leaves := make([][]byte, len(all[e.Index]))
		for i, l := range all[e.Index] {
			leaves[i] = l.JSON
		}
		t, err := evidence.NewLeafTree(leaves)
		if err != nil || t.Size() != size || evidence.EncodeRoot(t.Root()) != root {
			return fmt.Errorf("export: the observations the index holds for entry %d are not those it commits to (run casefile verify)", e.Index)
		}
		if st.complete {
			st.leafSets = append(st.leafSets, leafSet{entry: e.Index, leaves: leaves})
			continue
		}
		for _, l := range all[e.Index] {
			if !in[strings.ToLower(l.About)] {
				continue
			}
			pr, err := t.Proof(l.Index)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			st.leaves = append(st.leaves, provenLeaf{entry: e.Index, index: l.Index, size: size, field: field, root: root, leaf: l.JSON, proof: pr, indicator: l.About})
		}
	}
	sort.Slice(st.leaves, func(i, j int) bool {
		a, b := st.leaves[i], st.leaves[j]
		return a.entry < b.entry || a.entry == b.entry && a.index < b.index
	})
	sort.Slice(st.leafSets, func(i, j int) bool { return st.leafSets[i].entry < st.leafSets[j].entry })
	return nil
}

// citeObservations adds to a selective package the observations entries
// that record something about its sources (their observations are shown
// as leaves, proveObservations), whether the findings cite them or not.
func (st *state) citeObservations(c *evidence.Case, obs Observations) error {
	if st.complete || obs == nil {
		return nil
	}
	for _, s := range st.sources {
		es, err := obs.EntriesAbout(c, s)
		if err != nil {
			return fmt.Errorf("export: observations of %s: %w", s, err)
		}
		for _, e := range es {
			if e < st.size {
				st.cited[e] = true
			}
		}
	}
	return nil
}
