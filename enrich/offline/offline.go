// Package offline opens any offline dataset Casefile reads — MaxMind mmdb,
// Tor exit lists, AWS/GCP/Azure ranges, Apple's iCloud Private Relay egress
// list, MISP warninglists, Shodan and aggregated scan exports — from the bytes
// of its preserved artefact, recognising the format from the content alone
// (never from the file name), and returns it as an enrich.Dataset.
//
// It exists apart from package enrich because it imports every reader, and
// the readers import enrich for the Observation type.
//
// Recognition, in order:
//
//	mmdb         the metadata marker "\xab\xcd\xefMaxMind.com"
//	JSON object  the keys of the first object: "list" and "type" → MISP
//	             warninglist; "values" or "changeNumber" → Azure Service
//	             Tags; "prefixes", "ipv6_prefixes", "createDate" or
//	             "creationTime" → AWS / GCP ranges; "ip_str" or "ipv6"
//	             with "port" → Shodan banners (JSON Lines); "ip" with
//	             "ports" → aggregated scan export (JSON Lines)
//	text         the first meaningful line: "ExitNode …" (or a CollecTor
//	             "@type tordnsel" / "Downloaded" header) → TorDNSEL
//	             exit-addresses; an IP address → Tor bulk exit list;
//	             "prefix,CC,…" (a prefix and a two-letter country code,
//	             RFC 8805 geofeed) → Apple Private Relay egress list
//
// A geofeed says nothing of who publishes it, and Apple's egress list says
// ICLOUD_PRIVATE_RELAY of every range (a strong sign of a relay). So a
// geofeed is read as Apple's only under Apple's file name
// (egress-ip-ranges*.csv); any other geofeed is refused with
// ErrUnknownGeofeed rather than taken for a privacy relay.
//
// Anything else is refused with ErrUnknownFormat. The chosen reader then
// parses strictly; its errors are returned wrapped.
//
//	ds, err := offline.Open(data, "sha256:…", "ip-ranges.json", offline.Options{})
//	for _, o := range ds.Lookup(addr, eventTime) { … }
package offline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/cloud"
	"github.com/casefile/casefile/enrich/geoip"
	"github.com/casefile/casefile/enrich/scan"
	"github.com/casefile/casefile/enrich/tor"
	"github.com/casefile/casefile/enrich/warninglist"
)

// Formats reported by Sniff.
const (
	FormatMMDB        = "mmdb"
	FormatTorExits    = "tor-exits"    // exit-addresses or bulk exit list
	FormatCloudRanges = "cloud-ranges" // AWS, GCP or Azure
	FormatWarninglist = "misp-warninglist"
	FormatAppleRelay  = "apple-private-relay" // egress-ip-ranges.csv
	FormatScan        = "scan"                // Shodan banners or aggregated export, JSON Lines
)

// ErrUnknownFormat is returned for data no reader recognises.
var ErrUnknownFormat = errors.New("unknown dataset format")

// ErrUnknownGeofeed is returned for an RFC 8805 geofeed that is not named as
// Apple's iCloud Private Relay egress list: a geofeed does not say whose
// network it describes.
var ErrUnknownGeofeed = errors.New("an RFC 8805 geofeed that is not Apple's egress-ip-ranges.csv: it does not say whose network it describes, so it is not read as a privacy relay list")

// Options tune Open. The zero value is the default.
type Options struct {
	// Date is the dataset date for formats that carry none (the Tor bulk
	// exit list; Azure Service Tags without "_YYYYMMDD" in the name; Apple's
	// Private Relay egress list): for
	// example when the list was fetched, or the file's mtime. Zero means
	// unknown.
	Date time.Time
}

var mmdbMarker = []byte("\xab\xcd\xefMaxMind.com")

// Sniff names the format of data, or returns "" when it is not recognised.
func Sniff(data []byte) string {
	if bytes.LastIndex(data, mmdbMarker) >= 0 {
		return FormatMMDB
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		keys := topKeys(trimmed)
		switch {
		case keys["list"] && keys["type"]:
			return FormatWarninglist
		case (keys["ip_str"] || keys["ipv6"]) && keys["port"], keys["ip"] && keys["ports"]:
			return FormatScan
		case keys["values"] || keys["changeNumber"] || keys["prefixes"] || keys["ipv6_prefixes"] ||
			keys["createDate"] || keys["creationTime"]:
			return FormatCloudRanges
		}
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 4096), tor.MaxLine+2)
	for n := 0; sc.Scan() && n < 64; n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "ExitNode "), strings.HasPrefix(line, "@type tordnsel"),
			strings.HasPrefix(line, "Downloaded "):
			return FormatTorExits
		}
		if _, err := netip.ParseAddr(line); err == nil {
			return FormatTorExits
		}
		if geofeedLine(line) {
			return FormatAppleRelay
		}
		return ""
	}
	return ""
}

// geofeedLine reports whether line starts "prefix,CC,".
func geofeedLine(line string) bool {
	pfx, rest, ok := strings.Cut(line, ",")
	if !ok {
		return false
	}
	cc, _, ok := strings.Cut(rest, ",")
	if _, err := netip.ParsePrefix(pfx); err != nil || !ok || len(cc) != 2 {
		return false
	}
	return 'A' <= cc[0] && cc[0] <= 'Z' && 'A' <= cc[1] && cc[1] <= 'Z'
}

// topKeys returns the top-level keys of a JSON object, as far as it parses
// (a truncated file still shows its leading keys; the reader reports the
// truncation).
func topKeys(data []byte) map[string]bool {
	keys := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, ok := t.(string)
		if !ok {
			return keys
		}
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// Open recognises the format of data and opens it. dataset is the
// artefact's "sha256:<hex>", name its original file name. For mmdb files,
// data is used in place and must not be modified while the dataset is used.
func Open(data []byte, dataset, name string, opt Options) (enrich.Dataset, error) {
	var ds enrich.Dataset
	var err error
	switch Sniff(data) {
	case FormatMMDB:
		ds, err = geoip.Open(data, dataset, name)
	case FormatTorExits:
		ds, err = tor.Open(bytes.NewReader(data), dataset, name, opt.Date)
	case FormatCloudRanges:
		ds, err = cloud.Open(bytes.NewReader(data), dataset, name, opt.Date)
	case FormatWarninglist:
		ds, err = warninglist.Open(bytes.NewReader(data), dataset, name)
	case FormatAppleRelay:
		if !strings.Contains(strings.ToLower(name), "egress-ip-ranges") {
			return nil, fmt.Errorf("offline: %q: %w", name, ErrUnknownGeofeed)
		}
		ds, err = cloud.OpenAppleRelay(bytes.NewReader(data), dataset, name, opt.Date)
	case FormatScan:
		ds, err = scan.Open(bytes.NewReader(data), dataset, name)
	default:
		return nil, fmt.Errorf("offline: %q: %w", name, ErrUnknownFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("offline: %w", err)
	}
	return ds, nil
}
