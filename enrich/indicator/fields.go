package indicator

import "strings"

// Type is the kind of an indicator, as named in the CLI's JSON.
type Type string

// Indicator types (CLI.md).
const (
	TypeIP        Type = "ip"
	TypeDomain    Type = "domain"
	TypeURL       Type = "url"
	TypeEmail     Type = "email"
	TypeUser      Type = "user"
	TypeSSHKey    Type = "ssh-key"
	TypeUserAgent Type = "user-agent"
	TypeHash      Type = "hash"
	TypeService   Type = "service" // a cloud service principal, e.g. config.amazonaws.com
)

// Indicator is one normalised indicator value.
type Indicator struct {
	Type  Type
	Value string
}

// Event field names that FromFields reads. Parsers use these names in
// Event.Fields for the corresponding values.
const (
	FieldUserAgent      = "user_agent"      // HTTP User-Agent
	FieldKeyFingerprint = "key_fingerprint" // SSH public key fingerprint
	FieldURL            = "url"             // absolute URL
	FieldScheme         = "scheme"          // with host and path when there is no url
	FieldHost           = "host"            // HTTP Host, or a host name
	FieldPath           = "path"            // HTTP request path
	FieldDomain         = "domain"
	FieldQuery          = "query"       // DNS query name
	FieldHostname       = "hostname"    // a host name (e.g. a syslog rhost that is not an address)
	FieldSNI            = "sni"         // TLS server name indication (Suricata tls.sni)
	FieldServerName     = "server_name" // TLS server name (Zeek ssl.log)
	FieldRRName         = "rrname"      // DNS query name (Suricata dns.rrname)
	FieldEmail          = "email"
	FieldMD5            = "md5"
	FieldSHA1           = "sha1"
	FieldSHA256         = "sha256"
)

// FromFields extracts the indicators of one event: its source address or host
// (src), the cloud service principal it came from (srcService), its user,
// and the well-known fields listed above. Each value is normalised
// (NormalizeIP, NormalizeDomain, NormalizeURL, …); values that do not
// normalise are left out, never passed on raw. A src that is not an address
// becomes a service indicator when IsServicePrincipal says so, or a domain
// when it is a host name. When there is no url field but host and path are
// present, the URL is rebuilt as scheme://host/path with scheme "http"
// unless the scheme field says otherwise.
//
// The result has no duplicates and its order is deterministic: source,
// service, user, then the fields in the order of the list above.
func FromFields(src, srcService, user string, fields map[string]string) []Indicator {
	var x Extractor
	return x.FromFields(src, srcService, user, fields)
}

// Extractor is FromFields with a memory of the host names and addresses it
// normalised: a log names the same few hosts in event after event, and
// their normalisation is most of FromFields' cost. The zero value is
// ready; an Extractor is for one goroutine.
type Extractor struct {
	hosts map[string]Indicator // host text → its indicator (Type "" when none)
}

// maxHosts and maxHostLen bound an Extractor's memory; other hosts are
// normalised each time.
const (
	maxHosts   = 1 << 14
	maxHostLen = 256
)

// FromFields is the package's FromFields, remembering hosts.
func (x *Extractor) FromFields(src, srcService, user string, fields map[string]string) []Indicator {
	var out []Indicator
	add := func(t Type, v string, ok bool) {
		if !ok {
			return
		}
		for _, x := range out {
			if x.Type == t && x.Value == v {
				return
			}
		}
		if out == nil {
			out = make([]Indicator, 0, 4) // an event has a few: one allocation
		}
		out = append(out, Indicator{t, v})
	}
	host := func(s string) {
		if s == "" {
			return
		}
		h, ok := x.hosts[s]
		if !ok {
			h = hostIndicator(s)
			if x.hosts == nil {
				x.hosts = make(map[string]Indicator)
			}
			if len(x.hosts) < maxHosts && len(s) <= maxHostLen {
				x.hosts[s] = h
			}
		}
		add(h.Type, h.Value, h.Type != "")
	}
	host(src)
	if s := normalizeService(srcService); s != "" {
		add(TypeService, s, true)
	}
	u, ok := NormalizeUser(user)
	add(TypeUser, u, ok)
	if len(fields) == 0 {
		return out
	}
	// One pass over the fields finds those read below: cheaper than a
	// lookup of each name, most of which an event does not have.
	var f [numFields]string
	for k, v := range fields {
		if i := fieldIndex(k); i >= 0 {
			f[i] = v
		}
	}
	ua, ok := NormalizeUserAgent(f[iUserAgent])
	add(TypeUserAgent, ua, ok)
	fp, ok := NormalizeSSHFingerprint(f[iKeyFingerprint])
	add(TypeSSHKey, fp, ok)
	if raw := f[iURL]; raw != "" {
		v, ok := NormalizeURL(raw)
		add(TypeURL, v, ok)
	} else if h, p := f[iHost], f[iPath]; h != "" && p != "" && strings.HasPrefix(p, "/") {
		scheme := f[iScheme]
		if scheme == "" {
			scheme = "http"
		}
		v, ok := NormalizeURL(scheme + "://" + h + p)
		add(TypeURL, v, ok)
	}
	host(f[iHost])
	for _, i := range []int{iDomain, iQuery, iHostname, iSNI, iServerName, iRRName} {
		d, ok := NormalizeDomain(f[i])
		add(TypeDomain, d, ok)
	}
	e, ok := NormalizeEmail(f[iEmail])
	add(TypeEmail, e, ok)
	for _, h := range []struct {
		field int
		n     int
	}{{iMD5, 32}, {iSHA1, 40}, {iSHA256, 64}} {
		v, ok := NormalizeHash(f[h.field], h.n)
		add(TypeHash, v, ok)
	}
	return out
}

// hostIndicator is what FromFields makes of a source or host field: an
// address, a service principal or a domain (Type "" when none).
func hostIndicator(s string) Indicator {
	if s = strings.TrimSpace(s); s == "" || s == "-" {
		return Indicator{}
	}
	if a, ok := NormalizeIP(s); ok {
		return Indicator{TypeIP, a.String()}
	}
	if IsServicePrincipal(s) {
		return Indicator{TypeService, normalizeService(s)}
	}
	if d, ok := NormalizeDomain(s); ok {
		return Indicator{TypeDomain, d}
	}
	return Indicator{}
}

// Indexes of the fields FromFields reads, in fieldIndex's order.
const (
	iUserAgent = iota
	iKeyFingerprint
	iURL
	iScheme
	iHost
	iPath
	iDomain
	iQuery
	iHostname
	iSNI
	iServerName
	iRRName
	iEmail
	iMD5
	iSHA1
	iSHA256
	numFields
)

// fieldIndex is the index of a field FromFields reads, -1 for others.
func fieldIndex(k string) int {
	switch k {
	case FieldUserAgent:
		return iUserAgent
	case FieldKeyFingerprint:
		return iKeyFingerprint
	case FieldURL:
		return iURL
	case FieldScheme:
		return iScheme
	case FieldHost:
		return iHost
	case FieldPath:
		return iPath
	case FieldDomain:
		return iDomain
	case FieldQuery:
		return iQuery
	case FieldHostname:
		return iHostname
	case FieldSNI:
		return iSNI
	case FieldServerName:
		return iServerName
	case FieldRRName:
		return iRRName
	case FieldEmail:
		return iEmail
	case FieldMD5:
		return iMD5
	case FieldSHA1:
		return iSHA1
	case FieldSHA256:
		return iSHA256
	}
	return -1
}
