// Package warninglist reads MISP warninglists (github.com/MISP/misp-warninglists,
// lists/<id>/list.json) and says whether an indicator is on one: a known
// business service, a cloud range, a public DNS resolver, a sinkhole, a
// research scanner.
//
// Matching follows the list type, and never treats an address as text:
//
//	cidr       exact prefix containment (1.2.3.4 is on "1.2.3.0/24", never on
//	           "11.2.3.4" by substring); a bare address is a /32 or /128
//	hostname   the domain itself or any subdomain of a listed one
//	           (www.example.com is on "example.com"; case-insensitive; a
//	           leading "*." or "." on an entry is ignored)
//	string     exact, case-sensitive equality (addresses in canonical form)
//	substring  case-sensitive containment, for non-address indicators only
//	regex      refused by Open with ErrUnsupportedType: MISP's patterns are
//	           PCRE with delimiters and flags that Go's RE2 cannot evaluate
//	           faithfully, and a wrong match is worse than none
//
// When the list names matching_attributes, an indicator type matches only
// lists that name one of its MISP attribute types (an "ip" matches ip-src,
// ip-dst, ip-src|port, …); an indicator type with no MISP equivalent
// matches only lists without matching_attributes.
//
// The file is checked against MISP's schema (required keys, no unknown key,
// version an integer); an entry that does not parse for its type is counted
// in Stats.Malformed, never fatal. The dataset date is the version read as
// yyyymmdd (20260811 → 2026-08-11); versions that are plain counters (3)
// give a zero date, meaning unknown. The source name is "misp:<id>", the id
// being the list's directory name (lists/amazon-aws/list.json → amazon-aws)
// or else the file name without ".json".
//
//	l, err := warninglist.Open(f, "sha256:…", "lists/amazon-aws/list.json")
//	obs := l.Lookup(netip.MustParseAddr("50.16.19.13"), time.Time{})
package warninglist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/internal/prefixtab"
)

// Limits.
const (
	MaxEntries  = 4 << 20
	MaxEntryLen = 4096
)

// ErrUnsupportedType is returned for list types this package does not
// evaluate (regex).
var ErrUnsupportedType = errors.New("unsupported warninglist type")

// Stats counts what was read.
type Stats struct {
	Entries   int // accepted entries
	Malformed int // entries skipped
}

// List is an opened warninglist. It is immutable and safe for concurrent use.
type List struct {
	id, title, description, typ string
	version                     int64
	date                        time.Time
	digest                      string
	matching                    []string

	tab      *prefixtab.Table    // cidr
	cidrText []string            // cidr: the entry as written, by table value
	exact    map[string]struct{} // hostname (normalised), string
	subs     []string            // substring
	stats    Stats
}

var _ enrich.ValueDataset = (*List)(nil)

type listJSON struct {
	Description        *string  `json:"description"`
	List               []string `json:"list"`
	MatchingAttributes []string `json:"matching_attributes"`
	Name               *string  `json:"name"`
	Type               *string  `json:"type"`
	Version            *int64   `json:"version"`
}

// Open reads a warninglist from r. dataset is the artefact's
// "sha256:<hex>"; name is its original path, from which the list id comes.
func Open(r io.Reader, dataset, name string) (*List, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var j listJSON
	if err := dec.Decode(&j); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("warninglist: %q at byte %d: %w", name, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("warninglist: %q: data after the list object", name)
	}
	switch {
	case j.List == nil || j.Description == nil || j.Name == nil || j.Type == nil || j.Version == nil:
		return nil, fmt.Errorf("warninglist: %q: missing one of the required keys list, description, version, name, type", name)
	case len(j.List) > MaxEntries:
		return nil, fmt.Errorf("warninglist: %q: more than %d entries", name, MaxEntries)
	}
	l := &List{
		id: listID(name, *j.Name), title: *j.Name, description: *j.Description, typ: *j.Type,
		version: *j.Version, date: versionDate(*j.Version), digest: dataset, matching: j.MatchingAttributes,
	}
	switch l.typ {
	case "cidr":
		l.buildCIDR(j.List)
	case "hostname":
		l.exact = map[string]struct{}{}
		for _, e := range j.List {
			h, ok := normHost(strings.TrimPrefix(strings.TrimPrefix(e, "*."), "."))
			if !ok {
				l.stats.Malformed++
				continue
			}
			l.exact[h] = struct{}{}
			l.stats.Entries++
		}
	case "string":
		l.exact = map[string]struct{}{}
		for _, e := range j.List {
			if e == "" || len(e) > MaxEntryLen {
				l.stats.Malformed++
				continue
			}
			l.exact[e] = struct{}{}
			l.stats.Entries++
		}
	case "substring":
		for _, e := range j.List {
			if e == "" || len(e) > MaxEntryLen {
				l.stats.Malformed++
				continue
			}
			l.subs = append(l.subs, e)
			l.stats.Entries++
		}
	case "regex":
		return nil, fmt.Errorf("warninglist: %q: %w %q: PCRE patterns cannot be evaluated faithfully with Go's RE2", name, ErrUnsupportedType, l.typ)
	default:
		return nil, fmt.Errorf("warninglist: %q: %w %q", name, ErrUnsupportedType, l.typ)
	}
	return l, nil
}

func (l *List) buildCIDR(list []string) {
	var entries []prefixtab.Entry
	for _, e := range list {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			a, aerr := netip.ParseAddr(e)
			if aerr != nil || a.Zone() != "" {
				l.stats.Malformed++
				continue
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		entries = append(entries, prefixtab.Entry{Prefix: p.Masked(), Value: int32(len(l.cidrText))})
		l.cidrText = append(l.cidrText, e)
		l.stats.Entries++
	}
	l.tab = prefixtab.Build(entries)
}

// listID derives the list's id from the artefact name.
func listID(name, title string) string {
	p := strings.ReplaceAll(name, `\`, "/")
	base := path.Base(p)
	if base == "list.json" {
		if d := path.Base(path.Dir(p)); d != "." && d != "/" {
			return d
		}
	}
	if id := strings.TrimSuffix(base, ".json"); id != "" && id != "." && id != "/" && id != "list" {
		return id
	}
	// Fall back to a slug of the title.
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func versionDate(v int64) time.Time {
	if v < 19700101 || v > 29991231 {
		return time.Time{}
	}
	t, err := time.Parse("20060102", fmt.Sprint(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// normHost lower-cases a host name and drops a trailing dot; it refuses
// empty names, empty labels and over-long names.
func normHost(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if s == "" || len(s) > 253 || strings.Contains(s, "..") || strings.HasPrefix(s, ".") ||
		strings.ContainsAny(s, " /\t\r\n@") {
		return "", false
	}
	return s, true
}

// Name returns "misp:<id>".
func (l *List) Name() string { return "misp:" + l.id }

// Type returns enrich.TypeWarninglist.
func (l *List) Type() string { return enrich.TypeWarninglist }

// Date returns the version as a date, zero when the version is not yyyymmdd.
func (l *List) Date() time.Time { return l.date }

// Digest returns the dataset artefact's "sha256:<hex>".
func (l *List) Digest() string { return l.digest }

// ListType returns the MISP list type: cidr, hostname, string or substring.
func (l *List) ListType() string { return l.typ }

// Version returns the list's version number.
func (l *List) Version() int64 { return l.version }

// Stats reports what was read.
func (l *List) Stats() Stats { return l.stats }
