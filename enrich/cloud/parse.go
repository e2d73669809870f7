package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich/internal/prefixtab"
)

// MaxRecords bounds the number of prefix records in one file (AWS has about
// 17,000, Azure's public tags a few hundred thousand).
const MaxRecords = 4 << 20

// ErrNoPrefixes is returned for a well-formed file with no usable prefix.
var ErrNoPrefixes = errors.New("no prefixes")

// Open stream-parses an AWS, GCP or Azure ranges file from r, recognising
// the provider by its keys. dataset is the artefact's "sha256:<hex>"; name
// is its original file name (used in errors and, for Azure, for the date);
// date is used only when the file and its name carry no date.
func Open(r io.Reader, dataset, name string, date time.Time) (*Ranges, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	p := &parser{dec: dec, name: name, stats: Stats{Services: map[string]int{}}}
	if err := p.top(); err != nil {
		return nil, err
	}
	if len(p.recs) == 0 {
		return nil, fmt.Errorf("cloud: %q: %w (%d malformed)", name, ErrNoPrefixes, p.stats.Malformed)
	}
	rg := &Ranges{provider: p.provider, digest: dataset, recs: p.recs, stats: p.stats}
	switch {
	case !p.date.IsZero():
		rg.date = p.date
	case p.provider == Azure:
		rg.date = azureDate(name)
	}
	if rg.date.IsZero() {
		rg.date = date.UTC()
	}
	entries := make([]prefixtab.Entry, len(p.recs))
	for i, rec := range p.recs {
		entries[i] = prefixtab.Entry{Prefix: rec.prefix, Value: int32(i)}
	}
	rg.tab = prefixtab.Build(entries)
	return rg, nil
}

var azureDateRE = regexp.MustCompile(`_(\d{8})(?:\.json)?$`)

func azureDate(name string) time.Time {
	m := azureDateRE.FindStringSubmatch(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if m == nil {
		return time.Time{}
	}
	t, err := time.Parse("20060102", m[1])
	if err != nil {
		return time.Time{}
	}
	return t
}

type parser struct {
	dec      *json.Decoder
	name     string
	provider string
	date     time.Time
	sync     time.Time // AWS syncToken, used when createDate is absent
	recs     []record
	stats    Stats
	strs     map[string]string // Apple: interned place names
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("cloud: %q at byte %d: "+format, append([]any{p.name, p.dec.InputOffset()}, args...)...)
}

func (p *parser) jsonErr(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return p.errf("truncated or invalid JSON: %w", err)
}

// as records which provider a key belongs to; two providers in one file
// are refused.
func (p *parser) as(provider string) error {
	if p.provider != "" && p.provider != provider {
		return p.errf("mixes %s and %s keys", p.provider, provider)
	}
	p.provider = provider
	return nil
}

func (p *parser) delim(want json.Delim) error {
	t, err := p.dec.Token()
	if err != nil {
		return p.jsonErr(err)
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return p.errf("expected %q, found %v", want, t)
	}
	return nil
}

func (p *parser) str() (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", p.jsonErr(err)
	}
	s, ok := t.(string)
	if !ok {
		return "", p.errf("expected a string, found %v", t)
	}
	return s, nil
}

func (p *parser) top() error {
	if err := p.delim('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		key, err := p.str()
		if err != nil {
			return err
		}
		if seen[key] {
			return p.errf("duplicate key %q", key)
		}
		seen[key] = true
		if err := p.member(key); err != nil {
			return err
		}
	}
	if err := p.delim('}'); err != nil {
		return err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return p.errf("data after the top-level object")
	}
	if p.provider == "" {
		return fmt.Errorf("cloud: %q: not an AWS, GCP or Azure ranges file", p.name)
	}
	if p.date.IsZero() {
		p.date = p.sync
	}
	return nil
}

func (p *parser) member(key string) error {
	switch key {
	case "createDate", "syncToken": // AWS; GCP has a syncToken too (in ms)
		if key == "createDate" {
			if err := p.as(AWS); err != nil {
				return err
			}
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		if key == "createDate" {
			t, err := time.Parse("2006-01-02-15-04-05", s)
			if err != nil {
				return p.errf("bad createDate %q", s)
			}
			p.date = t
			return nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<40 {
			p.sync = time.Unix(n, 0).UTC()
		}
		return nil
	case "creationTime":
		if err := p.as(GCP); err != nil {
			return err
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				p.date = t.UTC()
				return nil
			}
		}
		return p.errf("bad creationTime %q", s)
	case "changeNumber":
		if err := p.as(Azure); err != nil {
			return err
		}
		var n json.Number
		if err := p.dec.Decode(&n); err != nil {
			return p.jsonErr(err)
		}
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			return p.errf("bad changeNumber %q", n)
		}
		return nil
	case "prefixes", "ipv6_prefixes":
		return p.array(p.prefix)
	case "values":
		if err := p.as(Azure); err != nil {
			return err
		}
		return p.array(p.azureValue)
	default: // "cloud", …: skipped
		var skip json.RawMessage
		if err := p.dec.Decode(&skip); err != nil {
			return p.jsonErr(err)
		}
		return nil
	}
}

// array calls elem for each element of a JSON array.
func (p *parser) array(elem func() error) error {
	if err := p.delim('['); err != nil {
		return err
	}
	for p.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	return p.delim(']')
}

// decode decodes one element into v. A value of the wrong type is a
// malformed record (reported as false), other errors end the parse.
func (p *parser) decode(v any) (bool, error) {
	err := p.dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &te):
		p.stats.Malformed++
		return false, nil
	default:
		return false, p.jsonErr(err)
	}
}

// prefixJSON is an AWS or GCP prefix record.
type prefixJSON struct {
	IPPrefix   string `json:"ip_prefix"`   // AWS
	IPv6Prefix string `json:"ipv6_prefix"` // AWS
	Region     string `json:"region"`      // AWS
	NBG        string `json:"network_border_group"`
	Service    string `json:"service"`    // both
	IPv4G      string `json:"ipv4Prefix"` // GCP
	IPv6G      string `json:"ipv6Prefix"` // GCP
	Scope      string `json:"scope"`      // GCP
}

func (p *parser) prefix() error {
	var e prefixJSON
	ok, err := p.decode(&e)
	if err != nil || !ok {
		return err
	}
	var provider, s string
	n := 0
	for _, c := range []struct{ prov, s string }{{AWS, e.IPPrefix}, {AWS, e.IPv6Prefix}, {GCP, e.IPv4G}, {GCP, e.IPv6G}} {
		if c.s != "" {
			provider, s = c.prov, c.s
			n++
		}
	}
	if n != 1 {
		p.stats.Malformed++
		return nil
	}
	if err := p.as(provider); err != nil {
		return err
	}
	rec := record{service: e.Service, region: e.Region, nbg: e.NBG}
	if provider == GCP {
		rec.region = e.Scope
	}
	return p.add(s, rec)
}

// azureValue is one Azure service tag.
type azureValue struct {
	Name       string `json:"name"`
	Properties struct {
		Region          string   `json:"region"`
		SystemService   string   `json:"systemService"`
		AddressPrefixes []string `json:"addressPrefixes"`
	} `json:"properties"`
}

func (p *parser) azureValue() error {
	var v azureValue
	ok, err := p.decode(&v)
	if err != nil || !ok {
		return err
	}
	if v.Name == "" {
		p.stats.Malformed += max(1, len(v.Properties.AddressPrefixes))
		return nil
	}
	for _, s := range v.Properties.AddressPrefixes {
		rec := record{service: v.Name, region: v.Properties.Region, systemService: v.Properties.SystemService}
		if err := p.add(s, rec); err != nil {
			return err
		}
	}
	return nil
}

// add parses a prefix strictly (canonical, no host bits) and keeps rec.
func (p *parser) add(s string, rec record) error {
	pf, err := netip.ParsePrefix(s)
	if err != nil || pf != pf.Masked() || rec.service == "" {
		p.stats.Malformed++
		return nil
	}
	if len(p.recs) >= MaxRecords {
		return p.errf("more than %d prefix records", MaxRecords)
	}
	rec.prefix = pf
	p.recs = append(p.recs, rec)
	if pf.Addr().Is4() {
		p.stats.IPv4++
	} else {
		p.stats.IPv6++
	}
	p.stats.Services[rec.service]++
	return nil
}
