// Package parse turns preserved artefacts into events.
//
// Every parser is deterministic: the same bytes and the same Options give the
// same events in the same order, so that anyone holding the artefact can re-run
// the parser and compare the digest recorded in the case's events.parsed
// entry. Every event cites its origin (artefact SHA-256, byte offset of the
// line or record, line or record number, parser name and version), so an
// analyst can go from any figure back to the preserved bytes.
//
// Parsers defend against hostile input: lines and records are bounded
// (MaxLine), malformed lines are counted and reported with their line number
// through Sink.Malformed, never dropped silently and never fatal, and no input
// makes a parser panic (each parser has a fuzz target).
package parse

import (
	"time"
)

// Event kinds and outcomes, as in the CLI contract.
const (
	KindAuth    = "auth"
	KindHTTP    = "http"
	KindAPI     = "api"
	KindFlow    = "flow"
	KindAlert   = "alert"
	KindDNS     = "dns"
	KindProcess = "process"
	KindOther   = "other"

	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeUnknown = "unknown"
)

// MaxLine is the longest line or record a parser looks at. Longer lines are
// cut to MaxLine bytes and flagged (Event.Fields["truncated"] = "true") or,
// when they cannot be parsed after the cut, reported as malformed.
const MaxLine = 64 << 10

// Citation says where an event comes from.
type Citation struct {
	Artefact string `json:"artefact"`         // "sha256:<hex>" of the preserved artefact
	Offset   int64  `json:"offset"`           // byte offset of the line or record in the (decompressed) stream
	Line     int64  `json:"line,omitempty"`   // 1-based line number, for line formats
	Record   int64  `json:"record,omitempty"` // 1-based record number, for record formats (EVTX, PCAP, JSON arrays)
	Member   string `json:"member,omitempty"` // "gzip" when offsets are in the decompressed stream
	Parser   string `json:"parser"`           // "name/version", e.g. "openssh/1"
}

// Event is one thing that happened, as a log or capture recorded it.
//
// Addresses (Src, Dst) are normalised with enrich/indicator: IPv6 compressed
// and lower case, zone ids and IPv4-mapped forms reduced, leading zeros
// removed. A service principal (CloudTrail "config.amazonaws.com") goes in
// SrcService, never in Src.
type Event struct {
	Time time.Time `json:"time"`
	// TimeNote explains how Time was obtained when the log did not say it in
	// full, e.g. "year 2005 inferred from artefact mtime" or "year from --year".
	TimeNote   string            `json:"time_note,omitempty"`
	Kind       string            `json:"kind"`
	Action     string            `json:"action,omitempty"`
	Outcome    string            `json:"outcome"`
	Src        string            `json:"src,omitempty"`
	SrcPort    int               `json:"src_port,omitempty"`
	SrcService string            `json:"src_service,omitempty"`
	Dst        string            `json:"dst,omitempty"`
	DstPort    int               `json:"dst_port,omitempty"`
	User       string            `json:"user,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Citation   Citation          `json:"citation"`
}

// Malformed is a line or record that a parser could not read.
type Malformed struct {
	Offset int64  `json:"offset"`
	Line   int64  `json:"line,omitempty"`
	Record int64  `json:"record,omitempty"`
	Reason string `json:"reason"`
}

// Sink receives what a parser produces. Both methods are called in input
// order from a single goroutine. An error from Event stops the parse and is
// returned by Parse.
type Sink interface {
	Event(Event) error
	Malformed(Malformed)
}

// Options influence parsing. The zero value is valid.
type Options struct {
	// Artefact is "sha256:<hex>" of the artefact being parsed; it is copied
	// into every citation.
	Artefact string
	// Name is the artefact's original file name (for detection only).
	Name string
	// Year is used for syslog lines without a year. Zero means: use ModTime.
	Year int
	// ModTime is the artefact's modification time as recorded at ingest.
	// When both Year and ModTime are zero, year-less lines are reported as
	// malformed with a reason asking for --year, never given the current year.
	ModTime time.Time
	// Location is the time zone of logs that do not state one. Nil means UTC,
	// and the event's TimeNote says that UTC was assumed.
	Location *time.Location
	// Received is when the artefact was received (its ingest time). Events
	// dated after it, or after ModTime, are flagged (TimeNote) and counted
	// (Result.AfterModTime, Result.AfterReceived).
	Received time.Time

	// startYear is the first year-less syslog line's year, read ahead by
	// Run (see clock).
	startYear int
}

// Stats summarises one parse.
type Stats struct {
	Events    int64 `json:"events"`
	Malformed int64 `json:"malformed"`
	Lines     int64 `json:"lines,omitempty"`
	Records   int64 `json:"records,omitempty"`
	Truncated int64 `json:"truncated,omitempty"`
}
