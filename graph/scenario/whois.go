package scenario

import (
	"fmt"
	"strings"
	"time"
)

// whoisIP records the registry's port-43 answer for h: RIPE RPSL for
// networks registered in Europe, ARIN's NetRange blocks elsewhere.
func (g *gen) whoisIP(h *host) {
	n := h.net
	created := g.t0.AddDate(-g.between(2, 18), -g.between(0, 11), -g.between(0, 27))
	updated := created.AddDate(g.between(0, 2), g.between(0, 11), 0)
	if updated.After(g.t0) {
		updated = g.t0.AddDate(0, -1, 0)
	}
	first := n.prefix.Addr()
	last := lastOf(n)
	var b strings.Builder
	if n.place.registry == "RIPE" {
		orgID := fmt.Sprintf("ORG-%s%d-RIPE", strings.ToUpper(g.hex(2)), g.between(1, 99))
		fmt.Fprintf(&b, "%% This is the RIPE Database query service.\n%% The objects are in RPSL format.\n%%\n")
		fmt.Fprintf(&b, "%% The RIPE Database is subject to Terms and Conditions.\n%% See https://docs.db.ripe.net/terms-conditions.html\n\n")
		fmt.Fprintf(&b, "%% Note: this output has been filtered.\n%%       To receive output for a database update, use the \"-B\" flag.\n\n")
		fmt.Fprintf(&b, "%% Information related to '%s - %s'\n\n", first, last)
		fmt.Fprintf(&b, "%% Abuse contact for '%s - %s' is '%s'\n\n", first, last, n.abuse)
		fmt.Fprintf(&b, "inetnum:        %s - %s\nnetname:        %s\ndescr:          %s\ncountry:        %s\norg:            %s\n",
			first, last, n.netname, n.org, n.place.cc, orgID)
		fmt.Fprintf(&b, "admin-c:        %s-RIPE\ntech-c:         %s-RIPE\nstatus:         ASSIGNED PA\nmnt-by:         %s-MNT\n",
			strings.ToUpper(g.hex(4)), strings.ToUpper(g.hex(4)), n.netname)
		fmt.Fprintf(&b, "created:        %s\nlast-modified:  %s\nsource:         RIPE # Filtered\n\n",
			created.UTC().Format(time.RFC3339), updated.UTC().Format(time.RFC3339))
		fmt.Fprintf(&b, "organisation:   %s\norg-name:       %s\norg-type:       OTHER\naddress:        %s\n",
			orgID, n.org, n.place.city)
		fmt.Fprintf(&b, "abuse-c:        AR%d-RIPE\nmnt-by:         %s-MNT\ncreated:        %s\nlast-modified:  %s\nsource:         RIPE # Filtered\n\n",
			g.between(1000, 99999), n.netname, created.UTC().Format(time.RFC3339), updated.UTC().Format(time.RFC3339))
		fmt.Fprintf(&b, "%% Information related to '%sAS%d'\n\nroute:          %s\ndescr:          %s\norigin:         AS%d\nmnt-by:         %s-MNT\nsource:         RIPE # Filtered\n\n",
			n.prefix, n.asn, n.prefix, n.asOrg, n.asn, n.netname)
		fmt.Fprintf(&b, "%% This query was served by the RIPE Database Query Service version 1.112 (WAGYU)\n\n\n")
	} else {
		handle := fmt.Sprintf("NET-%s-1", strings.ReplaceAll(first.String(), ".", "-"))
		orgID := strings.ToUpper(strings.Map(alnum, strings.Fields(n.org)[0]))
		if len(orgID) > 6 {
			orgID = orgID[:6]
		}
		orgID += fmt.Sprint(g.between(1, 9))
		fmt.Fprintf(&b, "\n#\n# ARIN WHOIS data and services are subject to the Terms of Use\n# available at: https://www.arin.net/resources/registry/whois/tou/\n#\n")
		fmt.Fprintf(&b, "# If you see inaccuracies in the results, please report at\n# https://www.arin.net/resources/registry/whois/inaccuracy_reporting/\n#\n")
		fmt.Fprintf(&b, "# Copyright 1997-%d, American Registry for Internet Numbers, Ltd.\n#\n\n\n", g.t0.Year())
		fmt.Fprintf(&b, "NetRange:       %s - %s\nCIDR:           %s\nNetName:        %s\nNetHandle:      %s\nParent:         NET%d (NET-%d-0-0-0-0)\n",
			first, last, n.prefix, n.netname, handle, first.As4()[0], first.As4()[0])
		fmt.Fprintf(&b, "NetType:        Direct Allocation\nOriginAS:       AS%d\nOrganization:   %s (%s)\nRegDate:        %s\nUpdated:        %s\nRef:            https://rdap.arin.net/registry/ip/%s\n\n\n",
			n.asn, n.org, orgID, created.Format("2006-01-02"), updated.Format("2006-01-02"), first)
		fmt.Fprintf(&b, "OrgName:        %s\nOrgId:          %s\nAddress:        %d Main Street\nCity:           %s\nCountry:        %s\nRegDate:        %s\nUpdated:        %s\nRef:            https://rdap.arin.net/registry/entity/%s\n\n\n",
			n.org, orgID, g.between(1, 999), n.place.city, n.place.cc, created.Format("2006-01-02"), updated.Format("2006-01-02"), orgID)
		fmt.Fprintf(&b, "OrgAbuseHandle: ABUSE%d-ARIN\nOrgAbuseName:   Abuse\nOrgAbusePhone:  +1-555-0%03d\nOrgAbuseEmail:  %s\nOrgAbuseRef:    https://rdap.arin.net/registry/entity/ABUSE%d-ARIN\n\n",
			g.between(100, 9999), g.between(100, 199), n.abuse, g.between(100, 9999))
		fmt.Fprintf(&b, "\n#\n# ARIN WHOIS data and services are subject to the Terms of Use\n# available at: https://www.arin.net/resources/registry/whois/tou/\n#\n\n")
	}
	g.setWhois(h.String(), b.String())
}

func lastOf(n *network) string {
	a := n.prefix.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= uint32(1)<<(32-n.prefix.Bits()) - 1
	return fmt.Sprintf("%d.%d.%d.%d", byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// collectedMark stands for the collection time in WHOIS text, which is only
// known once the incident is complete.
const collectedMark = "\x00collected\x00"

func (g *gen) setWhois(ind, text string) {
	if g.ds.whois == nil {
		g.ds.whois = map[string]string{}
	}
	g.ds.whois[ind] = text
}

// whoisDomain records a registry answer for a .com/.net domain created at
// created, behind a privacy service when private.
func (g *gen) whoisDomain(domain string, created time.Time, private bool) {
	created = created.UTC().Truncate(time.Second)
	updated := created.Add(g.secs(60, 3*86400))
	registrar := pick(g, []string{"Namecheap Example Registrar, LLC", "Porkbun Example Registrar LLC", "Example Domains Registrar, Inc."})
	var b strings.Builder
	fmt.Fprintf(&b, "   Domain Name: %s\n   Registry Domain ID: %d_DOMAIN_COM-VRSN\n", strings.ToUpper(domain), g.between(1000000000, 2999999999))
	fmt.Fprintf(&b, "   Registrar WHOIS Server: whois.registrar.example\n   Registrar URL: http://www.registrar.example\n")
	fmt.Fprintf(&b, "   Updated Date: %s\n   Creation Date: %s\n   Registry Expiry Date: %s\n",
		updated.Format("2006-01-02T15:04:05Z"), created.Format("2006-01-02T15:04:05Z"), created.AddDate(1, 0, 0).Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(&b, "   Registrar: %s\n   Registrar IANA ID: %d\n   Registrar Abuse Contact Email: abuse@registrar.example\n   Registrar Abuse Contact Phone: +1.5555550100\n",
		registrar, g.between(1000, 3999))
	fmt.Fprintf(&b, "   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n")
	if private {
		fmt.Fprintf(&b, "   Registrant Name: REDACTED FOR PRIVACY\n   Registrant Organization: Privacy service provided by Withheld for Privacy ehf\n   Registrant Country: IS\n")
	} else {
		fmt.Fprintf(&b, "   Registrant Organization: %s %s Ltd\n   Registrant Country: GB\n", pick(g, nameStems), pick(g, towns))
	}
	ns := pick(g, []string{"dns1.registrar-servers.example", "ns1.parkingdns.example"})
	fmt.Fprintf(&b, "   Name Server: %s\n   Name Server: %s\n   DNSSEC: unsigned\n", strings.ToUpper(ns), strings.ToUpper(strings.Replace(ns, "1", "2", 1)))
	fmt.Fprintf(&b, "   URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\n>>> Last update of whois database: %s <<<\n\n",
		collectedMark)
	fmt.Fprintf(&b, "NOTICE: The expiration date displayed in this record is the date the\nregistrar's sponsorship of the domain name registration in the registry is\ncurrently set to expire.\n")
	g.setWhois(domain, b.String())
}
