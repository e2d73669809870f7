// Package tor reads the Tor Project's exit lists and says whether an address
// was a Tor exit around the time of an event.
//
// Two formats are read:
//
//   - TorDNSEL "exit-addresses" (check.torproject.org/exit-addresses,
//     CollecTor exit lists): records of
//
//     ExitNode <40-hex fingerprint>
//     Published 2024-03-12 03:41:13
//     LastStatus 2024-03-12 04:00:00
//     ExitAddress 185.241.208.232 2024-03-12 08:10:51
//
//     (one or more ExitAddress lines per relay, times in UTC; CollecTor's "@type" and "Downloaded" header lines are
//     accepted). A match gives
//     one observation with ValidAt = the ExitAddress time nearest the event
//     and Fields "fingerprints" (every relay seen exiting from the address,
//     sorted), "relays", "exit_address_time", "published", "last_status" and
//     "within_24h" (|event − ExitAddress time| ≤ 24 h; absent when the event
//     time is unknown). The dataset date is the latest time on an accepted line
//     (Downloaded, Published, LastStatus or ExitAddress).
//
//   - the bulk exit list (check.torproject.org/torbulkexitlist): one address
//     per line. It has no date of its own: the caller passes one (the time
//     the list was fetched, or the file's mtime), and may pass the zero time
//     for "unknown". A match gives Fields {"listed": true} and, when both the
//     event time and the list date are known, "within_24h" measured against
//     the list date.
//
// Parsing is strict and bounded: lines longer than 1 KiB, unknown keywords,
// bad fingerprints, addresses or times are counted in Stats.Malformed (with
// the first such line number), never fatal; only a file with no exit address
// at all, or with more than MaxAddresses addresses, is refused.
//
//	l, err := tor.Open(f, "sha256:…", "exit-addresses", time.Time{})
//	obs := l.Lookup(netip.MustParseAddr("23.137.251.61"), eventTime)
package tor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/internal/lines"
)

// Source names written into observations.
const (
	SourceExitAddresses = "tor-exit-addresses"
	SourceBulkList      = "tor-bulk-exit-list"
)

// Limits.
const (
	MaxLine      = 1024
	MaxAddresses = 1 << 20
)

const timeLayout = "2006-01-02 15:04:05"

// Stats counts what was read.
type Stats struct {
	Lines          int // lines read
	Records        int // ExitNode records (exit-addresses only)
	ExitAddresses  int // ExitAddress lines (or address lines in a bulk list)
	Addresses      int // distinct addresses
	Malformed      int // lines that were skipped
	FirstMalformed int // line number of the first skipped line, 0 if none
}

// exit is one ExitAddress line.
type exit struct {
	fp         string
	at         time.Time // ExitAddress time
	published  time.Time
	lastStatus time.Time
}

// List is an opened exit list. It is immutable and safe for concurrent use.
type List struct {
	bulk   bool
	date   time.Time
	digest string
	exits  map[netip.Addr][]exit
	stats  Stats
}

var _ enrich.Dataset = (*List)(nil)

// ErrNoExits is returned for input that holds no exit address at all.
var ErrNoExits = errors.New("no exit addresses found")

// Open reads an exit-addresses file or a bulk exit list from r. dataset is
// the artefact's "sha256:<hex>", name its original name (used in errors);
// listDate is the bulk list's date (ignored for exit-addresses, which carry
// their own times).
func Open(r io.Reader, dataset, name string, listDate time.Time) (*List, error) {
	p := parser{exits: map[netip.Addr][]exit{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := lines.Read(br, MaxLine)
		if len(line) > 0 || err == nil {
			p.line(line)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tor: read %q: %w", name, err)
		}
		if len(p.exits) > MaxAddresses {
			return nil, fmt.Errorf("tor: %q: more than %d addresses", name, MaxAddresses)
		}
	}
	if len(p.exits) == 0 {
		return nil, fmt.Errorf("tor: %q: %w (%d lines, %d malformed)", name, ErrNoExits, p.stats.Lines, p.stats.Malformed)
	}
	l := &List{bulk: p.mode == modeBulk, digest: dataset, exits: p.exits, stats: p.stats}
	l.stats.Addresses = len(p.exits)
	if l.bulk {
		l.date = listDate.UTC()
	} else {
		l.date = p.latest
		for _, es := range l.exits {
			slices.SortFunc(es, func(a, b exit) int { return a.at.Compare(b.at) })
		}
	}
	return l, nil
}

type mode int

const (
	modeUnknown mode = iota
	modeExitAddresses
	modeBulk
)

type parser struct {
	mode   mode
	cur    *exit // the current ExitNode record
	exits  map[netip.Addr][]exit
	latest time.Time
	stats  Stats
}

func (p *parser) bad() {
	p.stats.Malformed++
	if p.stats.FirstMalformed == 0 {
		p.stats.FirstMalformed = p.stats.Lines
	}
}

func (p *parser) line(b []byte) {
	p.stats.Lines++
	if len(b) > MaxLine {
		p.bad()
		return
	}
	s := string(b)
	if strings.TrimSpace(s) == "" || s[0] == '#' || s[0] == '@' { // blank, comment, CollecTor @type
		return
	}
	kw, rest, _ := strings.Cut(s, " ")
	if p.mode == modeUnknown {
		// The first ExitNode line or address decides the format.
		switch _, err := netip.ParseAddr(s); {
		case kw == "ExitNode":
			p.mode = modeExitAddresses
		case err == nil:
			p.mode = modeBulk
		case kw == "Downloaded":
			if t, ok := parseTime(rest); ok { // CollecTor header: the download time
				p.seen(t)
			} else {
				p.bad()
			}
			return
		default:
			p.bad()
			return
		}
	}
	if p.mode == modeBulk {
		a, ok := parseAddr(s)
		if !ok {
			p.bad()
			return
		}
		p.stats.ExitAddresses++
		if _, ok := p.exits[a]; !ok {
			p.exits[a] = nil
		}
		return
	}
	switch kw {
	case "Downloaded":
		t, ok := parseTime(rest)
		if !ok {
			p.bad()
			return
		}
		p.seen(t)
	case "ExitNode":
		if !isFingerprint(rest) {
			p.cur = nil
			p.bad()
			return
		}
		p.stats.Records++
		p.cur = &exit{fp: rest}
	case "Published", "LastStatus":
		t, ok := parseTime(rest)
		if !ok || p.cur == nil {
			p.bad()
			return
		}
		p.seen(t)
		if kw == "Published" {
			p.cur.published = t
		} else {
			p.cur.lastStatus = t
		}
	case "ExitAddress":
		as, ts, _ := strings.Cut(rest, " ")
		a, aok := parseAddr(as)
		t, ok := parseTime(ts)
		if !aok || !ok || p.cur == nil {
			p.bad()
			return
		}
		p.seen(t)
		p.stats.ExitAddresses++
		e := *p.cur
		e.at = t
		p.exits[a] = append(p.exits[a], e)
	default:
		p.bad()
	}
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(timeLayout, s)
	return t, err == nil
}

// seen records a time from an accepted line for the dataset date.
func (p *parser) seen(t time.Time) {
	if t.After(p.latest) {
		p.latest = t
	}
}

// parseAddr accepts an address only in canonical form (no leading zeros,
// no zone, IPv6 compressed); an IPv4-mapped address is stored as IPv4.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.String() != s {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isFingerprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Name returns SourceExitAddresses or SourceBulkList.
func (l *List) Name() string {
	if l.bulk {
		return SourceBulkList
	}
	return SourceExitAddresses
}

// Type returns enrich.TypeTorExits.
func (l *List) Type() string { return enrich.TypeTorExits }

// Date returns the latest time in an exit-addresses file, or the date the
// caller gave for a bulk list (zero when unknown).
func (l *List) Date() time.Time { return l.date }

// Digest returns the dataset artefact's "sha256:<hex>".
func (l *List) Digest() string { return l.digest }

// Stats reports what was read.
func (l *List) Stats() Stats { return l.stats }

// Lookup returns one observation when a is in the list, else nil. at is the
// event time (zero when unknown).
func (l *List) Lookup(a netip.Addr, at time.Time) []enrich.Observation {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap().WithZone("")
	es, ok := l.exits[a]
	if !ok {
		return nil
	}
	o := enrich.Observation{
		Indicator:   a.String(),
		Source:      l.Name(),
		SourceType:  enrich.TypeTorExits,
		Dataset:     l.digest,
		DatasetDate: l.date,
		Network:     netip.PrefixFrom(a, a.BitLen()).String(),
		Reliability: enrich.DefaultReliability(enrich.TypeTorExits),
	}
	if l.bulk {
		o.Fields = map[string]any{"listed": true}
		if !at.IsZero() && !l.date.IsZero() {
			o.Fields["within_24h"] = within24h(at, l.date)
		}
		return []enrich.Observation{o}
	}
	// The ExitAddress time nearest the event (the latest when unknown).
	best := es[len(es)-1]
	if !at.IsZero() {
		for _, e := range es {
			if absDur(e.at.Sub(at)) < absDur(best.at.Sub(at)) {
				best = e
			}
		}
	}
	fps := make([]string, 0, len(es))
	for _, e := range es {
		fps = append(fps, e.fp)
	}
	slices.Sort(fps)
	fps = slices.Compact(fps)
	o.ValidAt = best.at
	o.Fields = map[string]any{
		"fingerprints":      fps,
		"relays":            int64(len(fps)),
		"exit_address_time": best.at.Format(time.RFC3339),
	}
	if !best.published.IsZero() {
		o.Fields["published"] = best.published.Format(time.RFC3339)
	}
	if !best.lastStatus.IsZero() {
		o.Fields["last_status"] = best.lastStatus.Format(time.RFC3339)
	}
	if !at.IsZero() {
		o.Fields["within_24h"] = within24h(at, best.at)
	}
	return []enrich.Observation{o}
}

func absDur(d time.Duration) time.Duration {
	if d == math.MinInt64 {
		return math.MaxInt64
	}
	if d < 0 {
		return -d
	}
	return d
}

func within24h(a, b time.Time) bool { return absDur(a.Sub(b)) <= 24*time.Hour }
