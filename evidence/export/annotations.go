package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/annotate/mdhtml"
)

// What the examiners added to the case travels with it, read from the
// package's own entries so that a recipient can check it: the curated IOC
// list (annotate: ioc.listed, annotation.withdrawn) as iocs.csv and as
// STIX indicators, each marked with its own TLP, and the case notes
// marked for the report (note.written) in report.html. verify-export folds
// the entries of entries.jsonl the same way and refuses an iocs.csv or a
// curated STIX indicator that is not what they say. Both appear only when
// the package's entries hold something to show, so packages of cases
// without annotations keep their bytes.

// fileIOCsCSV is the curated IOC list of the package.
const fileIOCsCSV = "iocs.csv"

// curatedLabel marks a STIX indicator of the curated list (not of an
// assessed source, whose indicators verify-export checks against their
// leaves).
const curatedLabel = "casefile:curated-ioc"

var iocsHeader = []string{"indicator", "type", "tlp", "comment", "listed_by", "listed_at", "entry"}

// annotationsOf folds the annotation entries among entries (ascending).
func annotationsOf(entries []*evidence.Entry) (*annotate.State, error) {
	st := &annotate.State{}
	for _, e := range entries {
		if err := st.Apply(e); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// packageIOCs is the curated list a package shows: all of it in a
// complete package, those of its sources in a selective one (which is
// about them alone).
func packageIOCs(st *annotate.State, e ManifestExport) []annotate.IOC {
	iocs := st.IOCs()
	if e.Complete {
		return iocs
	}
	in := map[string]bool{}
	for _, s := range e.Sources {
		in[strings.ToLower(s)] = true
	}
	out := iocs[:0]
	for _, x := range iocs {
		if in[strings.ToLower(x.Indicator)] {
			out = append(out, x)
		}
	}
	return out
}

// iocsCSV is the curated list, nil when it is empty.
func iocsCSV(iocs []annotate.IOC) []byte {
	if len(iocs) == 0 {
		return nil
	}
	rows := [][]string{iocsHeader}
	for _, x := range iocs {
		rows = append(rows, []string{x.Indicator, x.Type, x.TLP, x.Comment, x.Actor, x.Time.UTC().Format(time.RFC3339), strconv.FormatUint(x.Entry, 10)})
	}
	return writeCSV(rows)
}

// stixTLP maps a TLP 2.0 level to the TLP marking definitions STIX 2.1
// defines (TLP 1.0): CLEAR is WHITE, and AMBER+STRICT is AMBER, whose TLP
// 1.0 meaning it keeps (the recipient's organisation only); the exact
// level is also a label of the indicator.
func stixTLP(tlp string) string {
	switch tlp {
	case "clear":
		return "white"
	case "amber+strict":
		return "amber"
	}
	return tlp
}

// IOCPattern is the STIX pattern of a curated indicator ("" for a type
// STIX patterns do not name, such as an SSH key fingerprint).
func IOCPattern(x annotate.IOC) string {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(x.Indicator)
	switch x.Type {
	case "ip":
		if a, err := netip.ParseAddr(x.Indicator); err == nil && a.Is6() {
			return "[ipv6-addr:value = '" + q + "']"
		}
		return "[ipv4-addr:value = '" + q + "']"
	case "domain", "service":
		return "[domain-name:value = '" + q + "']"
	case "url":
		return "[url:value = '" + q + "']"
	case "email":
		return "[email-addr:value = '" + q + "']"
	case "user":
		return "[user-account:account_login = '" + q + "']"
	case "user-agent":
		return "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = '" + q + "']"
	case "hash":
		algo := map[int]string{32: "MD5", 40: "SHA-1", 64: "SHA-256"}[len(x.Indicator)]
		if algo != "" {
			return "[file:hashes.'" + algo + "' = '" + q + "']"
		}
	}
	return ""
}

// stixCurated appends the curated indicators to a bundle's objects, with
// the TLP marking definitions they need that the bundle lacks. roleOf,
// when given, is the verdict on an indicator that is also an assessed
// source ("" when it is not): its indicator is then typed by the role as
// a source's is (a relay "anonymization", a platform "benign"), not as
// malicious activity.
func stixCurated(objs []node, iocs []annotate.IOC, key, identity string, roleOf func(string) string) []node {
	have := map[string]bool{}
	for _, o := range objs {
		if o["type"] == "marking-definition" {
			have[o["id"].(string)] = true
		}
	}
	for _, x := range iocs {
		pattern := IOCPattern(x)
		if pattern == "" {
			continue
		}
		tlp := stixTLP(x.TLP)
		mark := "marking-definition--" + tlpMarkings[tlp]
		if !have[mark] {
			have[mark] = true
			objs = append(objs, node{"type": "marking-definition", "spec_version": "2.1", "id": mark, "created": "2017-01-20T00:00:00.000Z",
				"definition_type": "tlp", "name": "TLP:" + strings.ToUpper(tlp), "definition": node{"tlp": tlp}})
		}
		at := stamp(x.Time)
		indType := "malicious-activity"
		if roleOf != nil {
			if t := indicatorTypes[roleOf(x.Indicator)]; t != "" {
				indType = t
			}
		}
		objs = append(objs, node{"type": "indicator", "spec_version": "2.1",
			"id":      "indicator--" + uuid5(casefileNS, key+"/indicator/curated/"+strings.ToLower(x.Indicator)),
			"created": at, "modified": at, "created_by_ref": identity, "object_marking_refs": []string{mark},
			"name": x.Indicator, "indicator_types": []string{indType}, "pattern": pattern, "pattern_type": "stix",
			"pattern_version": "2.1", "valid_from": at, "labels": []string{curatedLabel, "tlp:" + x.TLP},
			"description": curatedText(x)})
	}
	return objs
}

// curatedText is what a curated indicator says of itself.
func curatedText(x annotate.IOC) string {
	s := fmt.Sprintf("Shared by the examiners of the case (TLP:%s): listed by %s, custody entry %d.", strings.ToUpper(x.TLP), x.Actor, x.Entry)
	if x.Comment != "" {
		s += " " + x.Comment
	}
	return s
}

// reportNote is a case note as report.html shows it.
type reportNote struct {
	Entry        uint64
	Title, Actor string
	Time         string
	Versions     int
	Cites        []string
	Body         template.HTML // rendered from Markdown, raw HTML dropped (mdhtml)
}

// reportNotes are the notes marked for the report, oldest first.
func reportNotes(st *annotate.State, exhibitOf map[string]string) ([]reportNote, error) {
	var out []reportNote
	for _, n := range st.Notes() {
		if !n.ForReport {
			continue
		}
		body, err := mdhtml.Render(n.Body, 4)
		if err != nil {
			return nil, err
		}
		out = append(out, reportNote{Entry: n.Entry, Title: n.Title, Actor: actorName(n.Actor), Time: n.Time.UTC().Format("2006-01-02 15:04:05"),
			Versions: len(n.Versions), Cites: readableNoteCites(n.Cites, exhibitOf), Body: body})
	}
	return out, nil
}

// readableNoteCites is readableCites for every citation of a note, and
// names a source as such.
func readableNoteCites(cites []string, exhibitOf map[string]string) []string {
	var out []string
	for _, c := range cites {
		if strings.HasPrefix(c, "sha256:") || strings.HasPrefix(c, "entry:") {
			r := readableCites([]string{c}, exhibitOf)
			if strings.Contains(c, "#B") {
				d, off, _ := strings.Cut(c, "#B")
				r = readableCites([]string{d}, exhibitOf)
				r[0] += ", byte offset " + off
			}
			out = append(out, r...)
			continue
		}
		out = append(out, "source "+c)
	}
	return out
}

// checkAnnotations checks iocs.csv and the curated STIX indicators
// against the annotation entries among the package's entries.
func checkAnnotations(r *Report, pk *reader, m *Manifest, shown map[uint64]*evidence.Entry) {
	idx := make([]uint64, 0, len(shown))
	for i := range shown {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	entries := make([]*evidence.Entry, len(idx))
	for i, n := range idx {
		entries[i] = shown[n]
	}
	st, err := annotationsOf(entries)
	if err != nil {
		r.add(evidence.ProblemEntry, fileEntries, "%v", err)
		return
	}
	iocs := packageIOCs(st, m.Export)
	want := iocsCSV(iocs)
	f := pk.files[fileIOCsCSV]
	switch {
	case f == nil && want != nil:
		r.add(ProblemScope, fileIOCsCSV, "missing: the package's entries list %d curated indicators", len(iocs))
		return
	case f != nil && !bytes.Equal(f.data, want):
		r.add(ProblemScope, fileIOCsCSV, "not the curated IOC list the package's entries record (%d indicators)", len(iocs))
		return
	}
	sf := pk.files[fileSTIX]
	if sf == nil {
		return
	}
	var b struct {
		Objects []struct {
			Type        string   `json:"type"`
			Name        string   `json:"name"`
			Pattern     string   `json:"pattern"`
			Labels      []string `json:"labels"`
			Marks       []string `json:"object_marking_refs"`
			Description string   `json:"description"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(sf.data, &b); err != nil {
		return // reported by the leaves' check
	}
	byName := map[string]annotate.IOC{}
	expect := 0
	for _, x := range iocs {
		if IOCPattern(x) != "" {
			byName[x.Indicator] = x
			expect++
		}
	}
	seen := 0
	for _, o := range b.Objects {
		if o.Type != "indicator" || !hasLabel(o.Labels, curatedLabel) {
			continue
		}
		x, ok := byName[o.Name]
		if !ok || o.Pattern != IOCPattern(x) || len(o.Marks) != 1 || o.Marks[0] != "marking-definition--"+tlpMarkings[stixTLP(x.TLP)] ||
			!hasLabel(o.Labels, "tlp:"+x.TLP) || o.Description != curatedText(x) {
			r.add(ProblemScope, fileSTIX, "the curated indicator %q is not what the package's entries record", o.Name)
			return
		}
		delete(byName, o.Name)
		seen++
	}
	if seen != expect {
		r.add(ProblemScope, fileSTIX, "holds %d curated indicators, the package's entries record %d", seen, expect)
	}
}

func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}
