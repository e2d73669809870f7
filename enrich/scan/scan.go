// Package scan reads exported Internet scan results and says which ports an
// address had open, with the scanner's tags, AS and organisation, and when
// it was seen.
//
// Two JSON Lines shapes are read, one JSON object per line; the first good
// line decides the shape of the file, and lines of the other shape are
// malformed:
//
//	Shodan banners   {"ip_str": "192.0.2.7", "port": 23, "transport": "tcp",
//	                  "timestamp": "2026-08-20T10:11:12.123456", "tags": […],
//	                  "asn": "AS64500", "org": "…", …} — one line per open
//	                  port; other keys (data, http, ssl, …) are ignored.
//	                  IPv6 banners may give the address as "ipv6".
//	                  Source name "shodan".
//	aggregated       {"ip": "192.0.2.7", "timestamp": "2026-08-20T10:11:12Z",
//	                  "ports": [23, 7547], "tags": […], "asn": 64500,
//	                  "org": "…"} — one line per address, the shape
//	                  graph/scenario writes. Source name "scan-export".
//
// Lines about the same address are merged into one observation, with Fields
//
//	ports      every open port, sorted, as []any of int (TCP and UDP alike)
//	tags       every tag, sorted, as []any of string (absent when none)
//	asn        "AS<n>" from the latest line that has one ("AS64500", "64500"
//	           and 64500 are all read), absent when none
//	org        likewise
//	last_seen  the latest timestamp, RFC 3339 in UTC
//
// ValidAt is that latest timestamp; DatasetDate, the latest timestamp in the
// whole file. Timestamps are RFC 3339, or Shodan's zone-less form, read as
// UTC; a line without one is malformed.
//
// Parsing is strict and bounded: a line longer than MaxLine, a line that is
// not a JSON object of the right types, an address that does not parse (or
// has a zone), a port outside 1–65535, a transport other than tcp or udp, or
// an ASN outside 1–4294967295 makes the line malformed — counted in
// Stats.Malformed, never fatal. More than MaxAddresses addresses is an
// error, and so is a file without a single good line (ErrNoRecords). A
// Results is immutable and safe for concurrent use.
package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/internal/lines"
)

// Source names written into observations.
const (
	SourceShodan = "shodan"
	SourceExport = "scan-export"
)

// Limits.
const (
	MaxLine      = 1 << 20 // Shodan banners carry page bodies and certificates
	MaxAddresses = 1 << 20
	MaxTags      = 64 // distinct tags kept per address; more are dropped
)

// ErrNoRecords is returned for input without a single good line.
var ErrNoRecords = errors.New("no scan records")

// Stats counts what was read.
type Stats struct {
	Lines          int // lines read, blank ones included
	Records        int // good lines
	Addresses      int // distinct addresses
	Malformed      int // lines that were skipped
	FirstMalformed int // line number of the first skipped line, 0 if none
}

// host is what the file says about one address.
type host struct {
	ports        []uint16 // sorted, distinct once the file is read
	tags         []string // sorted, distinct once the file is read
	asn, org     string
	asnAt, orgAt time.Time
	last         time.Time
}

// Results is an opened scan export. It is immutable and safe for concurrent use.
type Results struct {
	source string
	date   time.Time
	digest string
	hosts  map[netip.Addr]*host
	stats  Stats
}

var _ enrich.Dataset = (*Results)(nil)

// Name returns SourceShodan or SourceExport.
func (r *Results) Name() string { return r.source }

// Type returns enrich.TypeScan.
func (r *Results) Type() string { return enrich.TypeScan }

// Date returns the latest timestamp in the file.
func (r *Results) Date() time.Time { return r.date }

// Digest returns the dataset artefact's "sha256:<hex>".
func (r *Results) Digest() string { return r.digest }

// Stats reports what was read.
func (r *Results) Stats() Stats { return r.stats }

// Open reads a scan export from r. dataset is the artefact's
// "sha256:<hex>"; name is its original file name, used in errors.
func Open(r io.Reader, dataset, name string) (*Results, error) {
	p := parser{hosts: map[netip.Addr]*host{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := lines.Read(br, MaxLine)
		if len(line) > 0 || err == nil {
			p.line(line)
			if len(p.hosts) > MaxAddresses {
				return nil, fmt.Errorf("scan: %q at line %d: more than %d addresses", name, p.stats.Lines, MaxAddresses)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("scan: read %q: %w", name, err)
		}
	}
	if len(p.hosts) == 0 {
		return nil, fmt.Errorf("scan: %q: %w (%d lines, %d malformed)", name, ErrNoRecords, p.stats.Lines, p.stats.Malformed)
	}
	res := &Results{source: SourceExport, date: p.latest, digest: dataset, hosts: p.hosts, stats: p.stats}
	if p.shape == shapeShodan {
		res.source = SourceShodan
	}
	res.stats.Addresses = len(p.hosts)
	for _, h := range p.hosts {
		slices.Sort(h.ports)
		h.ports = slices.Clip(slices.Compact(h.ports))
		slices.Sort(h.tags)
		h.tags = slices.Clip(slices.Compact(h.tags))
	}
	return res, nil
}

// Lookup returns one observation when the file has lines about a, else nil.
// at is ignored: the observation's ValidAt says when the address was seen.
func (r *Results) Lookup(a netip.Addr, at time.Time) []enrich.Observation {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap().WithZone("")
	h, ok := r.hosts[a]
	if !ok {
		return nil
	}
	ports := make([]any, len(h.ports))
	for i, p := range h.ports {
		ports[i] = int(p)
	}
	f := map[string]any{enrich.FieldPorts: ports, "last_seen": h.last.Format(time.RFC3339Nano)}
	if len(h.tags) > 0 {
		tags := make([]any, len(h.tags))
		for i, t := range h.tags {
			tags[i] = t
		}
		f[enrich.FieldTags] = tags
	}
	if h.asn != "" {
		f["asn"] = h.asn
	}
	if h.org != "" {
		f[enrich.FieldOrg] = h.org
	}
	return []enrich.Observation{{
		Indicator:   a.String(),
		Source:      r.source,
		SourceType:  enrich.TypeScan,
		Dataset:     r.digest,
		DatasetDate: r.date,
		ValidAt:     h.last,
		Reliability: enrich.DefaultReliability(enrich.TypeScan),
		Fields:      f,
	}}
}

type shape int

const (
	shapeUnknown shape = iota
	shapeShodan
	shapeExport
)

type parser struct {
	shape  shape
	hosts  map[netip.Addr]*host
	latest time.Time
	stats  Stats
}

// lineJSON holds the keys of both shapes.
type lineJSON struct {
	IP        json.RawMessage `json:"ip"` // export: the address; Shodan: an integer, ignored
	IPStr     *string         `json:"ip_str"`
	IPv6      *string         `json:"ipv6"`
	Port      *int64          `json:"port"`
	Ports     *[]int64        `json:"ports"`
	Transport *string         `json:"transport"`
	Timestamp string          `json:"timestamp"`
	Tags      []string        `json:"tags"`
	ASN       json.RawMessage `json:"asn"`
	Org       string          `json:"org"`
}

// rec is one good line.
type rec struct {
	addr  netip.Addr
	ports []int64
	tags  []string
	asn   string
	org   string
	at    time.Time
}

func (p *parser) line(b []byte) {
	p.stats.Lines++
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	r, sh, ok := parseLine(b)
	if !ok || (p.shape != shapeUnknown && sh != p.shape) {
		p.stats.Malformed++
		if p.stats.FirstMalformed == 0 {
			p.stats.FirstMalformed = p.stats.Lines
		}
		return
	}
	p.shape = sh
	p.stats.Records++
	if r.at.After(p.latest) {
		p.latest = r.at
	}
	h := p.hosts[r.addr]
	if h == nil {
		h = &host{}
		p.hosts[r.addr] = h
	}
	for _, port := range r.ports {
		h.ports = append(h.ports, uint16(port))
	}
	if len(h.ports) > 2*65536 { // compact early against a flood of repeats
		slices.Sort(h.ports)
		h.ports = slices.Compact(h.ports)
	}
	for _, t := range r.tags {
		if t != "" && !slices.Contains(h.tags, t) && len(h.tags) < MaxTags {
			h.tags = append(h.tags, t)
		}
	}
	if r.asn != "" && !r.at.Before(h.asnAt) {
		h.asn, h.asnAt = r.asn, r.at
	}
	if r.org != "" && !r.at.Before(h.orgAt) {
		h.org, h.orgAt = r.org, r.at
	}
	if r.at.After(h.last) {
		h.last = r.at
	}
}

// parseLine parses one non-blank line strictly.
func parseLine(b []byte) (rec, shape, bool) {
	var r rec
	if len(b) > MaxLine {
		return r, shapeUnknown, false
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return r, shapeUnknown, false
	}
	var l lineJSON
	if err := json.Unmarshal(b, &l); err != nil {
		return r, shapeUnknown, false
	}
	var sh shape
	var addr string
	switch {
	case (l.IPStr != nil || l.IPv6 != nil) && l.Port != nil && l.Ports == nil:
		sh = shapeShodan
		if l.IPStr != nil {
			addr = *l.IPStr
		} else {
			addr = *l.IPv6
		}
		r.ports = []int64{*l.Port}
		if l.Transport != nil && *l.Transport != "tcp" && *l.Transport != "udp" {
			return r, sh, false
		}
	case l.IPStr == nil && l.Port == nil && l.Ports != nil && json.Unmarshal(l.IP, &addr) == nil:
		sh = shapeExport
		r.ports = *l.Ports
	default:
		return r, shapeUnknown, false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return r, sh, false
	}
	r.addr = a.Unmap()
	for _, port := range r.ports {
		if port < 1 || port > 65535 {
			return r, sh, false
		}
	}
	var ok bool
	if r.at, ok = parseTime(l.Timestamp); !ok {
		return r, sh, false
	}
	if r.asn, ok = parseASN(l.ASN); !ok {
		return r, sh, false
	}
	r.tags, r.org = l.Tags, strings.TrimSpace(l.Org)
	return r, sh, true
}

// parseTime reads RFC 3339 or Shodan's zone-less UTC timestamps.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseASN reads "AS64500", "64500" or 64500 as "AS64500"; absent, null or
// "" as "".
func parseASN(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		if s == "" {
			return "", true
		}
		if len(s) > 2 && strings.EqualFold(s[:2], "AS") {
			s = s[2:]
		}
	} else {
		s = string(raw)
	}
	if s == "" || s[0] < '1' || s[0] > '9' {
		return "", false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return "", false
	}
	return "AS" + strconv.FormatUint(n, 10), true
}
