package export

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"

	"github.com/casefile/casefile/evidence"
)

// verifyLeaves checks each leaf the package shows against the root its
// entry records (the entry itself is proven against the checkpoint by its
// own inclusion proof), and that the findings of the STIX bundle, the
// CASE document and the report say what the proven assessment leaves say,
// for exactly the sources those leaves are of.
func verifyLeaves(r *Report, pk *reader, m *Manifest, shown map[uint64]*evidence.Entry) {
	if len(m.Leaves) > 0 && m.Format != formatVersion {
		r.add(ProblemManifest, fileManifest, "lists leaves, which a %s package does not hold", m.Format)
		return
	}
	listed := map[string]bool{}
	views := map[string]leafView{}
	for _, l := range m.Leaves {
		lp, pp := leafPath(l.Entry, l.Index), leafProofPath(l.Entry, l.Index)
		if l.Path != lp || l.Proof != pp || listed[lp] {
			r.add(ProblemManifest, fileManifest, "leaf %d of entry %d: paths %s and %s, want %s and %s, once", l.Index, l.Entry, l.Path, l.Proof, lp, pp)
			continue
		}
		listed[lp], listed[pp] = true, true
		e := shown[l.Entry]
		if e == nil {
			r.add(ProblemManifest, fileManifest, "leaf %d of entry %d: the package does not show that entry", l.Index, l.Entry)
			continue
		}
		field, root, size, err := committed(e)
		if err != nil || field == "" {
			r.add(ProblemManifest, fileManifest, "leaf %d of entry %d: that %s entry commits to no leaves (%v)", l.Index, l.Entry, e.Kind, err)
			continue
		}
		lf, pf := pk.files[lp], pk.files[pp]
		if lf == nil || pf == nil {
			r.add(ProblemFile, lp, "leaf %d of entry %d or its proof %s is missing", l.Index, l.Entry, pp)
			continue
		}
		nums, proof, tail, err := splitProof(pf.data, leafProofHeader, "entry", "index", "size")
		switch {
		case err != nil:
			r.add(ProblemProof, pp, "%v", err)
			continue
		case nums[0] != l.Entry || nums[1] != l.Index:
			r.add(ProblemProof, pp, "proves leaf %d of entry %d, not leaf %d of entry %d", nums[1], nums[0], l.Index, l.Entry)
			continue
		case nums[2] != size || string(tail) != field+" "+root+"\n":
			r.add(ProblemProof, pp, "is against another tree than entry %d's (%s %s over %d leaves)", l.Entry, field, root, size)
			continue
		}
		rootHash, err := evidence.ParseRoot(root)
		if err != nil {
			r.add(evidence.ProblemEntry, fileEntries, "entry %d: %s: %v", l.Entry, field, err)
			continue
		}
		if err := evidence.CheckCanonical(lf.data); err != nil {
			r.add(ProblemProof, lp, "not canonical JSON: %v", err)
			continue
		}
		if err := evidence.CheckLeaf(proof, size, rootHash, l.Index, lf.data); err != nil {
			r.add(ProblemProof, lp, "is not leaf %d of the %s of entry %d (by %s): %v", l.Index, field, l.Entry, pp, err)
			continue
		}
		if e.Kind != kindAssessment {
			continue
		}
		var v leafView
		if err := json.Unmarshal(lf.data, &v); err != nil || v.Indicator != l.Indicator {
			r.add(ProblemProof, lp, "is the assessment of %q, the manifest says %q (%v)", v.Indicator, l.Indicator, err)
			continue
		}
		if m.Assessment == nil || *m.Assessment != l.Entry || views[v.Indicator] != (leafView{}) {
			r.add(ProblemManifest, fileManifest, "leaf %d of assessment entry %d: not of the package's assessment entry, or a second leaf of %s", l.Index, l.Entry, v.Indicator)
			continue
		}
		views[v.Indicator] = v
	}
	for n := range pk.files {
		if (leafPathRE.MatchString(n) || leafProofPathRE.MatchString(n)) && !listed[n] {
			r.add(ProblemFile, n, "not a leaf (or leaf proof) the manifest lists")
		}
	}
	if len(views) == 0 {
		return
	}
	r.FindingsProven = len(views)
	if len(views) != m.Findings {
		r.add(ProblemManifest, fileManifest, "%d findings, %d of them proven by an assessment leaf", m.Findings, len(views))
	}
	findingsAgree(r, pk, views)
}

// findingsAgree checks that each document of the package states the
// findings of exactly the proven sources, as their leaves say them.
func findingsAgree(r *Report, pk *reader, views map[string]leafView) {
	seen := map[string]bool{}
	if f := pk.files[fileCase]; f != nil {
		var doc struct {
			Graph []map[string]any `json:"@graph"`
		}
		if err := json.Unmarshal(f.data, &doc); err != nil {
			r.add(ProblemScope, fileCase, "unreadable: %v", err)
			return
		}
		want := map[string]leafView{}
		for _, v := range views {
			want[v.assessedAs()] = v
		}
		for _, n := range doc.Graph {
			kind, _ := n["uco-core:kindOfRelationship"].(string)
			if !strings.HasPrefix(kind, "assessed-as-") {
				continue
			}
			desc, _ := n["uco-core:description"].(string)
			v, ok := want[desc]
			if !ok || kind != "assessed-as-"+v.Role || seen[v.Indicator] {
				r.add(ProblemScope, fileCase, "states %q, which no proven assessment leaf says", desc)
				return
			}
			seen[v.Indicator] = true
		}
		if missing := absent(views, seen); missing != "" {
			r.add(ProblemScope, fileCase, "states no assessment of %s, which a leaf proves", missing)
			return
		}
	}
	if f := pk.files[fileSTIX]; f != nil {
		var b struct {
			Objects []struct {
				Type        string          `json:"type"`
				Name        string          `json:"name"`
				Abstract    string          `json:"abstract"`
				Content     string          `json:"content"`
				Description string          `json:"description"`
				Confidence  json.RawMessage `json:"confidence"`
			} `json:"objects"`
		}
		if err := json.Unmarshal(f.data, &b); err != nil {
			r.add(ProblemScope, fileSTIX, "unreadable: %v", err)
			return
		}
		seen = map[string]bool{}
		for _, o := range b.Objects {
			var ind string
			switch o.Type {
			case "note":
				ind = strings.TrimPrefix(o.Abstract, noteAbstract)
			case "indicator":
				ind = o.Name
			case "infrastructure":
				ind, _, _ = strings.Cut(o.Name, " (")
			default:
				continue
			}
			v, ok := views[ind]
			conf := ""
			if c := stixConfidence(v.Confidence); c >= 0 {
				conf = strings.TrimSpace(jsonString(c))
			}
			switch {
			case !ok:
				r.add(ProblemScope, fileSTIX, "a %s on %q, which no proven assessment leaf is of", o.Type, ind)
			case string(o.Confidence) != conf:
				r.add(ProblemScope, fileSTIX, "the %s on %s states confidence %s, its leaf %q", o.Type, ind, o.Confidence, v.Confidence)
			case o.Type == "note" && v.Recommendation != "" && !strings.Contains(o.Content, "Recommendation: "+v.Recommendation):
				r.add(ProblemScope, fileSTIX, "the note on %s does not state the recommendation its leaf records", ind)
			case o.Type == "indicator" && o.Description != v.indicatorText():
				r.add(ProblemScope, fileSTIX, "the indicator of %s says %q, its leaf %q", ind, o.Description, v.indicatorText())
			case o.Type == "infrastructure" && o.Name != v.infrastructureName():
				r.add(ProblemScope, fileSTIX, "the infrastructure %q is not what its leaf says (%q)", o.Name, v.infrastructureName())
			default:
				if o.Type == "note" {
					seen[ind] = true
				}
				continue
			}
			return
		}
		if missing := absent(views, seen); missing != "" {
			r.add(ProblemScope, fileSTIX, "has no note on %s, which a leaf proves", missing)
			return
		}
	}
	if f := pk.files[fileReport]; f != nil {
		if n := bytes.Count(f.data, []byte(`<div class="finding">`)); n != len(views) {
			r.add(ProblemScope, fileReport, "%d findings, %d proven by assessment leaves", n, len(views))
			return
		}
		for _, v := range views {
			var want bytes.Buffer
			template.Must(template.New("").Parse("Recorded: {{.}}")).Execute(&want, v.assessedAs())
			if !bytes.Contains(f.data, want.Bytes()) {
				r.add(ProblemScope, fileReport, "does not state the assessment of %s as its leaf records it (%s)", v.Indicator, v.assessedAs())
				return
			}
		}
	}
}

// absent names a proven source not in seen ("" when none is missing).
func absent(views map[string]leafView, seen map[string]bool) string {
	for ind := range views {
		if !seen[ind] {
			return ind
		}
	}
	return ""
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
