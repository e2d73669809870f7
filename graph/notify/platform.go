package notify

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/cloud"
)

// A CDN or cloud front end is reported to the platform, not to the holder
// of the address: when a source lies inside a cloud provider's published
// ranges (enrich/cloud) and the registry shows its range reassigned to a
// customer (an organisation other than the provider), the customer may be
// the abuser, or itself abused, and only the platform can reach the
// account behind the address and keep its records. The report then goes
// to the platform's abuse desk and names the customer as the party the
// platform must reach.
//
// The desk's address comes, in this order, from a registry answer the case
// preserves for the provider's own network holding the address (the
// reassigned range's parent), and else from platformDesks, a short table
// whose every row says where the provider publishes the address; the
// e-mail says which.

// platformDesk is one cloud provider's abuse desk.
type platformDesk struct {
	name string
	// owners are words that a registrant of the provider's own networks
	// contains, and domains its own abuse addresses are at.
	owners, domains []string
	// email and published: the desk's address and where the provider
	// publishes it ("" when the table holds none).
	email, published string
}

// platformDesks are the cloud providers enrich/cloud knows (Apple's
// Private Relay egress is a relay, reported as one, and not here).
var platformDesks = map[string]platformDesk{
	cloud.AWS: {name: "Amazon Web Services", owners: []string{"amazon"}, domains: []string{"amazonaws.com", "amazon.com"},
		email: "abuse@amazonaws.com",
		published: "ARIN's registration of AWS's networks (RDAP abuse contact AEA8-ARIN \"Amazon EC2 Abuse\" of NET-3-0-0-0-1, " +
			"and AWS's \"Report suspicious activity\" page, https://aws.amazon.com/premiumsupport/knowledge-center/report-aws-abuse/)"},
	cloud.Azure: {name: "Microsoft Azure", owners: []string{"microsoft"}, domains: []string{"microsoft.com"},
		email: "abuse@microsoft.com",
		published: "ARIN's registration of Microsoft's networks (RDAP abuse contact MAC74-ARIN \"Microsoft Abuse Contact\" of " +
			"NET-13-64-0-0-1, and https://msrc.microsoft.com/report/abuse)"},
	// Google Cloud takes abuse reports through a web form; the table holds
	// no e-mail for it rather than guess one.
	cloud.GCP: {name: "Google Cloud", owners: []string{"google"}, domains: []string{"google.com"}},
}

// platformSource names the table as a contact's source.
const platformSource = "casefile:platform-desks"

// cloudOf is the provider and service of the latest cloud-ranges
// observation naming a provider of platformDesks ("" when none).
func cloudOf(obs []enrich.Observation) (provider, service string) {
	var best *enrich.Observation
	for i := range obs {
		o := &obs[i]
		p, _ := o.Fields[enrich.FieldProvider].(string)
		if o.SourceType != enrich.TypeCloudRanges || platformDesks[p].name == "" {
			continue
		}
		if best == nil || o.DatasetDate.After(best.DatasetDate) {
			best = o
		}
	}
	if best == nil {
		return "", ""
	}
	provider, _ = best.Fields[enrich.FieldProvider].(string)
	service, _ = best.Fields[enrich.FieldService].(string)
	return provider, service
}

// providersOwn says whether a registry answer's holder or abuse e-mail is
// the provider itself.
func (d platformDesk) providersOwn(owner, email string) bool {
	o := strings.ToLower(owner)
	for _, w := range d.owners {
		if strings.Contains(o, w) {
			return true
		}
	}
	dom := email[strings.LastIndexByte(email, '@')+1:]
	for _, x := range d.domains {
		if dom == x || strings.HasSuffix(dom, "."+x) {
			return true
		}
	}
	return false
}

// platformContact applies the rule to a source at addr whose registry
// contact is c: the platform's desk when the address is inside a
// provider's ranges and reassigned to a customer; c itself otherwise. all
// gives the case's registry answers (read once, when first needed). With
// no desk known it returns nil and why.
func platformContact(addr netip.Addr, c *Contact, obs []enrich.Observation, all func() (map[string][]enrich.Observation, error)) (*Contact, string, error) {
	provider, service := cloudOf(obs)
	d, ok := platformDesks[provider]
	if !ok || c == nil || c.Kind != KindNetwork || c.Owner == "" || d.providersOwn(c.Owner, c.Email) {
		return c, "", nil
	}
	p := &Contact{Kind: KindPlatform, Provider: d.name, Service: service, Customer: c.Owner, CustomerEmail: c.Email, Network: c.Network}
	obsAll, err := all()
	if err != nil {
		return nil, "", err
	}
	if parent := parentAnswer(addr, d, obsAll); parent != nil {
		pc := answerContact(parent)
		p.Email, p.Source, p.Dataset, p.Registry, p.NetName = pc.Email, pc.Source, pc.Dataset, pc.Registry, pc.NetName
		p.Via = fmt.Sprintf("the registry's answer for %s, a network of %s holding the address (%s, preserved as %s)", strings.TrimSpace(pc.NetName+" "+pc.Network), d.name, pc.Source, pc.Dataset)
		return p, "", nil
	}
	if d.email == "" {
		return nil, fmt.Sprintf("inside %s's published ranges (%s) and reassigned to %s: report it to %s's abuse desk (its web form; Casefile's table holds no e-mail for it), not to the customer", d.name, service, c.Owner, d.name), nil
	}
	p.Email, p.Source, p.NetName = d.email, platformSource, d.name
	p.Via = "Casefile's table of platform abuse desks, which cites " + d.published + "; the case preserves no registry answer for a network of " + d.name + " holding the address"
	return p, "", nil
}

// parentAnswer is a registry answer the case holds for the provider's own
// network holding addr, naming an abuse e-mail: the narrowest one.
func parentAnswer(addr netip.Addr, d platformDesk, all map[string][]enrich.Observation) *enrich.Observation {
	var best *enrich.Observation
	var bFirst, bLast netip.Addr
	for _, obs := range all {
		for i := range obs {
			o := &obs[i]
			if o.SourceType != enrich.TypeRDAP && o.SourceType != enrich.TypeWHOIS {
				continue
			}
			if email := abuseEmail(o, enrich.FieldAbuseEmail); email == "" || !d.providersOwn(ownerOf(o), email) {
				continue
			}
			first, last, ok := rangeOf(o)
			if !ok || addr.Less(first) || last.Less(addr) {
				continue
			}
			if best == nil || !first.Less(bFirst) && !bLast.Less(last) {
				best, bFirst, bLast = o, first, last
			}
		}
	}
	return best
}

// rangeOf is the first and last address of an answer's network: its
// "first - last" range, else its prefix.
func rangeOf(o *enrich.Observation) (first, last netip.Addr, ok bool) {
	if r, _ := o.Fields["range"].(string); r != "" {
		a, z, found := strings.Cut(r, " - ")
		first, err1 := netip.ParseAddr(strings.TrimSpace(a))
		last, err2 := netip.ParseAddr(strings.TrimSpace(z))
		if found && err1 == nil && err2 == nil {
			return first, last, true
		}
	}
	p, err := netip.ParsePrefix(o.Network)
	if err != nil {
		return first, last, false
	}
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	last, _ = netip.AddrFromSlice(b)
	return p.Addr(), last, true
}
