package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/graph/attrib"
)

// roleNoun names a verdict in words for the recipient.
var roleNoun = map[string]string{
	attrib.Compromised: "compromised third party (a host used by someone other than its owner)",
	attrib.Relay:       "anonymising relay (it carried someone else's traffic)",
	attrib.Platform:    "abused platform (a legitimate service used by the attacker)",
	attrib.Perpetrator: "attacker's own infrastructure",
}

// ask is what the e-mail asks of the recipient for each verdict: the owner
// of a compromised host is warned, not accused; a relay operator is asked
// to preserve logs; a platform to look at the named account or resource.
var ask = map[string]string{
	attrib.Compromised: `The host(s) listed below as "compromised third party" were used against our
systems. What we saw suggests that each has been compromised and is being used
by someone other than its owner: we do not suspect the owner. Please let the
owner know, so that the host can be examined and cleaned. The log lines below
show what we saw and may help them find the intruder in their own logs.`,
	attrib.Relay: `The address(es) listed below as "anonymising relay" were relays (such as Tor
exits) when they were used against our systems. We understand that a relay
carries other people's traffic, and we do not suspect its operator. We ask you,
and the relay's operator, to preserve any logs kept for the dates given below
(connection records, flow data) in case law enforcement asks for them through
the proper channel. If no such logs are kept, a short reply saying so helps us
too.`,
	attrib.Platform: `The account(s) or resource(s) on your platform listed below as "abused
platform" were used against our systems. Please review each one under your
terms of service, and preserve its records (sign-up data, access logs) for the
dates given below in case law enforcement asks for them.`,
	attrib.Perpetrator: `The host(s) listed below as "attacker's own infrastructure" appear to be
operated by the attacker (not a relay, and not somebody else's compromised
machine). Please act under your acceptable use policy, and preserve the logs and
subscriber records for the dates given below, which law enforcement may
request.`,
}

// emailBody is the plain-text e-mail for one contact: a subject line, what
// is asked for each kind of source, one block per source with only its
// cited log lines, and how the evidence can be checked.
func emailBody(to string, ts []*target, o Options) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	first, last := span(ts)
	c0 := ts[0].contact
	net := c0.NetName
	if net == "" {
		net = c0.Network
	}
	if c0.Kind == KindPlatform {
		net = c0.Provider
	}
	what, whats := "address", "addresses"
	if c0.Kind == KindRegistrar {
		what, whats = "domain", "domains"
	}
	if len(ts) > 1 {
		what = fmt.Sprintf("%d %s", len(ts), whats)
	}
	w("To: %s\n", to)
	w("Subject: Abuse report: %s in %s used against %s, %s\n\n", what, net, o.From.Org, dateRange(first, last))
	w("Dear abuse team,\n\n")
	kinds := map[string]bool{}
	for _, t := range ts {
		kinds[t.contact.Kind] = true
	}
	lead := []string{fmt.Sprintf("We are %s.", o.From.Org)}
	if kinds[KindNetwork] {
		lead = append(lead, "The registry lists you as the abuse contact for the network(s) below.")
	}
	if kinds[KindRegistrar] {
		lead = append(lead, "The registration data (WHOIS) of the domain(s) below names you as the abuse contact of their registrar.")
	}
	if i := slices.IndexFunc(ts, func(t *target) bool { return t.contact.Kind == KindPlatform }); i >= 0 {
		lead = append(lead, fmt.Sprintf("The address(es) below with \"your customer\" are inside the published address ranges of %s, and the registry shows them reassigned to a customer of yours. We write to you rather than to the customer: the customer may be the abuser or may itself be abused, and only you can reach the account behind the address and keep its records. Please pass this report on to the customer named, or act on it yourself.", ts[i].contact.Provider))
	}
	w("%s\n", wrap(strings.Join(lead, " "), "", 78))
	var roles []string
	for _, t := range ts {
		if !slices.Contains(roles, t.role) {
			roles = append(roles, t.role)
		}
	}
	for _, r := range roles {
		w("%s\n\n", ask[r])
	}
	unit := "address"
	if c0.Kind == KindRegistrar {
		unit = "domain"
	}
	w("Times are in UTC. Machine-readable X-ARF v4 reports, one per %s, are\n", unit)
	w("attached (xarf-*.json).\n\n")
	for i, t := range ts {
		f := t.finding
		w("%d. %s", i+1, f.Indicator)
		switch c := t.contact; {
		case c.Kind == KindRegistrar:
			if c.NetName != "" {
				w(" (registrar %s)", c.NetName)
			}
		case c.Kind == KindPlatform:
			w(" (%s %s)", c.Provider, c.Service)
		case c.Network != "" || c.NetName != "":
			w(" (network %s)", strings.TrimSpace(c.Network+" "+c.NetName))
		}
		w("\n")
		if c := t.contact; c.Kind == KindPlatform {
			line := fmt.Sprintf("Your customer: %s, to whom the registry shows %s reassigned", c.Customer, c.Network)
			if c.CustomerEmail != "" {
				line += fmt.Sprintf(" (the customer's own abuse contact there: %s)", c.CustomerEmail)
			}
			w("%s", wrap(line+". We found your abuse address in "+c.Via+".", "   ", 78))
		}
		verdict := fmt.Sprintf("%s, %s (%.0f%%)", roleNoun[t.role], f.Words, 100*t.probability)
		if t.byExaminer {
			verdict = roleNoun[t.role] + ", the examiner's verdict"
		}
		w("   Our assessment: %s\n", verdict)
		if f.FirstSeen != nil && f.LastSeen != nil {
			w("   Seen: %s (%s)\n", seen(*f.FirstSeen, *f.LastSeen), plural(f.Events, "event"))
		}
		if t.role != attrib.Compromised {
			w("   Dates to preserve: %s\n", days(f.FirstSeen, f.LastSeen))
		}
		var did []string
		for _, fa := range f.Factors {
			if fa.Did != "" && fa.Text != "" && !slices.Contains(did, fa.Text) {
				did = append(did, fa.Text)
			}
		}
		if len(did) > 0 {
			w("   What it did: %s\n", strings.Join(did, "; "))
		}
		if len(t.excerpts) > 0 {
			w("   Log lines (only those our assessment cites; our account names are\n")
			w("   replaced by %s):\n", Account)
			for _, x := range t.excerpts {
				w("     %s  %s line %d\n", utc(x.Time), x.Name, x.Line)
				if x.Text != "" {
					w("       %s\n", x.Text)
				}
			}
		}
		w("\n")
	}
	var files []string
	for _, t := range ts {
		for _, x := range t.excerpts {
			if f := fmt.Sprintf("  %s  %s\n", x.Artefact, x.Name); !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	w("The log lines are quoted from files preserved in our case, whose custody\n")
	w("log is signed with the key %s.\n", o.Fingerprint)
	if len(files) > 0 {
		w("The files quoted, by SHA-256:\n%s", strings.Join(files, ""))
	}
	w("On request we can give you, or law enforcement, a signed evidence package\n")
	w("that anyone can verify offline against that key.\n\n")
	w("Regards,\n%s\n%s\n", o.Examiner, o.From.Org)
	return b.String()
}

// describe is the X-ARF description of one source.
func describe(t *target) string {
	f := t.finding
	s := fmt.Sprintf("%s assessed as %s", f.Indicator, roleNoun[t.role])
	if f.FirstSeen != nil && f.LastSeen != nil {
		s += fmt.Sprintf("; seen %s, %s", seen(*f.FirstSeen, *f.LastSeen), plural(f.Events, "event"))
	}
	return s + "."
}

func span(ts []*target) (first, last time.Time) {
	for _, t := range ts {
		if fs := t.finding.FirstSeen; fs != nil && (first.IsZero() || fs.Before(first)) {
			first = *fs
		}
		if ls := t.finding.LastSeen; ls != nil && ls.After(last) {
			last = *ls
		}
	}
	return first, last
}

func seen(first, last time.Time) string {
	if first.Equal(last) {
		return utc(first)
	}
	return utc(first) + " to " + utc(last)
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func dateRange(first, last time.Time) string {
	switch {
	case first.IsZero():
		return "dates in the report"
	case first.UTC().Format("2006-01-02") == last.UTC().Format("2006-01-02"):
		return first.UTC().Format("2006-01-02")
	}
	return first.UTC().Format("2006-01-02") + " to " + last.UTC().Format("2006-01-02")
}

// days lists the UTC days from first to last (at most a week, then the
// range).
func days(first, last *time.Time) string {
	if first == nil || last == nil {
		return "the dates of the events"
	}
	a := first.UTC().Truncate(24 * time.Hour)
	z := last.UTC().Truncate(24 * time.Hour)
	if z.Sub(a) > 6*24*time.Hour {
		return a.Format("2006-01-02") + " to " + z.Format("2006-01-02")
	}
	var out []string
	for d := a; !d.After(z); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format("2006-01-02"))
	}
	return strings.Join(out, ", ")
}

// writeSummary writes summary.txt: the reports, and the sources no report
// could be addressed for, with what to do.
func writeSummary(dir string, res *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Abuse reports prepared by Casefile. Nothing has been sent.\n\n")
	switch {
	case len(res.Reports) > 0:
	case len(res.Unreached) == 0 && len(res.NotNotified) > 0:
		fmt.Fprintf(&b, "No abuse report: the sources with an external verdict are all the provider's own services (listed below), which no one outside is to be told about.\n")
	case len(res.Unreached) == 0:
		fmt.Fprintf(&b, "No abuse report: no source has a verdict that names someone outside who can act.\n")
	default:
		fmt.Fprintf(&b, "No abuse report: no source with an external verdict has a known abuse contact.\n")
	}
	for _, r := range res.Reports {
		fmt.Fprintf(&b, "%s  (%s; custody entry #%d)\n", r.To, strings.Join(r.Roles, ", "), r.Entry)
		fmt.Fprintf(&b, "  about %s\n", strings.Join(r.Sources, ", "))
		for _, f := range r.Files {
			fmt.Fprintf(&b, "  %s  %s\n", f.SHA256, f.Name)
		}
	}
	if m := res.MISP; m != nil {
		fmt.Fprintf(&b, "\nMISP event of %d source(s), to share with a CERT or the police (custody entry #%d)\n", len(m.Sources), m.Entry)
		for _, f := range m.Files {
			fmt.Fprintf(&b, "  %s  %s\n", f.SHA256, f.Name)
		}
	}
	if x := res.STIX; x != nil {
		fmt.Fprintf(&b, "\nSTIX 2.1 bundle of the same selection, for tools that read STIX (custody entry #%d)\n", x.Entry)
		for _, f := range x.Files {
			fmt.Fprintf(&b, "  %s  %s\n", f.SHA256, f.Name)
		}
		if len(res.STIXOmitted) > 0 {
			fmt.Fprintf(&b, "  not in the bundle, only in the MISP event (STIX patterns cannot name them): %s\n", strings.Join(res.STIXOmitted, ", "))
		}
	}
	if n := res.NIS2; n != nil {
		fmt.Fprintf(&b, "\nNIS2 incident notification draft, to complete (custody entry #%d)\n", n.Entry)
		for _, f := range n.Files {
			fmt.Fprintf(&b, "  %s  %s\n", f.SHA256, f.Name)
		}
	}
	if len(res.NotNotified) > 0 {
		fmt.Fprintf(&b, "\nNo report written for these, and not shared in the MISP event or the STIX bundle:\n")
		for _, u := range res.NotNotified {
			fmt.Fprintf(&b, "  %s (%s): %s\n", u.Indicator, u.Role, u.Why)
		}
	}
	if len(res.Unreached) > 0 {
		fmt.Fprintf(&b, "\nNo abuse contact known for:\n")
		for _, u := range res.Unreached {
			fmt.Fprintf(&b, "  %s (%s): %s\n", u.Indicator, u.Role, u.Why)
		}
	}
	return os.WriteFile(filepath.Join(dir, "summary.txt"), []byte(b.String()), 0o644)
}

// wrap breaks text into lines of at most width characters where it can
// (a longer word keeps its own line), each beginning with indent, and ends
// it with a newline.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		switch {
		case n == 0:
			b.WriteString(indent)
			n = len(indent)
		case n+1+len(word) > width:
			b.WriteString("\n" + indent)
			n = len(indent)
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	b.WriteByte('\n')
	return b.String()
}
