package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph/attrib"
)

// Drafts that a person completes and sends, or hands to the authority
// that may send them: a preservation request to each provider whose logs
// the case needs, and the three stages of a NIS2 incident notification.
// Both say what the case knows, cite it, and name what it does not know.

// PreservationFile and NIS2File are the drafts' file names.
const (
	PreservationFile = "preservation-request.txt"
	NIS2File         = "nis2-notification-draft.txt"
)

// preserves are the verdicts whose provider holds logs that identify the
// next hop: a relay's operator, a platform, the host of the attacker's
// own server. (A compromised host's owner is warned in the e-mail.)
var preserves = []string{attrib.Relay, attrib.Platform, attrib.Perpetrator}

// preservationRequest is the request to preserve, for the dates seen, the
// records a provider holds about its addresses; nil when none of ts needs
// one. It is specific, as a European Preservation Order (Regulation (EU)
// 2023/1543) or a national order would have to be, so that the authority
// that issues one can take it over.
func preservationRequest(to string, ts []*target, o Options) []byte {
	var need []*target
	for _, t := range ts {
		if slices.Contains(preserves, t.role) {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	net := need[0].contact.NetName
	if net == "" {
		net = need[0].contact.Network
	}
	w("DRAFT: request to preserve data (not sent; complete and send, or hand to the police)\n\n")
	w("To:       %s (abuse contact of %s, as %s records it)\n", to, net, need[0].contact.Source)
	w("From:     %s <%s>\n", o.From.Org, o.From.Contact)
	w("Subject:  Request to preserve records of %d address(es), %s\n\n", len(need), dateRange(span(need)))
	w("We ask you to preserve, and not yet to disclose, the records you hold about the\n")
	w("addresses and times below. They were used in an intrusion into our systems that\n")
	w("we are reporting to law enforcement; a disclosure, if any, will be requested by\n")
	w("the competent authority (in the EU, for example, a European Production Order\n")
	w("following a European Preservation Order under Regulation (EU) 2023/1543, or a\n")
	w("national order). Please keep the records until that authority has decided, and\n")
	w("tell us if you keep none.\n\n")
	for i, t := range need {
		f := t.finding
		w("%d. %s, assessed as %s\n", i+1, f.Indicator, roleNoun[t.role])
		w("   Times (UTC): %s\n", timesOf(f))
		var ports []string
		for _, x := range t.excerpts {
			if p := x.Event.SrcPort; p > 0 && len(ports) < 8 {
				ports = append(ports, fmt.Sprintf("%s source port %d", utc(x.Time), p))
			}
		}
		if len(ports) > 0 {
			w("   Connections (time, source port): %s\n", strings.Join(ports, "; "))
		}
		w("   Records asked for: %s\n", recordsFor(t.role))
		w("   Days: %s\n\n", days(f.FirstSeen, f.LastSeen))
	}
	w("The evidence is preserved in a signed case (key fingerprint %s); an export\n", o.Fingerprint)
	w("package that the police can verify offline is available to the authority.\n")
	return []byte(b.String())
}

// recordsFor says which records identify the next hop for a verdict.
func recordsFor(role string) string {
	switch role {
	case attrib.Relay:
		return "connection or flow records of the relay for these times (which address connected to it), if kept; the operator's subscriber data"
	case attrib.Platform:
		return "the account or resource using the address at these times: its sign-up data, access logs and the addresses it was reached from"
	default:
		return "subscriber and payment data of the customer using the address, and connection records for these times"
	}
}

func timesOf(f *export.Finding) string {
	if f.FirstSeen == nil || f.LastSeen == nil {
		return "see the log lines in the abuse report"
	}
	return seen(*f.FirstSeen, *f.LastSeen)
}

// nis2Draft is the NIS2 (Directive (EU) 2022/2555, Article 23) incident
// notification in its three stages, with the deadlines counted from when
// the incident became known, the facts the case holds and what it does
// not. acted are the findings of every source that acted against the
// organisation (rules caught it, or it has an external verdict).
func nis2Draft(acted []export.Finding, ts []*target, o Options) []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	act := export.ActivityOf(acted)
	first, last, did := act.First, act.Last, didSummary(act)
	known := o.Detected
	w("DRAFT: NIS2 incident notification (Directive (EU) 2022/2555, Article 23)\n")
	w("For an essential or important entity, to its CSIRT or competent authority.\n")
	w("Not sent. Lines marked TO FILL are not known to the case.\n\n")
	w("Organisation: %s (contact %s)\n", o.From.Org, o.From.Contact)
	if known.IsZero() {
		w("Became aware of the incident: TO FILL (casefile notify --detected TIME)\n")
	} else {
		w("Became aware of the incident: %s; %s\n", utc(known), o.DetectedWhy)
		ew, nt := known.Add(24*time.Hour), known.Add(72*time.Hour)
		w("  early warning by             %s (24 hours)\n", utc(ew))
		w("  incident notification by     %s (72 hours)\n", utc(nt))
		w("  final report by              one month after the incident notification is\n")
		w("                               submitted (at the latest %s)\n", utc(nt.AddDate(0, 1, 0)))
	}
	if first.IsZero() {
		w("First hostile event: none found in the case\n\n")
	} else {
		w("First hostile event: %s; last: %s\n\n", utc(first), utc(last))
	}
	w("1. EARLY WARNING (within 24 hours)\n")
	w("   Suspected unlawful or malicious act: %s\n", yesNo(len(acted) > 0, fmt.Sprintf("yes: %d source(s) acted against our systems (%s)", len(acted), did)))
	w("   Cross-border impact possible: TO FILL (which services, users in other Member States)\n\n")
	w("2. INCIDENT NOTIFICATION (within 72 hours)\n")
	w("   Update of the early warning: TO FILL\n")
	w("   Initial assessment, severity and impact: TO FILL (services affected, users, data)\n")
	w("   Indicators of compromise: the sources with an external verdict, listed in\n")
	w("   misp-event.json (MISP) and the abuse reports. Relays and platforms serve others\n")
	w("   too and are not the attacker:\n")
	for _, t := range ts {
		p := fmt.Sprintf("p = %.2f", t.probability)
		if t.byExaminer {
			p = "the examiner's verdict"
		}
		w("     %-40s %s (%s)\n", t.finding.Indicator, roleNoun[t.role], p)
	}
	if len(ts) == 0 {
		w("     none: no source has an external verdict\n")
	}
	w("\n3. FINAL REPORT (within one month of the notification)\n")
	w("   Detailed description, severity and impact: TO FILL\n")
	w("   Type of threat or root cause: TO FILL (the case shows: %s)\n", did)
	w("   Mitigation applied and ongoing: TO FILL\n")
	w("   Cross-border impact: TO FILL\n\n")
	w("The evidence is preserved in a signed case (key fingerprint %s); an export\n", o.Fingerprint)
	w("package that the authority can verify offline is available on request.\n")
	return []byte(b.String())
}

func yesNo(ok bool, yes string) string {
	if ok {
		return yes
	}
	return "not shown by the case"
}

// didSummary says what the sources that acted did, in the model's words,
// most frequent first.
func didSummary(a export.Activity) string {
	if len(a.Did) == 0 {
		return "no behaviour the rules name"
	}
	out := make([]string, len(a.Did))
	for i, d := range a.Did {
		out[i] = fmt.Sprintf("%s by %d", d.Did, d.Sources)
	}
	return strings.Join(out, ", ")
}
