package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The MISP event (MISP core format, draft-dulaunoy-misp-core-format) of
// the sources with an external verdict, for a CERT or the police to import
// into their MISP. Ids, timestamps and distribution levels are strings, as
// the format wants. Relays and platforms are shared with to_ids false:
// other organisations must not block or alert on a Tor exit or a cloud
// front end as if it were the attacker's; the perpetrator's infrastructure
// and compromised systems are shared for detection.

// MISPFile is the name of the MISP event in the notify directory.
const MISPFile = "misp-event.json"

// mispDistribution maps a TLP level to MISP's distribution: red and amber
// stay in the recipient's organisation (0), green goes to its community
// (1), clear to all communities (3).
var mispDistribution = map[string]string{"red": "0", "amber": "0", "amber+strict": "0", "green": "1", "clear": "3", "white": "3"}

// mispVerdict names a verdict for MISP comments and tags.
var mispVerdict = map[string]string{
	"perpetrator-infrastructure": "the perpetrator's own infrastructure",
	"anonymization-relay":        "an anonymising relay",
	"compromised-third-party":    "a compromised third-party system",
	"abused-platform":            "an abused legitimate platform",
}

type mispTag struct {
	Name string `json:"name"`
}

type mispOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type mispAttribute struct {
	ID           string    `json:"id"`
	UUID         string    `json:"uuid"`
	EventID      string    `json:"event_id"`
	Type         string    `json:"type"`
	Category     string    `json:"category"`
	ToIDS        bool      `json:"to_ids"`
	Distribution string    `json:"distribution"`
	Timestamp    string    `json:"timestamp"`
	Deleted      bool      `json:"deleted"`
	Value        string    `json:"value"`
	Comment      string    `json:"comment"`
	FirstSeen    string    `json:"first_seen,omitempty"`
	LastSeen     string    `json:"last_seen,omitempty"`
	Tag          []mispTag `json:"Tag"`
}

type mispEventBody struct {
	ID               string          `json:"id"`
	UUID             string          `json:"uuid"`
	Info             string          `json:"info"`
	Date             string          `json:"date"`
	Published        bool            `json:"published"`
	Timestamp        string          `json:"timestamp"`
	PublishTimestamp string          `json:"publish_timestamp"`
	OrgID            string          `json:"org_id"`
	OrgcID           string          `json:"orgc_id"`
	Distribution     string          `json:"distribution"`
	SharingGroupID   string          `json:"sharing_group_id"`
	ThreatLevelID    string          `json:"threat_level_id"`
	Analysis         string          `json:"analysis"`
	AttributeCount   string          `json:"attribute_count"`
	Org              mispOrg         `json:"Org"`
	Orgc             mispOrg         `json:"Orgc"`
	Tag              []mispTag       `json:"Tag"`
	Attribute        []mispAttribute `json:"Attribute"`
}

// mispHeader is the event without its attributes: who shares it, how far
// (distribution from the TLP) and marked with which TLP.
func mispHeader(o Options, tlp string, now time.Time, info string, n int) mispEventBody {
	org := mispOrg{ID: "0", Name: o.From.Org, UUID: reportID("org\x00" + o.From.Org)}
	if org.Name == "" {
		org.Name = "(the reporting organisation)"
	}
	return mispEventBody{
		ID: "0", UUID: reportID("misp\x00" + o.CaseID), Info: info,
		Date: now.UTC().Format("2006-01-02"), Timestamp: strconv.FormatInt(now.Unix(), 10), PublishTimestamp: "0", OrgID: "0", OrgcID: "0",
		Distribution: mispDistribution[tlp], SharingGroupID: "0", ThreatLevelID: "2", Analysis: "1", Org: org, Orgc: org,
		Tag: []mispTag{{Name: "tlp:" + tlp}}, AttributeCount: strconv.Itoa(n),
	}
}

// mispEvent writes the event of the targets (each with an external
// verdict, the examiner's when recorded) as {"Event": …}.
func mispEvent(ts []*target, o Options, now time.Time) ([]byte, error) {
	tlp := o.TLP
	if tlp == "" {
		tlp = "amber"
	}
	if _, ok := mispDistribution[tlp]; !ok {
		return nil, fmt.Errorf("tlp %q: want clear, green, amber or red", tlp)
	}
	stamp := strconv.FormatInt(now.Unix(), 10)
	ev := mispHeader(o, tlp, now, fmt.Sprintf("Casefile case %s: %d sources with an external verdict", o.CaseID, len(ts)), len(ts))
	for i, t := range ts {
		f := t.finding
		a := mispAttribute{ID: strconv.Itoa(i + 1), UUID: reportID("misp\x00" + o.CaseID + "\x00" + f.Indicator), EventID: "0",
			Category: "Network activity", Type: "ip-src", ToIDS: t.role == "perpetrator-infrastructure" || t.role == "compromised-third-party",
			Distribution: "5", Timestamp: stamp, Value: f.Indicator,
			Tag: []mispTag{{Name: "tlp:" + tlp}, {Name: `casefile:verdict="` + t.role + `"`}}}
		switch f.Type {
		case "domain", "url":
			a.Type = f.Type
		case "service": // a cloud service principal the logs name (CloudTrail's config.amazonaws.com)
			a.Type = "hostname"
		}
		a.Comment = fmt.Sprintf("Casefile verdict: %s (p = %.2f, analytic confidence %s)", mispVerdict[t.role], t.probability, f.Confidence)
		if x := f.Examiner; x != nil {
			a.Comment = fmt.Sprintf("Examiner's verdict: %s, by %s: %s (the model: %s, p = %.2f)", mispVerdict[x.Role], x.Actor, x.Rationale, f.Role, f.Probability)
		}
		if !a.ToIDS {
			a.Comment += "; not for blocking or alerting: it serves others too"
		}
		if f.FirstSeen != nil && f.LastSeen != nil {
			a.FirstSeen, a.LastSeen = f.FirstSeen.UTC().Format(time.RFC3339), f.LastSeen.UTC().Format(time.RFC3339)
		}
		ev.Attribute = append(ev.Attribute, a)
	}
	b, err := json.MarshalIndent(map[string]any{"Event": ev}, "", "  ")
	return append(b, '\n'), err
}
