package enrich

// Names in Observation.Fields that code outside enrich reads: the
// attribution model's factors (graph/attrib), the graph's labels, the
// abuse contacts of notices (graph/notify) and the indicators table. The
// enrichers named beside each group write them with these constants and
// the readers look them up by them, so that renaming one is a compile
// error on both sides, not a factor that silently stops firing.
//
// Other names an observation carries (a generic mmdb's flattened keys,
// a warninglist's description) are the source's own and read by no one
// but the examiner.
const (
	// MaxMind Anonymous-IP flags (enrich/geoip), in MaxMind's names.
	FieldIsAnonymous        = "is_anonymous"
	FieldIsAnonymousVPN     = "is_anonymous_vpn"
	FieldIsHostingProvider  = "is_hosting_provider"
	FieldIsPublicProxy      = "is_public_proxy"
	FieldIsResidentialProxy = "is_residential_proxy"
	FieldIsTorExitNode      = "is_tor_exit_node"
	FieldFlags              = "flags" // the names of the flags that are set

	// MaxMind ASN, ISP, Connection-Type, City and Enterprise (enrich/geoip).
	FieldASN            = "autonomous_system_number"
	FieldASOrg          = "autonomous_system_organization"
	FieldISP            = "isp"
	FieldOrganization   = "organization"
	FieldConnectionType = "connection_type"
	FieldUserType       = "user_type"
	FieldCountryISOCode = "country_iso_code"
	FieldCityName       = "city_name"

	// WHOIS (enrich/whois); FieldAbuseEmail, FieldNetName, FieldRegistry
	// and FieldNotFound also RDAP (enrich/rdap), FieldOrg also scan
	// exports (enrich/scan).
	FieldOrg           = "org"            // the owner of an address range
	FieldRegistrantOrg = "registrant_org" // the registrant of a domain
	FieldPrivacy       = "privacy"        // a privacy service hides the registrant (bool)
	FieldAbuseEmail    = "abuse_email"
	FieldCreated       = "created" // RFC 3339
	FieldNetName       = "net_name"
	FieldRegistrar     = "registrar"
	// FieldRegistrarAbuseEmail is a domain's registrar's abuse contact,
	// kept apart from FieldAbuseEmail (a network's) because the report to
	// a registrar is about the domain, not about an address it routes.
	FieldRegistrarAbuseEmail = "registrar_abuse_email"
	// FieldRegistrant is the registrant an RDAP answer names for a network
	// (its vCard name): the provider, or a customer it reassigned the
	// range to. FieldType is the network's type ("DIRECT ALLOCATION",
	// "REASSIGNED"…) and FieldHandle, FieldParentHandle the registry's
	// handles of the network and of the one it was carved from.
	FieldRegistrant   = "registrant"
	FieldType         = "type"
	FieldHandle       = "handle"
	FieldParentHandle = "parent_handle"
	FieldRegistry     = "registry"  // the registry that answered
	FieldNotFound     = "not_found" // the registry has no record (true)

	// Cloud provider ranges (enrich/cloud).
	FieldProvider = "provider"
	FieldService  = "service"  // the most specific range's service
	FieldServices = "services" // every matching range's service
	FieldRegion   = "region"

	// MISP warninglists (enrich/warninglist).
	FieldList = "list" // the list's title

	// Scan exports (enrich/scan).
	FieldTags  = "tags"
	FieldPorts = "ports"

	// Special-purpose ranges (TypeBuiltin, enrich/observe).
	FieldSpecial = "special" // the range's name in the IANA registry
)
