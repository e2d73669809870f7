package export

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// STIX 2.1 identifiers are UUIDv5, so that the same case state gives the
// same bundle: SCOs in the namespace the specification fixes for them,
// everything else in Casefile's own namespace, named by case and content.
var (
	stixSCONamespace = [16]byte{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}
	casefileNS       = [16]byte{0x6f, 0x3c, 0x1d, 0x52, 0x8a, 0x0e, 0x4b, 0x7f, 0x9d, 0x21, 0x44, 0x0c, 0x5e, 0x73, 0xa1, 0x9b}
)

// uuid5 is an RFC 9562 version 5 UUID.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	s := h.Sum(nil)[:16]
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	x := hex.EncodeToString(s)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// tlpMarkings are the STIX 2.1 TLP marking-definition objects (fixed ids).
var tlpMarkings = map[string]string{
	"white": "613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"green": "34098fce-860f-48ae-8e50-ebd3cc5e41da",
	"amber": "f88d31f6-486f-44da-b317-01333bde0b82",
	"red":   "5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

// Role mappings to the STIX open vocabularies.
var (
	indicatorTypes = map[string]string{
		"perpetrator-infrastructure": "malicious-activity",
		"anonymization-relay":        "anonymization",
		"compromised-third-party":    "compromised",
		"abused-platform":            "benign",
	}
	infrastructureTypes = map[string]string{
		"anonymization-relay": "anonymization",
	}
	roleNames = map[string]string{
		"perpetrator-infrastructure": "the perpetrator's own infrastructure",
		"anonymization-relay":        "an anonymising relay",
		"compromised-third-party":    "a compromised third-party system",
		"abused-platform":            "an abused legitimate platform",
		"undetermined":               "undetermined",
	}
)

// stixConfidence maps the analytic confidence to the STIX 2.1 confidence
// scale by the "None, Low, Med, High" scale of the specification's
// confidence appendix (Low 15, Med 50, High 85); -1 when none is stated.
func stixConfidence(c string) int {
	switch strings.ToLower(c) {
	case "low":
		return 15
	case "moderate", "medium", "med":
		return 50
	case "high":
		return 85
	}
	return -1
}

// scoID is the deterministic identifier of STIX 2.1 §2.9: a UUIDv5 in the
// SCO namespace over the canonical JSON (RFC 8785) of the type's
// ID-contributing properties that are present.
func scoID(typ string, props node) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(props); err != nil {
		panic(err) // strings and maps of strings only
	}
	return typ + "--" + uuid5(stixSCONamespace, strings.TrimSuffix(b.String(), "\n"))
}

// fileSCO is an exhibit as a STIX file object. Its id contributes the
// name and one hash, the first of MD5, SHA-1, SHA-256 (§2.9).
func fileSCO(a *artefact, marks []string) node {
	hashes := node{"SHA-256": a.digest.Hex()}
	idHash := node{"SHA-256": a.digest.Hex()}
	if a.sha1 != "" {
		hashes["SHA-1"], idHash = a.sha1, node{"SHA-1": a.sha1}
	}
	if a.md5 != "" {
		hashes["MD5"], idHash = a.md5, node{"MD5": a.md5}
	}
	idProps := node{"hashes": idHash}
	f := node{"type": "file", "spec_version": "2.1", "hashes": hashes, "size": a.size, "object_marking_refs": marks}
	if len(a.names) > 0 {
		f["name"], idProps["name"] = a.names[0], a.names[0]
	}
	f["id"] = scoID("file", idProps)
	return f
}

// stixTimes are the created and modified times of the assessment objects:
// created when the case was first assessed, modified when the assessment
// the package rests on was recorded (the same entry, hence the same
// times, for as long as the assessment does not change).
func (st *state) stixTimes() (string, string) {
	if st.assessment == nil {
		return stamp(st.time), stamp(st.time)
	}
	first := st.firstAssessed
	if first.IsZero() || first.After(st.assessment.Time) {
		first = st.assessment.Time
	}
	return stamp(first), stamp(st.assessment.Time)
}

// sourceTimes are the created and modified times of the objects of one
// source: from its own history where the assessment entries keep their
// leaves (history.go), so that they stay put while its assessment does;
// else, and for the created time of a source first assessed before leaves
// were kept, those of the case's assessments as a whole (stixTimes).
func (st *state) sourceTimes(ind string) (string, string) {
	created, modified := st.stixTimes()
	c, m, ok := st.history.times(ind)
	switch {
	case !ok:
		return created, modified
	case c.IsZero():
		c = st.firstAssessed
	}
	if c.After(m) { // STIX: modified is never before created
		c = m
	}
	return stamp(c), stamp(m)
}

// analyst is who recorded the assessment (the exporting examiner when
// none is recorded).
func (d *document) analyst() string {
	if d.st.assessment != nil && d.st.assessment.Actor != "" {
		return d.st.assessment.Actor
	}
	return d.o.Actor
}

// stixBundle writes the assessment for CERTs and police: each source as
// an SCO; a source that may be acted upon as infrastructure and an
// indicator (valid until its data goes stale) linked by relationships; a
// special-purpose or destination-only address as observed-data only; a
// note with the assessment text; the exhibits as file SCOs; all by the
// analyst who assessed and marked with the TLP level.
func (d *document) stixBundle() ([]byte, error) {
	st := d.st
	key := caseKey(st)
	created, _ := st.stixTimes()
	objs, fr := stixHead(key, d.analyst(), st.info.Title, st.info.CaseID, d.o.TLP, created)
	fr.times, fr.notActionable = st.sourceTimes, st.notActionable
	for _, a := range st.artefacts {
		objs = append(objs, fileSCO(a, fr.marks))
	}
	for _, f := range st.findings {
		objs = append(objs, fr.sourceObjects(f)...)
	}
	if d.ann != nil {
		objs = stixCurated(objs, packageIOCs(d.ann, d.m.Export), key, fr.identity, nil)
	}
	bundle := node{"type": "bundle", "id": "bundle--" + uuid5(casefileNS, fmt.Sprintf("%s/bundle/%d/%s", key, st.size, sha256Hex([]byte(fmt.Sprint(st.included, d.o.TLP, len(d.st.findings)))))), "objects": objs}
	b, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// stixFrame is what the objects of one bundle share: the case key their
// ids derive from, the analyst's identity, the bundle's TLP marking, and
// where the times of a source and whether it may be acted upon come from
// (the package's history and scope, or a selection's own time).
type stixFrame struct {
	key, identity, author string
	marks                 []string
	times                 func(ind string) (created, modified string)
	notActionable         func(Finding) string
}

// stixHead is the TLP marking definition and the analyst's identity that
// begin a bundle, and the frame of its other objects.
func stixHead(key, author, title, caseID, tlp, created string) ([]node, stixFrame) {
	mark := "marking-definition--" + tlpMarkings[tlp]
	fr := stixFrame{key: key, author: author, marks: []string{mark},
		identity: "identity--" + uuid5(casefileNS, key+"/identity/"+author)}
	return []node{
		{"type": "marking-definition", "spec_version": "2.1", "id": mark, "created": "2017-01-20T00:00:00.000Z",
			"definition_type": "tlp", "name": "TLP:" + strings.ToUpper(tlp), "definition": node{"tlp": tlp}},
		{"type": "identity", "spec_version": "2.1", "id": fr.identity, "created": created, "modified": created,
			"name": author, "identity_class": "individual", "object_marking_refs": fr.marks,
			"description": fmt.Sprintf("Analyst who assessed the sources of case %q (%s)", title, caseID)},
	}, fr
}

// sourceObjects are the objects of one source: its SCO; observed data
// when it may not be acted upon, else infrastructure and an indicator
// (typed by its role: a relay is "anonymization", a platform "benign",
// only the perpetrator's own "malicious-activity") with their
// relationships; and the note with its assessment.
func (fr stixFrame) sourceObjects(f Finding) []node {
	fCreated, fModified := fr.times(f.Indicator)
	sdo := func(typ, name string, n node) node {
		n["type"], n["spec_version"], n["created"], n["modified"] = typ, "2.1", fCreated, fModified
		n["id"] = typ + "--" + uuid5(casefileNS, fr.key+"/"+typ+"/"+name)
		n["created_by_ref"], n["object_marking_refs"] = fr.identity, fr.marks
		return n
	}
	withConf := func(n node, conf int) node {
		if conf >= 0 {
			n["confidence"] = conf
		}
		return n
	}
	conf := stixConfidence(f.Confidence)
	scoType, pattern := scoOf(f)
	sco := node{"type": scoType, "spec_version": "2.1", "value": f.Indicator, "object_marking_refs": fr.marks,
		"id": scoID(scoType, node{"value": f.Indicator})}
	objs := []node{sco}
	var refs []string
	if why := fr.notActionable(f); why != "" {
		first, last := fCreated, fCreated
		if f.FirstSeen != nil && f.LastSeen != nil {
			first, last = stamp(*f.FirstSeen), stamp(*f.LastSeen)
		}
		od := sdo("observed-data", f.Indicator, node{"first_observed": first, "last_observed": last,
			"number_observed": max(1, f.Events), "object_refs": []string{sco["id"].(string)}})
		objs = append(objs, withConf(od, conf))
		refs = []string{od["id"].(string)}
		f.Statement += " (" + why + ": shown as observed data, not as an indicator.)"
	} else {
		infraType := infrastructureTypes[f.Role]
		if infraType == "" {
			infraType = "unknown"
			if f.Role == "compromised-third-party" && f.Campaign != "" {
				infraType = "botnet"
			}
		}
		infra := withConf(sdo("infrastructure", f.Indicator, node{
			"name": viewOf(f).infrastructureName(), "infrastructure_types": []string{infraType},
			"description": f.Statement,
		}), conf)
		indType := indicatorTypes[f.Role]
		if indType == "" {
			indType = "unknown"
		}
		validFrom := fModified
		if f.FirstSeen != nil {
			validFrom = stamp(*f.FirstSeen)
		}
		ind := withConf(sdo("indicator", f.Indicator, node{
			"name": f.Indicator, "indicator_types": []string{indType}, "pattern": pattern, "pattern_type": "stix",
			"pattern_version": "2.1", "valid_from": validFrom,
			"description": viewOf(f).indicatorText(),
		}), conf)
		if vu := validUntil(f); vu != "" && vu > validFrom {
			ind["valid_until"] = vu
		}
		if f.Campaign != "" {
			ind["labels"] = []string{"campaign:" + f.Campaign}
		}
		rel1 := withConf(sdo("relationship", f.Indicator+"/indicates", node{"relationship_type": "indicates",
			"source_ref": ind["id"], "target_ref": infra["id"]}), conf)
		rel2 := sdo("relationship", f.Indicator+"/consists-of", node{"relationship_type": "consists-of",
			"source_ref": infra["id"], "target_ref": sco["id"]})
		objs = append(objs, infra, ind, rel1, rel2)
		refs = []string{infra["id"].(string), ind["id"].(string)}
	}
	content := f.Statement
	if f.Recommendation != "" {
		content += "\n\nRecommendation: " + f.Recommendation
	}
	if len(f.WouldChange) > 0 {
		content += "\n\nWhat would change this assessment: " + strings.Join(f.WouldChange, "; ") + "."
	}
	for _, fa := range f.Factors {
		content += fmt.Sprintf("\n- %s (ρ %.2f; %s)", fa.Text, fa.Rho, fa.Source)
	}
	note := withConf(sdo("note", f.Indicator, node{
		"abstract": noteAbstract + f.Indicator, "content": content,
		"authors": []string{fr.author}, "object_refs": refs,
	}), conf)
	return append(objs, note)
}

// noteAbstract begins the abstract of the note on each source.
const noteAbstract = "Attribution assessment of "

// roleName is a role in words.
func roleName(r string) string {
	if n := roleNames[r]; n != "" {
		return n
	}
	return r
}

// infrastructureName and indicatorText are what the STIX infrastructure
// and indicator of a source say of it, written from and checked against
// its assessment leaf.
func (v leafView) infrastructureName() string {
	return fmt.Sprintf("%s (%s %s)", v.Indicator, v.Words, roleName(v.Role))
}

func (v leafView) indicatorText() string {
	return fmt.Sprintf("%s: %s %s. Analytic confidence %s. Collateral risk %.0f %%: %s",
		v.Indicator, v.Words, roleName(v.Role), v.Confidence, 100*clamp01(v.CollateralRisk), collateralPhrase(v.CollateralRisk))
}

// validUntil is when an indicator of f goes stale: ValidFor after it was
// last seen ("" when unknown).
func validUntil(f Finding) string {
	if f.ValidFor <= 0 || f.LastSeen == nil {
		return ""
	}
	return stamp(f.LastSeen.Add(f.ValidFor))
}

// scoOf picks the SCO type and STIX pattern for a source.
func scoOf(f Finding) (string, string) {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(f.Indicator)
	if a, err := netip.ParseAddr(f.Indicator); err == nil {
		if a.Is4() {
			return "ipv4-addr", "[ipv4-addr:value = '" + q + "']"
		}
		return "ipv6-addr", "[ipv6-addr:value = '" + q + "']"
	}
	if f.Type == "url" || strings.Contains(f.Indicator, "://") {
		return "url", "[url:value = '" + q + "']"
	}
	return "domain-name", "[domain-name:value = '" + q + "']"
}

// collateralPhrase says what the collateral risk means for action.
func collateralPhrase(p float64) string {
	if p > 0.2 {
		return "acting against this source would likely harm a third party; act only at your own perimeter and through the abuse contact, CERT or police"
	}
	return "acting against it is unlikely to harm a third party"
}
