package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"slices"
	"strings"

	"github.com/casefile/casefile/evidence"
)

// verifyLeaves checks each leaf the package shows against the root its
// entry records (the entry itself is proven against the checkpoint by its
// own inclusion proof), and that the findings of the STIX bundle, the
// CASE document and the report say what the proven assessment leaves say,
// for exactly the sources those leaves are of.
func verifyLeaves(r *Report, pk *reader, m *Manifest, shown map[uint64]*evidence.Entry) {
	if len(m.Leaves)+len(m.LeafSets) > 0 && m.Format != formatVersion {
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
		if e.Kind == kindObservations {
			var o struct {
				Indicator string `json:"indicator"`
			}
			if err := json.Unmarshal(lf.data, &o); err != nil || o.Indicator != l.Indicator {
				r.add(ProblemProof, lp, "is an observation of %q, the manifest says %q (%v)", o.Indicator, l.Indicator, err)
			} else if !m.Export.Complete && !slices.ContainsFunc(m.Export.Sources, func(s string) bool { return strings.EqualFold(s, o.Indicator) }) {
				r.add(ProblemScope, lp, "an observation of %s, a source outside the package's selection", o.Indicator)
			}
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
	all := verifyLeafSets(r, pk, m, shown, listed, views)
	for n := range pk.files {
		if (leafPathRE.MatchString(n) || leafProofPathRE.MatchString(n) || leafSetPathRE.MatchString(n)) && !listed[n] {
			r.add(ProblemFile, n, "not a leaf (or leaf proof) the manifest lists")
		}
	}
	if len(views) == 0 || len(r.Problems) > 0 {
		return
	}
	want := len(views)
	if all {
		want = m.Findings // every source has a leaf; the findings are some of them
	} else if len(views) != m.Findings {
		r.add(ProblemManifest, fileManifest, "%d findings, %d of them proven by an assessment leaf", m.Findings, len(views))
		return
	}
	if findingsAgree(r, pk, views, want) && checkSourcesCSV(r, pk, views, want) && checkReportJSON(r, pk, views, want) {
		r.FindingsProven = m.Findings
	}
}

// verifyLeafSets checks each file that holds every leaf of an entry
// against the root the entry records, adds the assessment's leaves to
// views, and reports whether it did.
func verifyLeafSets(r *Report, pk *reader, m *Manifest, shown map[uint64]*evidence.Entry, listed map[string]bool, views map[string]leafView) bool {
	all := false
	for _, s := range m.LeafSets {
		p := leafSetPath(s.Entry)
		if s.Path != p || listed[p] {
			r.add(ProblemManifest, fileManifest, "the leaves of entry %d: path %s, want %s, once", s.Entry, s.Path, p)
			continue
		}
		listed[p] = true
		e := shown[s.Entry]
		if e == nil {
			r.add(ProblemManifest, fileManifest, "the leaves of entry %d: the package does not show that entry", s.Entry)
			continue
		}
		field, root, size, err := committed(e)
		f := pk.files[p]
		switch {
		case err != nil || field == "":
			r.add(ProblemManifest, fileManifest, "the leaves of entry %d: that %s entry commits to no leaves (%v)", s.Entry, e.Kind, err)
			continue
		case f == nil:
			r.add(ProblemFile, p, "missing")
			continue
		}
		lines := bytes.Split(f.data, []byte("\n"))
		if len(lines[len(lines)-1]) != 0 {
			r.add(ProblemProof, p, "does not end with a newline")
			continue
		}
		lines = lines[:len(lines)-1]
		if uint64(len(lines)) != size || s.Leaves != size {
			r.add(ProblemProof, p, "%d leaves (the manifest says %d), entry %d commits to %d", len(lines), s.Leaves, s.Entry, size)
			continue
		}
		bad := false
		for i, l := range lines {
			if err := evidence.CheckCanonical(l); err != nil {
				r.add(ProblemProof, p, "line %d: not canonical JSON: %v", i+1, err)
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		t, err := evidence.NewLeafTree(lines)
		if err != nil || evidence.EncodeRoot(t.Root()) != root {
			r.add(ProblemProof, p, "its leaves are not those entry %d commits to (its %s is %s)", s.Entry, field, root)
			continue
		}
		if e.Kind != kindAssessment {
			continue
		}
		if m.Assessment == nil || *m.Assessment != s.Entry || len(views) > 0 {
			r.add(ProblemManifest, fileManifest, "the leaves of assessment entry %d: not the package's assessment entry, or shown twice", s.Entry)
			continue
		}
		for i, l := range lines {
			var v leafView
			if err := json.Unmarshal(l, &v); err != nil || views[v.Indicator] != (leafView{}) {
				r.add(ProblemProof, p, "line %d: not the assessment of one more source (%v)", i+1, err)
				break
			}
			views[v.Indicator] = v
		}
		all = true
	}
	return all
}

// findingsAgree checks that each document of the package states want
// findings, each as the leaf of its source says it (and, when want is
// len(views), of exactly the proven sources).
func findingsAgree(r *Report, pk *reader, views map[string]leafView, want int) bool {
	seen := map[string]bool{}
	if f := pk.files[fileCase]; f != nil {
		var doc struct {
			Graph []map[string]any `json:"@graph"`
		}
		if err := json.Unmarshal(f.data, &doc); err != nil {
			r.add(ProblemScope, fileCase, "unreadable: %v", err)
			return false
		}
		said := map[string]leafView{}
		for _, v := range views {
			said[v.assessedAs()] = v
		}
		for _, n := range doc.Graph {
			kind, _ := n["uco-core:kindOfRelationship"].(string)
			if !strings.HasPrefix(kind, "assessed-as-") {
				continue
			}
			desc, _ := n["uco-core:description"].(string)
			v, ok := said[desc]
			if !ok || kind != "assessed-as-"+v.Role || seen[v.Indicator] {
				r.add(ProblemScope, fileCase, "states %q, which no proven assessment leaf says", desc)
				return false
			}
			seen[v.Indicator] = true
		}
		if missing := absent(views, seen, want); missing != "" {
			r.add(ProblemScope, fileCase, "states no assessment of %s", missing)
			return false
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
				Labels      []string        `json:"labels"`
			} `json:"objects"`
		}
		if err := json.Unmarshal(f.data, &b); err != nil {
			r.add(ProblemScope, fileSTIX, "unreadable: %v", err)
			return false
		}
		seen = map[string]bool{}
		for _, o := range b.Objects {
			var ind string
			switch o.Type {
			case "note":
				ind = strings.TrimPrefix(o.Abstract, noteAbstract)
			case "indicator":
				if hasLabel(o.Labels, curatedLabel) {
					continue // the curated list's, checked by checkAnnotations
				}
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
			return false
		}
		if missing := absent(views, seen, want); missing != "" {
			r.add(ProblemScope, fileSTIX, "has no note on %s", missing)
			return false
		}
	}
	if f := pk.files[fileReport]; f != nil {
		// A source the report details states its judgement in full (its
		// "Recorded:" line); one in a row or the appendix states it
		// briefly beside its address. Each must be what its leaf says.
		stated := map[string]bool{}
		full := 0
		for _, part := range bytes.Split(f.data, []byte(reportRecorded))[1:] {
			line, _, _ := bytes.Cut(part, []byte("</p>"))
			line, _, _ = bytes.Cut(line, []byte(reportProvenBy))
			stated[string(bytes.TrimSuffix(line, []byte(".")))] = true
			full++
		}
		brief := map[string]string{} // indicator → the brief statement beside it
		for _, m := range reportBrief.FindAllSubmatch(f.data, -1) {
			ind, said := html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))
			if _, dup := brief[ind]; dup {
				r.add(ProblemScope, fileReport, "states the assessment of %s twice", ind)
				return false
			}
			brief[ind] = said
		}
		matched := 0
		for _, v := range views {
			var line bytes.Buffer
			template.Must(template.New("").Parse("{{.}}")).Execute(&line, v.assessedAs())
			said, inRow := brief[v.Indicator]
			switch {
			case stated[line.String()] && !inRow, inRow && said == v.briefly() && !stated[line.String()]:
				matched++
			case want == len(views):
				r.add(ProblemScope, fileReport, "does not state the assessment of %s as its leaf records it (%s)", v.Indicator, v.assessedAs())
				return false
			}
		}
		if n := full + len(brief); matched != want || n != want {
			r.add(ProblemScope, fileReport, "states %d assessments, %d of them as a proven leaf says; the manifest has %d findings", n, matched, want)
			return false
		}
	}
	return true
}

// What the report writes before and after each finding's assessedAs line
// (templates/report.html.tmpl).
const (
	reportRecorded = `<p class="muted">Recorded: `
	reportProvenBy = ` (the assessment entry's leaf`
)

// reportBrief finds a brief statement beside its address, in a row of a
// table or an item of the appendix.
var reportBrief = regexp.MustCompile(`<code>([^<]*)</code>(?:</td><td>| )<span class="rec">([^<]*)</span>`)

// absent names a proven source not in seen when every proven source must
// be (want is len(views)); otherwise it says how many findings are
// missing ("" when none is).
func absent(views map[string]leafView, seen map[string]bool, want int) string {
	if want != len(views) {
		if len(seen) != want {
			return fmt.Sprintf("%d of the %d sources it should", want-len(seen), want)
		}
		return ""
	}
	for ind := range views {
		if !seen[ind] {
			return ind + ", which a leaf proves"
		}
	}
	return ""
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
