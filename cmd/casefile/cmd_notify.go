package main

import (
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/graph/notify"
)

func (a *app) notifyCmd() *cobra.Command {
	var out, org, contact, domain, tlp, detected string
	var indicators []string
	cmd := &cobra.Command{
		Use:   "notify --case DIR --out DIR [--indicator X]… [--org NAME] [--contact EMAIL] [--domain NAME]",
		Short: "Prepare abuse reports (e-mail text and X-ARF v4) for the sources' abuse contacts; sends nothing",
		Long: `Prepare, for every source whose verdict names someone outside who can act
(compromised third party, anonymising relay, abused platform, the attacker's
own infrastructure; the examiner's verdict when one was recorded), a report
to the abuse contact of its network: the contact is read from the recorded
RDAP answers (casefile enrich --rdap), else from WHOIS; a domain's from
its registrar's abuse contact in its WHOIS answer. An address inside a cloud
provider's published ranges (enrich with its ip-ranges file) that the
registry shows reassigned to a customer goes to the platform's abuse desk,
naming the customer: the desk is read from the case's registry answer for
the provider's own network, else from a built-in table that cites where
each provider publishes it. A cloud service principal (config.amazonaws.com)
is not notified: it is the provider acting for your own account. Sources
with one contact share one report. For each contact, DIR/<contact>/ receives
email.txt, written for the recipient's position and quoting only the log
lines the assessment cites, with the case's key fingerprint, and one X-ARF
v4 JSON report per source. DIR/misp-event.json is a MISP event (MISP core
format) of every source with an external verdict, for a CERT or the police:
relays and platforms with to_ids false, each with its verdict, probability and
the examiner's rationale; --tlp marks it (default amber) and sets how far MISP
distributes it. When the team has curated an IOC list ('casefile ioc'), the
MISP event holds those indicators instead, each with its own TLP.
DIR/stix-bundle.json is a STIX 2.1 bundle of the same selection, for tools
that read STIX: relays as "anonymization" and platforms as "benign"
indicators, never "malicious-activity". Each report to the provider of a relay, a platform or the attacker's server
also holds preservation-request.txt: the addresses, times, source ports and
records to preserve, specific enough for an authority to take over.
DIR/nis2-notification-draft.txt drafts the three NIS2 stages (early warning
24 h, notification 72 h, final report a month later) from --detected (when
you became aware; default: when the case was opened), with what the case
knows and TO FILL where it does not. DIR/summary.txt lists the reports and the
sources without a known contact.

Nothing is sent: a person reads and sends each e-mail. Each report written is
recorded as a custody entry (notification.prepared) with the recipient, the
sources and the SHA-256 of every file. The assessment the reports rest on is
recorded first unless the latest recorded one has the same result.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("no output given: pass --out DIR (a new or empty directory)")
			}
			switch strings.ToLower(tlp) {
			case "clear", "white", "green", "amber", "red":
			default:
				return usagef("--tlp %q: want clear, green, amber or red", tlp)
			}
			if contact == "" && a.examiner == "" {
				return usagef("no reply address: pass --contact EMAIL, or --examiner \"Name <email>\" (env CASEFILE_EXAMINER), whose address the reports give")
			}
			actor := a.actor()
			if contact == "" {
				if addr, err := mail.ParseAddress(actor); err == nil {
					contact = addr.Address
				}
			}
			if addr, err := mail.ParseAddress(contact); err != nil || addr.Address != contact {
				return usagef("--contact %q: want the e-mail address recipients reply to (default: the examiner's)", contact)
			}
			if domain == "" {
				domain = contact[strings.LastIndexByte(contact, '@')+1:]
			}
			if org == "" {
				org = domain
			}
			for _, fl := range []struct{ name, value string }{{"org", org}, {"domain", domain}} {
				if err := singleLine(fl.name, fl.value); err != nil {
					return err
				}
			}
			// X-ARF requires a host name and at most 200 characters of
			// organisation: a report that breaks either is refused by
			// the recipient's tools.
			if !hostName.MatchString(domain) {
				return usagef("--domain %q: want your organisation's domain name, e.g. acme.example", domain)
			}
			if len(org) > 200 {
				return usagef("--org: at most 200 characters (X-ARF)")
			}
			if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
				return usagef("--out %s is not empty: reports are never written over earlier ones; give a new directory", out)
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			known, why, err := detectedAt(h, detected)
			if err != nil {
				return err
			}
			findings, _, err := a.exportFindings(cmd, h)
			if err != nil {
				return err
			}
			res, err := notify.Prepare(ctx(cmd), h.Case, findings, notify.Options{
				Out: out, Indicators: indicators, From: notify.Party{Org: org, Contact: contact, Domain: domain},
				Examiner: actor, Fingerprint: h.KeyFingerprint, CaseID: h.Config.CaseID, Actor: actor, TLP: strings.ToLower(tlp),
				Detected: known, DetectedWhy: why,
			})
			if err != nil {
				return err
			}
			if a.json {
				return jsonOut(a, res)
			}
			printNotify(a, out, res)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "directory to write the reports into (new or empty)")
	fl.StringArrayVar(&indicators, "indicator", nil, "only this source (repeatable)")
	fl.StringVar(&org, "org", "", "your organisation, as the reports name it (default: the contact's domain)")
	fl.StringVar(&contact, "contact", "", "the e-mail address recipients reply to (default: the examiner's)")
	fl.StringVar(&domain, "domain", "", "your organisation's domain (default: the contact's)")
	fl.StringVar(&tlp, "tlp", "amber", "TLP of the MISP event and the STIX bundle: clear, green, amber or red")
	fl.StringVar(&detected, "detected", "", "when you became aware of the incident (UTC, 2026-11-20T09:30 or RFC 3339), for the NIS2 deadlines; default: when the case was opened")
	return cmd
}

var hostName = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func printNotify(a *app, out string, res *notify.Result) {
	for _, r := range res.Reports {
		fmt.Fprintf(a.out, "%-36s %d source(s), %s (custody entry #%d)\n", r.To, len(r.Sources), strings.Join(r.Roles, ", "), r.Entry)
	}
	fmt.Fprintf(a.out, "%d report(s) prepared in %s; nothing has been sent (read %s/summary.txt, then send each email.txt yourself)\n", len(res.Reports), out, out)
	if m := res.MISP; m != nil {
		what := "source(s)"
		if res.MISPCurated {
			what = "curated indicator(s), each with its TLP"
		}
		fmt.Fprintf(a.out, "MISP event of %d %s: %s/%s, to share with a CERT or the police (custody entry #%d)\n", len(m.Sources), what, out, notify.MISPFile, m.Entry)
	}
	if x := res.STIX; x != nil {
		fmt.Fprintf(a.out, "STIX 2.1 bundle of the same selection: %s/%s (custody entry #%d)\n", out, notify.STIXFile, x.Entry)
	}
	if n := res.NIS2; n != nil {
		fmt.Fprintf(a.out, "NIS2 incident notification draft: %s/%s, to complete (custody entry #%d)\n", out, notify.NIS2File, n.Entry)
	}
	if len(res.NotNotified) > 0 {
		fmt.Fprintf(a.out, "No report for %d source(s), and not shared:\n", len(res.NotNotified))
		for _, u := range res.NotNotified {
			fmt.Fprintf(a.out, "  %-18s %-27s %s\n", u.Indicator, u.Role, u.Why)
		}
	}
	if len(res.Unreached) > 0 {
		fmt.Fprintf(a.out, "No abuse contact known for %d source(s):\n", len(res.Unreached))
		for _, u := range res.Unreached {
			fmt.Fprintf(a.out, "  %-18s %-27s %s\n", u.Indicator, u.Role, u.Why)
		}
	}
}

// detectedAt reads --detected, or takes the time the case was opened.
func detectedAt(h *casedir.Handle, flag string) (time.Time, string, error) {
	if flag == "" {
		e, err := h.Entry(0)
		if err != nil {
			return time.Time{}, "", err
		}
		return e.Time, "when the case was opened; give --detected TIME if the incident was known earlier", nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, flag); err == nil {
			return t.UTC(), "as the examiner stated it (--detected)", nil
		}
	}
	return time.Time{}, "", usagef("--detected %q: want a UTC time like 2026-11-20T09:30 or RFC 3339", flag)
}
