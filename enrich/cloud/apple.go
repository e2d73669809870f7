package cloud

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/enrich/internal/lines"
	"github.com/casefile/casefile/enrich/internal/prefixtab"
)

// ServiceICloudPrivateRelay is the service of every Apple egress range.
const ServiceICloudPrivateRelay = "ICLOUD_PRIVATE_RELAY"

// MaxLine bounds a line of Apple's egress list; longer lines are malformed.
const MaxLine = 1024

// maxStrings bounds the place names shared between records.
const maxStrings = 1 << 16

// OpenAppleRelay reads Apple's iCloud Private Relay egress list
// (egress-ip-ranges.csv, an RFC 8805 geofeed: "prefix,country,region,city,"
// per line, for example "172.224.226.0/27,GB,GB-EN,London,") from r.
//
// Each accepted line is a record with provider "apple", service and services
// ICLOUD_PRIVATE_RELAY, and the line's country, region, city (and
// postal_code, when the fifth column is set). A line is malformed — counted
// in Stats.Malformed, its number in Stats.FirstMalformed — unless its prefix
// is canonical (no host bits), its country is two letters A–Z, it has four or
// five columns, no quote or control character and at most MaxLine bytes.
// Blank lines and "#" comments are skipped. A file without a single good
// line is refused with ErrNoPrefixes.
//
// The list carries no date: Date is date, the caller's (when it was
// fetched, say), and zero when the caller passes zero.
func OpenAppleRelay(r io.Reader, dataset, name string, date time.Time) (*Ranges, error) {
	p := &parser{name: name, provider: Apple, stats: Stats{Services: map[string]int{}}, strs: map[string]string{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := lines.Read(br, MaxLine)
		if len(line) > 0 || err == nil {
			if bad := p.appleLine(line); bad {
				p.stats.Malformed++
				if p.stats.FirstMalformed == 0 {
					p.stats.FirstMalformed = n
				}
			}
			if len(p.recs) > MaxRecords {
				return nil, fmt.Errorf("cloud: %q at line %d: more than %d prefix records", name, n, MaxRecords)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cloud: read %q: %w", name, err)
		}
	}
	if len(p.recs) == 0 {
		return nil, fmt.Errorf("cloud: %q: %w (%d malformed)", name, ErrNoPrefixes, p.stats.Malformed)
	}
	rg := &Ranges{provider: Apple, date: date.UTC(), digest: dataset, recs: p.recs, stats: p.stats}
	entries := make([]prefixtab.Entry, len(p.recs))
	for i, rec := range p.recs {
		entries[i] = prefixtab.Entry{Prefix: rec.prefix, Value: int32(i)}
	}
	rg.tab = prefixtab.Build(entries)
	return rg, nil
}

// appleLine keeps the record on one line and reports whether it was
// malformed.
func (p *parser) appleLine(b []byte) (bad bool) {
	if len(b) > MaxLine || !utf8.Valid(b) {
		return true
	}
	s := strings.TrimPrefix(string(b), "\ufeff")
	if t := strings.TrimSpace(s); t == "" || t[0] == '#' {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '"' {
			return true
		}
	}
	rec, ok := parseGeofeed(s)
	if !ok {
		return true
	}
	// Share the few distinct places between records rather than keep each
	// line's string alive.
	for _, f := range []*string{&rec.country, &rec.region, &rec.city, &rec.postal} {
		if v, ok := p.strs[*f]; ok {
			*f = v
		} else if len(p.strs) < maxStrings {
			*f = strings.Clone(*f)
			p.strs[*f] = *f
		}
	}
	p.recs = append(p.recs, rec)
	if rec.prefix.Addr().Is4() {
		p.stats.IPv4++
	} else {
		p.stats.IPv6++
	}
	p.stats.Services[rec.service]++
	return false
}

// parseGeofeed parses one "prefix,country,region,city[,postal]" line.
func parseGeofeed(s string) (record, bool) {
	cols := strings.Split(s, ",")
	if len(cols) != 4 && len(cols) != 5 {
		return record{}, false
	}
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	pf, err := netip.ParsePrefix(cols[0])
	if err != nil || pf != pf.Masked() || pf.Addr().Zone() != "" || !countryCode(cols[1]) {
		return record{}, false
	}
	rec := record{prefix: pf, service: ServiceICloudPrivateRelay, country: cols[1], region: cols[2], city: cols[3]}
	if len(cols) == 5 {
		rec.postal = cols[4]
	}
	return rec, true
}

func countryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}
