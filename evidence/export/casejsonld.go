package export

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
)

// document holds what the generated files (case.jsonld, stix-bundle.json,
// report.html, VERIFY.txt) are written from.
type document struct {
	st          *state
	o           Options
	m           *Manifest
	fingerprint string
	vkey        string          // the checkpoint's signed-note verifier key
	ann         *annotate.State // the annotations among the package's entries (annotations.go)
	groups      *reportGroups   // what the report's summary and section 3 show (set by reportHTML)
}

// caseContext is the JSON-LD context: CASE/UCO 1.4 namespaces.
var caseContext = map[string]any{
	"case-investigation": "https://ontology.caseontology.org/case/investigation/",
	"uco-action":         "https://ontology.unifiedcyberontology.org/uco/action/",
	"uco-core":           "https://ontology.unifiedcyberontology.org/uco/core/",
	"uco-identity":       "https://ontology.unifiedcyberontology.org/uco/identity/",
	"uco-observable":     "https://ontology.unifiedcyberontology.org/uco/observable/",
	"uco-tool":           "https://ontology.unifiedcyberontology.org/uco/tool/",
	"uco-types":          "https://ontology.unifiedcyberontology.org/uco/types/",
	"xsd":                "http://www.w3.org/2001/XMLSchema#",
}

type node = map[string]any

func ref(id string) node { return node{"@id": id} }

func refs(ids []string) []node {
	out := make([]node, 0, len(ids))
	for _, id := range ids {
		out = append(out, ref(id))
	}
	return out
}

func dateTime(s string) node { return node{"@type": "xsd:dateTime", "@value": s} }

// caseJSONLD writes the package as a CASE/UCO 1.4 graph, in the shape of
// the CASE examples: an Investigation, one InvestigativeAction per custody
// entry (performer, instrument, start time, object, result), a File with
// its hashes and a ProvenanceRecord per exhibit, the authorization, and
// the assessment as annotated relationships.
func (d *document) caseJSONLD() ([]byte, error) {
	st := d.st
	kb := "kb:"
	ctx := map[string]any{"kb": "urn:casefile:" + caseKey(st) + ":"}
	for k, v := range caseContext {
		ctx[k] = v
	}
	var graph []node
	var members []string
	add := func(n node) {
		graph = append(graph, n)
		members = append(members, n["@id"].(string))
	}
	tool := kb + "tool-casefile"
	add(node{"@id": tool, "@type": "uco-tool:Tool", "uco-core:name": evidence.ToolName,
		"uco-tool:version": evidence.ToolVersion, "uco-tool:toolType": "evidence preservation, verification and attribution assessment"})
	persons := map[string]string{}
	person := func(actor string) string {
		if id, ok := persons[actor]; ok {
			return id
		}
		id := kb + "person-" + sha256Hex([]byte(actor))[:16]
		persons[actor] = id
		add(node{"@id": id, "@type": "uco-identity:Person", "uco-core:name": actor})
		return id
	}
	auth := ""
	if d.o.Authorization != "" {
		auth = kb + "authorization"
		add(node{"@id": auth, "@type": "case-investigation:Authorization",
			"case-investigation:authorizationIdentifier": d.o.Authorization})
	}

	// Exhibits: a File with its facets and a ProvenanceRecord each.
	fileOf := map[evidence.Digest]string{}
	recordOf := map[evidence.Digest]string{}
	for _, a := range st.artefacts {
		h := a.digest.Hex()
		fid := kb + "file-" + h
		fileOf[a.digest] = fid
		hashes := []node{{"@id": kb + "hash-sha256-" + h, "@type": "uco-types:Hash", "uco-types:hashMethod": "SHA256",
			"uco-types:hashValue": node{"@type": "xsd:hexBinary", "@value": h}}}
		if a.md5 != "" {
			hashes = append(hashes, node{"@id": kb + "hash-md5-" + h, "@type": "uco-types:Hash", "uco-types:hashMethod": "MD5",
				"uco-types:hashValue": node{"@type": "xsd:hexBinary", "@value": a.md5}})
		}
		if a.sha1 != "" {
			hashes = append(hashes, node{"@id": kb + "hash-sha1-" + h, "@type": "uco-types:Hash", "uco-types:hashMethod": "SHA1",
				"uco-types:hashValue": node{"@type": "xsd:hexBinary", "@value": a.sha1}})
		}
		facet := node{"@id": kb + "file-facet-" + h, "@type": "uco-observable:FileFacet", "uco-observable:sizeInBytes": a.size}
		if len(a.names) > 0 {
			facet["uco-observable:fileName"] = a.names[0]
		}
		if len(a.paths) > 0 {
			facet["uco-observable:filePath"] = a.paths[0]
		}
		add(node{"@id": fid, "@type": "uco-observable:File", "uco-core:hasFacet": []node{facet, {
			"@id": kb + "content-data-facet-" + h, "@type": "uco-observable:ContentDataFacet",
			"uco-observable:sizeInBytes": a.size, "uco-observable:hash": hashes,
		}}})
		rid := kb + "provenance-record-" + h
		recordOf[a.digest] = rid
		desc := fmt.Sprintf("Exhibit %s: %s, %s, SHA-256 %s, file %s of this package", a.exhibit(), displayNames(a), evidence.HumanBytes(a.size), h, dirArtefacts+h)
		add(node{"@id": rid, "@type": "case-investigation:ProvenanceRecord", "case-investigation:exhibitNumber": a.exhibit(),
			"uco-core:description": desc, "uco-core:object": []node{ref(fid)}})
	}

	// One InvestigativeAction per custody entry.
	for _, e := range st.entries {
		var objs, results []string
		if d, ok := evidence.EntryArtefact(e); ok && fileOf[d] != "" {
			objs = append(objs, fileOf[d])
			if e.Kind == evidence.KindArtefactIngested {
				results = append(results, recordOf[d])
			}
		}
		add(node{
			"@id": fmt.Sprintf("%saction-entry-%d", kb, e.Index), "@type": "case-investigation:InvestigativeAction",
			"uco-core:name": e.Kind, "uco-core:description": fmt.Sprintf("Custody entry %d: %s", e.Index, evidence.Describe(e)),
			"uco-action:startTime": dateTime(e.Time.UTC().Format(evidence.TimeFormat)),
			"uco-action:performer": ref(person(e.Actor)), "uco-action:instrument": ref(tool),
			"uco-action:object": refs(objs), "uco-action:result": refs(results),
		})
	}
	// The export itself.
	var records []string
	for _, a := range st.artefacts {
		records = append(records, recordOf[a.digest])
	}
	instr := []string{tool}
	if auth != "" {
		instr = append(instr, auth)
	}
	add(node{
		"@id": kb + "action-export", "@type": "case-investigation:InvestigativeAction", "uco-core:name": "exported",
		"uco-core:description": fmt.Sprintf("Signed evidence package for %s; purpose: %s", orNone(d.o.Recipient), orNone(d.o.Purpose)),
		"uco-action:startTime": dateTime(stamp(st.time)), "uco-action:performer": ref(person(d.o.Actor)),
		"uco-action:instrument": refs(instr), "uco-action:object": refs(records), "uco-action:result": []node{},
	})

	// The assessment: each source as an observable, the judgement as a
	// relationship to the investigation with a confidence, annotated with
	// the statement.
	inv := kb + "investigation-" + caseKey(st)
	var assessedObs, assessedRels []string
	for i, f := range d.st.findings {
		oid, obs := observableNode(kb, i, f)
		add(obs)
		rid := fmt.Sprintf("%sassessment-%d", kb, i+1)
		assessedObs, assessedRels = append(assessedObs, oid), append(assessedRels, rid)
		rel := node{
			"@id": rid, "@type": "uco-core:Relationship", "uco-core:source": []node{ref(oid)}, "uco-core:target": ref(inv),
			"uco-core:kindOfRelationship": "assessed-as-" + f.Role, "uco-core:isDirectional": true,
			"uco-core:description": viewOf(f).assessedAs(),
		}
		// The analytic confidence, on the same scale as the STIX bundle.
		if conf := stixConfidence(f.Confidence); conf >= 0 {
			rel["uco-core:hasFacet"] = []node{{"@id": rid + "-confidence", "@type": "uco-core:ConfidenceFacet",
				"uco-core:confidence": node{"@type": "xsd:nonNegativeInteger", "@value": fmt.Sprint(conf)}}}
		}
		add(rel)
		text := f.Statement
		if f.Recommendation != "" {
			text += " Recommendation: " + f.Recommendation
		}
		add(node{
			"@id": fmt.Sprintf("%sannotation-%d", kb, i+1), "@type": "uco-core:Annotation",
			"uco-core:statement": text, "uco-core:object": []node{ref(rid), ref(oid)},
			"uco-core:tag": []string{"role:" + f.Role, "confidence:" + f.Confidence, "words:" + f.Words},
		})
	}

	if len(assessedObs) > 0 {
		// The assessment as the analyst's action, at the time it was recorded.
		_, when := st.stixTimes()
		desc := "Attribution assessment of the sources"
		if st.assessment != nil {
			desc = fmt.Sprintf("Attribution assessment recorded as custody entry %d", st.assessment.Index)
		}
		if m := d.st.findings[0].Model; m != "" {
			desc += ", model " + m
		}
		add(node{
			"@id": kb + "action-assessment", "@type": "case-investigation:InvestigativeAction", "uco-core:name": "assessed",
			"uco-core:description": desc, "uco-action:startTime": dateTime(when), "uco-action:performer": ref(person(d.analyst())),
			"uco-action:instrument": refs([]string{tool}), "uco-action:object": refs(assessedObs), "uco-action:result": refs(assessedRels),
		})
	}

	invNode := node{
		"@id": inv, "@type": "case-investigation:Investigation", "uco-core:name": st.info.Title,
		"uco-core:description":                 fmt.Sprintf("Casefile case %s; custody log signed as %s; this package is as of checkpoint %d", st.info.CaseID, st.ck.Origin, st.size),
		"case-investigation:investigationForm": "case", "uco-core:object": refs(members),
	}
	if auth != "" {
		invNode["case-investigation:relevantAuthorization"] = []node{ref(auth)}
	}
	graph = append([]node{invNode}, graph...)
	b, err := json.MarshalIndent(node{"@context": ctx, "@graph": graph}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// observableNode describes a finding's source as a UCO observable.
func observableNode(kb string, i int, f Finding) (string, node) {
	id := fmt.Sprintf("%ssource-%d", kb, i+1)
	facet := node{"@id": id + "-facet"}
	typ := "uco-observable:ObservableObject"
	if a, err := netip.ParseAddr(f.Indicator); err == nil {
		if a.Is4() {
			typ = "uco-observable:IPv4Address"
			facet["@type"] = "uco-observable:IPv4AddressFacet"
		} else {
			typ = "uco-observable:IPv6Address"
			facet["@type"] = "uco-observable:IPv6AddressFacet"
		}
		facet["uco-observable:addressValue"] = f.Indicator
	} else if f.Type == "url" || strings.Contains(f.Indicator, "://") {
		typ = "uco-observable:URL"
		facet["@type"] = "uco-observable:URLFacet"
		facet["uco-observable:fullValue"] = f.Indicator
	} else if f.Type == "domain" {
		typ = "uco-observable:DomainName"
		facet["@type"] = "uco-observable:DomainNameFacet"
		facet["uco-observable:value"] = f.Indicator
	} else {
		return id, node{"@id": id, "@type": typ, "uco-core:name": f.Indicator}
	}
	return id, node{"@id": id, "@type": typ, "uco-core:hasFacet": []node{facet}}
}

// entryArtefact returns the artefact an ingest or parse entry is about.
func caseKey(st *state) string {
	if st.info.CaseID != "" {
		return st.info.CaseID
	}
	return sha256Hex([]byte(st.ck.Origin))[:32]
}

func displayNames(a *artefact) string { return strings.Join(displayNameList(a), ", ") }

// displayNameList quotes each name an artefact was received under.
func displayNameList(a *artefact) []string {
	if len(a.names) == 0 {
		return []string{"(unnamed)"}
	}
	q := make([]string, len(a.names))
	for i, n := range a.names {
		q[i] = strconv.Quote(n)
	}
	return q
}

func orNone(s string) string {
	if s == "" {
		return "(not stated)"
	}
	return s
}

func clamp01(p float64) float64 { return math.Max(0, math.Min(1, p)) }
