package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/export"
)

// The MISP event of the curated IOC list: when the team has listed the
// indicators it decided to share (casefile ioc), the event holds those and
// nothing else, each with its own TLP (tag and distribution), the team's
// comment and who listed it in which custody entry. An indicator that is
// also an assessed source keeps what the verdict says: relays and
// platforms are not for detection (to_ids false), and the verdict is a
// tag and part of the comment. The event as a whole carries the strictest
// TLP of its items.

// tlpOrder ranks TLP levels from the least to the most restrictive.
var tlpOrder = []string{"clear", "green", "amber", "amber+strict", "red"}

// strictestTLP is the most restrictive TLP of the items.
func strictestTLP(iocs []annotate.IOC) string {
	best := 0
	for _, x := range iocs {
		best = max(best, slices.Index(tlpOrder, x.TLP))
	}
	return tlpOrder[best]
}

// mispTypeOf maps a Casefile indicator type to a MISP attribute type and
// category, and whether MISP's defaults take it for detection.
func mispTypeOf(x annotate.IOC) (typ, category string, ids bool) {
	switch x.Type {
	case "ip":
		return "ip-src", "Network activity", true
	case "domain", "url":
		return x.Type, "Network activity", true
	case "service":
		return "hostname", "Network activity", true
	case "email":
		return "email-src", "Payload delivery", true
	case "hash":
		switch len(x.Indicator) {
		case 32:
			return "md5", "Payload delivery", true
		case 40:
			return "sha1", "Payload delivery", true
		}
		return "sha256", "Payload delivery", true
	case "ssh-key":
		return "ssh-fingerprint", "Network activity", false
	case "user-agent":
		return "user-agent", "Network activity", false
	}
	return "text", "Other", false // an account name the attacker used, and the like
}

// curatedTargets is the curated list as targets (for the custody entry),
// each with the finding of the same source when there is one.
func curatedTargets(iocs []annotate.IOC, findings []export.Finding) []*target {
	var ts []*target
	for _, x := range iocs {
		t := &target{finding: &export.Finding{Indicator: x.Indicator, Type: x.Type}}
		if i := slices.IndexFunc(findings, func(f export.Finding) bool { return strings.EqualFold(f.Indicator, x.Indicator) }); i >= 0 {
			f := &findings[i]
			t.finding, t.role, t.probability = f, f.Role, f.Probability
			if f.Examiner != nil {
				t.role, t.probability = f.Examiner.Role, f.Hypotheses[f.Examiner.Role]
			}
		}
		ts = append(ts, t)
	}
	return ts
}

// mispCurated writes the MISP event of the curated indicators.
func mispCurated(iocs []annotate.IOC, ts []*target, o Options, now time.Time) ([]byte, error) {
	tlp := strictestTLP(iocs)
	stamp := strconv.FormatInt(now.Unix(), 10)
	ev := mispHeader(o, tlp, now, fmt.Sprintf("Casefile case %s: %d indicators curated by the examiners", o.CaseID, len(iocs)), len(iocs))
	for i, x := range iocs {
		typ, cat, ids := mispTypeOf(x)
		a := mispAttribute{ID: strconv.Itoa(i + 1), UUID: reportID("misp\x00" + o.CaseID + "\x00" + x.Indicator), EventID: "0",
			Category: cat, Type: typ, ToIDS: ids, Distribution: mispDistribution[x.TLP], Timestamp: stamp, Value: x.Indicator,
			Tag: []mispTag{{Name: "tlp:" + x.TLP}, {Name: "casefile:curated"}}}
		var notes []string
		if x.Comment != "" {
			notes = append(notes, x.Comment)
		}
		t := ts[i]
		if t.role != "" {
			a.Tag = append(a.Tag, mispTag{Name: `casefile:verdict="` + t.role + `"`})
			if w, ok := mispVerdict[t.role]; ok {
				notes = append(notes, fmt.Sprintf("Casefile verdict: %s (p = %.2f)", w, t.probability))
			}
			if t.role == "anonymization-relay" || t.role == "abused-platform" {
				a.ToIDS = false
				notes = append(notes, "not for blocking or alerting: it serves others too")
			}
		}
		if f := t.finding; f.FirstSeen != nil && f.LastSeen != nil {
			a.FirstSeen, a.LastSeen = f.FirstSeen.UTC().Format(time.RFC3339), f.LastSeen.UTC().Format(time.RFC3339)
		}
		notes = append(notes, fmt.Sprintf("listed by %s (custody entry #%d)", x.Actor, x.Entry))
		a.Comment = strings.Join(notes, "; ")
		ev.Attribute = append(ev.Attribute, a)
	}
	b, err := json.MarshalIndent(map[string]any{"Event": ev}, "", "  ")
	return append(b, '\n'), err
}
