package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph/attrib"
)

// KindPrepared is the custody entry recorded for each report written.
const KindPrepared = "notification.prepared"

// external are the verdicts that name someone outside the organisation who
// can act: the roles notified, in the order an e-mail addresses them.
var external = []string{attrib.Compromised, attrib.Relay, attrib.Platform, attrib.Perpetrator}

// Options control Prepare.
type Options struct {
	Out        string   // directory to write into; must not exist or be empty
	Indicators []string // only these sources (empty: every source with an external verdict)
	From       Party    // reporter and sender of the X-ARF reports
	Examiner   string   // who signs the e-mails, "Name <email>"
	// Fingerprint is the case key's fingerprint, which lets a recipient
	// check a package of the case later; CaseID seeds the report ids.
	Fingerprint, CaseID string
	Actor               string
	// TLP marks the MISP event (clear, green, amber, red; "" is amber) and
	// sets how far MISP distributes it. An event of the curated IOC list
	// takes each item's TLP instead, and the strictest for the event.
	TLP string
	// Detected is when the organisation became aware of the incident, from
	// which the NIS2 deadlines run (zero: unknown), and DetectedWhy says
	// where that time comes from.
	Detected    time.Time
	DetectedWhy string
}

// File is one file written, as the custody entry records it.
type File struct {
	Name   string `json:"name"` // relative to Options.Out
	SHA256 string `json:"sha256"`
}

// Report is what was prepared for one abuse contact.
type Report struct {
	To      string   `json:"to"`
	Roles   []string `json:"roles"`
	Sources []string `json:"sources"`
	Files   []File   `json:"files"`
	Entry   uint64   `json:"entry"` // the notification.prepared custody entry
}

// Unreached is a source with an external verdict and no known abuse
// contact.
type Unreached struct {
	Indicator string `json:"indicator"`
	Role      string `json:"role"`
	Why       string `json:"why"`
}

// Result is what Prepare did.
type Result struct {
	Reports []Report `json:"reports"`
	// MISP is the MISP event of every source with an external verdict,
	// whether or not its abuse contact is known (nil when there is none).
	MISP *Report `json:"misp,omitempty"`
	// MISPCurated says the MISP event holds the curated IOC list (casefile
	// ioc), not the sources with an external verdict.
	MISPCurated bool `json:"misp_curated,omitempty"`
	// STIX is the STIX 2.1 bundle of the same selection as the MISP event,
	// but for STIXOmitted: curated indicators STIX patterns cannot name
	// (an SSH key fingerprint), which only the MISP event holds.
	STIX        *Report     `json:"stix,omitempty"`
	STIXOmitted []string    `json:"stix_omitted,omitempty"`
	NIS2        *Report     `json:"nis2"` // the NIS2 notification draft
	Unreached   []Unreached `json:"unreached,omitempty"`
	// NotNotified are sources with an external verdict that no one is to
	// be told about: a cloud service principal (WhyServicePrincipal).
	NotNotified []Unreached `json:"not_notified,omitempty"`
	// NotExternal counts the sources left out because their verdict names
	// nobody outside to notify (undetermined, internal, contacted).
	NotExternal int `json:"not_external"`
}

// target is one source to report.
type target struct {
	finding     *export.Finding
	role        string
	probability float64
	byExaminer  bool
	contact     *Contact
	excerpts    []Excerpt
}

// Prepared is the payload of a notification.prepared entry: to whom, about
// which sources, where each contact was read, and the digest of every file.
// Casefile sends nothing; the entry records what was handed to a person.
type Prepared struct {
	To       string          `json:"to"`
	Roles    []string        `json:"roles"`
	Sources  []string        `json:"sources"`
	Contacts []SourceContact `json:"contacts"`
	Files    []File          `json:"files"`
	Note     string          `json:"note"`
	Summary  string          `json:"summary"`
}

// SourceContact says where the contact of one source was read.
type SourceContact struct {
	Indicator string `json:"indicator"`
	Source    string `json:"source"`
	Dataset   string `json:"dataset"`
}

// Prepare writes the reports for findings (as casefile export gets them)
// into o.Out and records one custody entry per report.
func Prepare(ctx context.Context, c *evidence.Case, findings []export.Finding, o Options) (*Result, error) {
	only := map[string]bool{}
	for _, ind := range o.Indicators {
		if !slices.ContainsFunc(findings, func(f export.Finding) bool { return f.Indicator == normal(ind) }) {
			return nil, fmt.Errorf("--indicator %s: no assessed source has this value (casefile assess lists them)", ind)
		}
		only[normal(ind)] = true
	}
	if err := emptyDir(o.Out); err != nil {
		return nil, err
	}
	names, err := artefactNames(c)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	var everyObs map[string][]enrich.Observation
	allObs := func() (map[string][]enrich.Observation, error) { // read once, when a cloud front end needs it
		var err error
		if everyObs == nil {
			everyObs, err = observe.All(c)
		}
		return everyObs, err
	}
	byContact := map[string][]*target{}
	var all []*target          // every source with an external verdict, for the MISP event
	var acted []export.Finding // every source that acted, for the NIS2 draft
	for i := range findings {
		f := &findings[i]
		if len(only) > 0 && !only[f.Indicator] {
			continue
		}
		if f.ActedAgainst() {
			acted = append(acted, *f)
		}
		t := &target{finding: f, role: f.Role, probability: f.Probability}
		if f.Examiner != nil {
			t.role, t.byExaminer = f.Examiner.Role, true
			t.probability = f.Hypotheses[t.role]
		}
		if !slices.Contains(external, t.role) {
			res.NotExternal++
			continue
		}
		if indicator.Type(f.Type) == indicator.TypeService {
			res.NotNotified = append(res.NotNotified, Unreached{Indicator: f.Indicator, Role: t.role, Why: WhyServicePrincipal})
			continue
		}
		all = append(all, t)
		obs, err := observe.Observations(c, f.Indicator)
		if err != nil {
			return nil, err
		}
		t.contact = contactOf(obs)
		why := ""
		if a, err := netip.ParseAddr(f.Indicator); err == nil {
			if t.contact, why, err = platformContact(a, t.contact, obs, allObs); err != nil {
				return nil, err
			}
		}
		if t.contact == nil {
			if why == "" {
				why = whyUnreached(f.Type, obs)
			}
			res.Unreached = append(res.Unreached, Unreached{Indicator: f.Indicator, Role: t.role, Why: why})
			continue
		}
		if t.excerpts, err = excerpts(c, names, f); err != nil {
			return nil, err
		}
		byContact[t.contact.Email] = append(byContact[t.contact.Email], t)
	}
	emails := make([]string, 0, len(byContact))
	for e := range byContact {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	for _, email := range emails {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		ts := byContact[email]
		sort.SliceStable(ts, func(i, j int) bool {
			ri, rj := slices.Index(external, ts[i].role), slices.Index(external, ts[j].role)
			if ri != rj {
				return ri < rj
			}
			return ts[i].finding.Indicator < ts[j].finding.Indicator
		})
		rep, err := writeReport(ctx, c, email, ts, o)
		if err != nil {
			return res, err
		}
		res.Reports = append(res.Reports, *rep)
	}
	iocs, err := curatedIOCs(c, only)
	if err != nil {
		return res, err
	}
	switch {
	case len(iocs) > 0:
		ts := curatedTargets(iocs, findings)
		b, err := mispCurated(iocs, ts, o, time.Now())
		if err != nil {
			return res, err
		}
		if res.MISP, err = writeDraft(ctx, c, o, MISPFile, b, ts, "MISP event of the curated IOC list (MISP core format), to share with a CERT or the police"); err != nil {
			return res, err
		}
		res.MISPCurated = true
		if res.STIX, err = writeSTIX(ctx, c, o, ts, iocs, strictestTLP(iocs)); err != nil {
			return res, err
		}
		for _, x := range iocs {
			if export.IOCPattern(x) == "" {
				res.STIXOmitted = append(res.STIXOmitted, x.Indicator)
			}
		}
	case len(all) > 0:
		if res.MISP, err = writeMISP(ctx, c, all, o); err != nil {
			return res, err
		}
		if res.STIX, err = writeSTIX(ctx, c, o, all, nil, o.TLP); err != nil {
			return res, err
		}
	}
	if res.NIS2, err = writeDraft(ctx, c, o, NIS2File, nis2Draft(acted, all, o), all,
		"NIS2 incident notification draft, for the CSIRT or competent authority"); err != nil {
		return res, err
	}
	if err := writeSummary(o.Out, res); err != nil {
		return res, err
	}
	return res, nil
}

// curatedIOCs is the curated IOC list (casefile ioc), only the indicators
// asked for when some are.
func curatedIOCs(c *evidence.Case, only map[string]bool) ([]annotate.IOC, error) {
	st, err := annotate.Read(c)
	if err != nil {
		return nil, err
	}
	var out []annotate.IOC
	for _, x := range st.IOCs() {
		if len(only) == 0 || only[normal(x.Indicator)] {
			out = append(out, x)
		}
	}
	return out, nil
}

// writeMISP writes the MISP event of the sources and records it.
func writeMISP(ctx context.Context, c *evidence.Case, ts []*target, o Options) (*Report, error) {
	b, err := mispEvent(ts, o, time.Now())
	if err != nil {
		return nil, err
	}
	return writeDraft(ctx, c, o, MISPFile, b, ts, "MISP event (MISP core format), to share with a CERT or the police")
}

// writeDraft writes one file of the notify directory for the sources ts
// and records it as a notification.prepared entry addressed to "to".
func writeDraft(ctx context.Context, c *evidence.Case, o Options, name string, b []byte, ts []*target, to string) (*Report, error) {
	if err := os.WriteFile(filepath.Join(o.Out, name), b, 0o644); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	rep := &Report{To: to, Files: []File{{Name: name, SHA256: "sha256:" + hex.EncodeToString(sum[:])}}, Sources: []string{}, Roles: []string{}}
	for _, t := range ts {
		rep.Sources = append(rep.Sources, t.finding.Indicator)
		if t.role != "" && !slices.Contains(rep.Roles, t.role) {
			rep.Roles = append(rep.Roles, t.role)
		}
	}
	p := Prepared{To: rep.To, Roles: rep.Roles, Sources: rep.Sources, Files: rep.Files, Note: "prepared for a person to complete and send; Casefile sends nothing",
		Summary: fmt.Sprintf("%s prepared (%s, %d source(s)); not sent", name, to, len(ts))}
	es, err := c.Append(ctx, evidence.Draft{Kind: KindPrepared, Actor: o.Actor, Payload: p})
	if err != nil {
		return nil, err
	}
	rep.Entry = es[0].Index
	return rep, nil
}

// writeReport writes one contact's e-mail and X-ARF reports and records
// the custody entry.
func writeReport(ctx context.Context, c *evidence.Case, email string, ts []*target, o Options) (*Report, error) {
	dir := dirName(email)
	if err := os.MkdirAll(filepath.Join(o.Out, dir), 0o755); err != nil {
		return nil, err
	}
	rep := &Report{To: email}
	p := Prepared{To: email, Note: "prepared for a person to send; Casefile sends nothing"}
	write := func(name string, data []byte) error {
		rel := dir + "/" + name
		if err := os.WriteFile(filepath.Join(o.Out, dir, name), data, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rep.Files = append(rep.Files, File{Name: rel, SHA256: "sha256:" + hex.EncodeToString(sum[:])})
		return nil
	}
	if err := write("email.txt", []byte(emailBody(email, ts, o))); err != nil {
		return nil, err
	}
	if pr := preservationRequest(email, ts, o); pr != nil {
		if err := write(PreservationFile, pr); err != nil {
			return nil, err
		}
	}
	for _, t := range ts {
		x := xarfReport(t, o.From, o.CaseID, o.Fingerprint)
		b, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := write("xarf-"+fileWord(t.finding.Indicator)+".json", append(b, '\n')); err != nil {
			return nil, err
		}
		rep.Sources = append(rep.Sources, t.finding.Indicator)
		if t.role != "" && !slices.Contains(rep.Roles, t.role) {
			rep.Roles = append(rep.Roles, t.role)
		}
		p.Contacts = append(p.Contacts, SourceContact{Indicator: t.finding.Indicator, Source: t.contact.Source, Dataset: t.contact.Dataset})
	}
	p.Roles, p.Sources, p.Files = rep.Roles, rep.Sources, rep.Files
	p.Summary = fmt.Sprintf("abuse report to %s about %d source(s) (%s) prepared in %d files; not sent", email, len(p.Sources), strings.Join(p.Roles, ", "), len(p.Files))
	es, err := c.Append(ctx, evidence.Draft{Kind: KindPrepared, Actor: o.Actor, Payload: p})
	if err != nil {
		return nil, err
	}
	rep.Entry = es[0].Index
	return rep, nil
}

// WhyServicePrincipal is why a cloud service principal (CloudTrail's
// sourceIPAddress "config.amazonaws.com") gets no report: it is the
// victim's own cloud provider acting on the account's behalf, so the
// question is who in the account made it act, which the account's own
// IAM activity answers; an abuse report to the provider about its own
// service would reach no one who can act on it.
const WhyServicePrincipal = "not notified: the provider's own service acting for your account; review the account's IAM activity instead"

// whyUnreached says why no contact is known and what to do.
func whyUnreached(typ string, obs []enrich.Observation) string {
	if indicator.Type(typ) == indicator.TypeDomain {
		return whyNoRegistrar(obs)
	}
	if indicator.Type(typ) != indicator.TypeIP {
		return "neither an address nor a domain: report it to the platform that hosts it"
	}
	rdap, whois, found := false, false, false
	for _, o := range obs {
		switch o.SourceType {
		case enrich.TypeRDAP:
			rdap = true
		case enrich.TypeWHOIS:
			whois = true
		default:
			continue
		}
		if o.Fields[enrich.FieldNotFound] != true {
			found = true
		}
	}
	switch {
	case !rdap && !whois:
		return "no registry answer recorded: run casefile enrich --rdap (or --whois)"
	case !rdap && !found:
		return "WHOIS holds no record of it: run casefile enrich --rdap"
	case !rdap:
		return "the WHOIS answer names no abuse e-mail: run casefile enrich --rdap"
	case !found:
		return "the registries hold no record of it: find the provider's abuse desk by hand (its web site, or the national CERT)"
	default:
		return "the registry names no abuse e-mail: find the provider's abuse desk by hand (its web site, or the national CERT)"
	}
}

// whyNoRegistrar says why a domain has no registrar abuse contact.
func whyNoRegistrar(obs []enrich.Observation) string {
	for _, o := range obs {
		if o.SourceType == enrich.TypeWHOIS && o.Fields[enrich.FieldNotFound] != true {
			return "the domain's WHOIS answer names no registrar abuse contact (common for country-code domains): find the registrar's or the registry's abuse desk on its web site"
		}
	}
	return "a domain: no WHOIS answer recorded, which names the registrar's abuse contact: run casefile enrich --whois"
}

// artefactNames maps each parsed artefact to its file name.
func artefactNames(c *evidence.Case) (map[string]string, error) {
	runs, err := eventstore.New(c).Runs()
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, r := range runs {
		names[r.Artefact] = r.Name
	}
	return names, nil
}

// emptyDir creates dir, or accepts it when it exists and is empty: reports
// are never written over earlier ones.
func emptyDir(dir string) error {
	if dir == "" {
		return errors.New("no output directory given (--out DIR)")
	}
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(ents) > 0:
		return fmt.Errorf("%s is not empty: reports are never written over earlier ones; give a new directory", dir)
	}
	return nil
}

// normal normalises an indicator as typed.
func normal(s string) string {
	if a, ok := indicator.NormalizeIP(s); ok {
		return a.String()
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// fileWord makes a value safe as part of a file name.
func fileWord(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func dirName(email string) string { return fileWord(email) }
