package export

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/annotate"
)

// STIXSelection is a part of a case to share as a STIX 2.1 bundle outside
// a package (casefile notify writes one beside its MISP event, of the same
// selection): the curated IOC list when the team made one, else the
// sources given.
type STIXSelection struct {
	CaseID, Title string
	// Author is the analyst the objects are created by.
	Author string
	// TLP marks the bundle (clear, green, amber, amber+strict, red; ""
	// is amber); a curated indicator carries its own.
	TLP string
	// Time is when the selection was made: the created and modified time
	// of the identity and of the sources' objects, which a bundle outside
	// a package cannot take from the package's history.
	Time time.Time
	// Findings are the sources (each with its verdict, the examiner's when
	// recorded, in Role); IOCs, when any, the curated list, which then
	// alone makes the bundle's indicators, typed by the verdict of a
	// finding of the same value.
	Findings []Finding
	IOCs     []annotate.IOC
}

// STIXBundle writes the bundle of a selection with the same objects a
// package's stix-bundle.json has for them (sourceObjects, stixCurated),
// without the exhibits, which travel in a package only. A special-purpose
// address is observed data, as in a package; whether a source was seen
// only as a destination is the package's knowledge and not checked here.
func STIXBundle(sel STIXSelection) ([]byte, error) {
	tlp := stixTLP(sel.TLP)
	if tlp == "" {
		tlp = "amber"
	}
	if tlpMarkings[tlp] == "" {
		return nil, fmt.Errorf("tlp %q: want clear, green, amber or red", sel.TLP)
	}
	created := stamp(sel.Time)
	objs, fr := stixHead(sel.CaseID, sel.Author, sel.Title, sel.CaseID, tlp, created)
	if len(sel.IOCs) > 0 {
		roles := map[string]string{}
		for _, f := range sel.Findings {
			roles[strings.ToLower(f.Indicator)] = f.Role
		}
		objs = stixCurated(objs, sel.IOCs, sel.CaseID, fr.identity, func(v string) string { return roles[strings.ToLower(v)] })
	} else {
		fr.times = func(string) (string, string) { return created, created }
		fr.notActionable = specialPurpose
		for _, f := range sel.Findings {
			objs = append(objs, fr.sourceObjects(f)...)
		}
	}
	body, err := json.Marshal(objs)
	if err != nil {
		return nil, err
	}
	bundle := node{"type": "bundle", "id": "bundle--" + uuid5(casefileNS, sel.CaseID+"/bundle/selection/"+sha256Hex(body)), "objects": objs}
	b, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
