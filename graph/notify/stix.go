package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/export"
)

// STIXFile is the STIX 2.1 bundle in the notify directory: the same
// selection as the MISP event (the curated IOC list, else the sources with
// an external verdict), for a CERT or the police whose tools read STIX
// rather than MISP. export.STIXBundle writes it with the objects a
// package's bundle has, so a relay is an "anonymization" indicator and a
// platform a "benign" one, never "malicious-activity". A curated item
// STIX patterns cannot name (an SSH key fingerprint) is in the MISP event
// only.
const STIXFile = "stix-bundle.json"

// writeSTIX writes the bundle of the targets (and of the curated list when
// iocs is not empty) marked tlp, and records it.
func writeSTIX(ctx context.Context, c *evidence.Case, o Options, ts []*target, iocs []annotate.IOC, tlp string) (*Report, error) {
	author := o.Examiner
	if author == "" {
		author = o.Actor
	}
	info, err := c.Info()
	if err != nil {
		return nil, err
	}
	b, err := export.STIXBundle(export.STIXSelection{CaseID: o.CaseID, Title: info.Title, Author: author, TLP: tlp,
		Time: time.Now(), Findings: stixFindings(ts), IOCs: iocs})
	if err != nil {
		return nil, err
	}
	to := "STIX 2.1 bundle of the same selection as the MISP event, to share with a CERT or the police"
	return writeDraft(ctx, c, o, STIXFile, b, ts, to)
}

// stixFindings are the targets' findings with the verdict the MISP event
// gives them: the examiner's, when recorded, replaces the model's role and
// leads the statement with the examiner's rationale. The model's
// probability of that role, often small, and its confidence in its own
// verdict are not the examiner's: the indicator states neither (no STIX
// confidence), as the X-ARF report does.
func stixFindings(ts []*target) []export.Finding {
	out := make([]export.Finding, 0, len(ts))
	for _, t := range ts {
		f := *t.finding
		if x := f.Examiner; x != nil && t.role != f.Role {
			f.Statement = fmt.Sprintf("Examiner's verdict: %s, by %s: %s (the model: %s, p = %.2f: %s)",
				mispVerdict[t.role], x.Actor, x.Rationale, f.Role, f.Probability, f.Statement)
			f.Role, f.Probability = t.role, t.probability
			f.Words, f.Confidence = "by the examiner's verdict", "not stated (the examiner's verdict)"
		}
		out = append(out, f)
	}
	return out
}
