package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// TimeFormat is the entry time format: RFC 3339 in UTC with exactly nine
// fractional digits, so that every instant has one spelling.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// MaxEntrySize bounds one entry's canonical encoding.
const MaxEntrySize = 1 << 20

// Entry kinds written by this package. Other packages add their own kinds
// (events.parsed, observation.recorded, assessment.recorded, export.created,
// evidence.viewed, user.login, …).
const (
	KindCaseCreated       = "case.created"
	KindArtefactIngested  = "artefact.ingested"
	KindIngestFailed      = "ingest.failed"
	entryFieldCount       = 6
	maxKindLen, maxActLen = 64, 512
)

// GenesisPrev is the prev of entry 0, which has no predecessor: 64 zeros.
const GenesisPrev = "0000000000000000000000000000000000000000000000000000000000000000"

// Draft is an entry before the log gives it an index, a time and a link to
// its predecessor.
type Draft struct {
	Kind    string // required, e.g. "artefact.ingested"
	Actor   string // the examiner, "Name <email>"
	Payload any    // encoded with encoding/json, then canonicalised
}

// Entry is one record of the custody log, as stored.
type Entry struct {
	Index   uint64          `json:"index"`
	Time    time.Time       `json:"time"`
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`
	Prev    string          `json:"prev"`    // hex SHA-256 of the previous entry's canonical bytes
	Payload json.RawMessage `json:"payload"` // canonical JSON
	// Raw is the canonical encoding the hashes are computed over.
	Raw []byte `json:"-"`
}

// Hash is the SHA-256 of the entry's canonical bytes: what the next entry's
// Prev names.
func (e *Entry) Hash() [32]byte { return sha256.Sum256(e.Raw) }

// LeafHash is the RFC 6962 Merkle leaf hash of the entry's canonical bytes.
func (e *Entry) LeafHash() tlog.Hash { return tlog.RecordHash(e.Raw) }

// encodeEntry builds the canonical bytes of an entry.
// p must be a canonical JSON object.
func encodeEntry(index uint64, t time.Time, kind, actor string, prev [32]byte, p []byte) (*Entry, error) {
	if kind == "" || len(kind) > maxKindLen {
		return nil, fmt.Errorf("entry kind %q: empty or too long", kind)
	}
	if len(actor) > maxActLen {
		return nil, errors.New("entry actor too long")
	}
	if len(p) == 0 || p[0] != '{' {
		return nil, errors.New("entry payload must be a JSON object")
	}
	t = t.UTC()
	prevHex := hex.EncodeToString(prev[:])
	// Keys in canonical (sorted) order: actor, index, kind, payload, prev, time.
	var b bytes.Buffer
	b.Grow(len(p) + len(kind) + len(actor) + 160)
	b.WriteString(`{"actor":`)
	writeCanonicalString(&b, actor)
	b.WriteString(`,"index":`)
	b.WriteString(strconv.FormatUint(index, 10))
	b.WriteString(`,"kind":`)
	writeCanonicalString(&b, kind)
	b.WriteString(`,"payload":`)
	b.Write(p)
	b.WriteString(`,"prev":"`)
	b.WriteString(prevHex)
	b.WriteString(`","time":"`)
	b.WriteString(t.Format(TimeFormat))
	b.WriteString(`"}`)
	if b.Len() > MaxEntrySize {
		return nil, fmt.Errorf("entry of kind %s is %d bytes, more than %d", kind, b.Len(), MaxEntrySize)
	}
	return &Entry{Index: index, Time: t, Kind: kind, Actor: actor, Prev: prevHex, Payload: p, Raw: b.Bytes()}, nil
}

// ParseEntry reads a stored entry strictly: it must be canonical JSON with
// exactly the entry fields, well-formed values and a payload object.
func ParseEntry(raw []byte) (*Entry, error) {
	if len(raw) > MaxEntrySize {
		return nil, errors.New("entry too large")
	}
	var kb, vb [entryFieldCount + 1][]byte
	sc := canonScanner{b: raw, keep: true, keys: kb[:0], vals: vb[:0]}
	if err := sc.check(); err != nil {
		return nil, err
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("entry is not an object")
	}
	if len(sc.keys) != entryFieldCount {
		return nil, fmt.Errorf("entry has %d fields, want %d", len(sc.keys), entryFieldCount)
	}
	// Canonical order: actor, index, kind, payload, prev, time.
	for i, want := range [entryFieldCount]string{"actor", "index", "kind", "payload", "prev", "time"} {
		if string(sc.keys[i]) != want {
			return nil, fmt.Errorf("entry lacks %q", want)
		}
	}
	e := &Entry{Raw: raw}
	var err error
	if e.Actor, err = jsonString(sc.vals[0]); err != nil {
		return nil, fmt.Errorf("entry actor: %w", err)
	}
	if e.Index, err = strconv.ParseUint(string(sc.vals[1]), 10, 64); err != nil {
		return nil, fmt.Errorf("entry index: %w", err)
	}
	if e.Kind, err = jsonString(sc.vals[2]); err != nil || e.Kind == "" {
		return nil, errors.New("entry kind is empty or not a string")
	}
	if p := sc.vals[3]; p[0] != '{' {
		return nil, errors.New("entry payload is not an object")
	}
	e.Payload = sc.vals[3]
	if e.Prev, err = jsonString(sc.vals[4]); err != nil || len(e.Prev) != 64 {
		return nil, errors.New("entry prev is not a SHA-256")
	}
	if _, err := hex.DecodeString(e.Prev); err != nil {
		return nil, errors.New("entry prev is not hex")
	}
	ts, err := jsonString(sc.vals[5])
	if err != nil {
		return nil, errors.New("entry time is not a string")
	}
	t, err := time.Parse(TimeFormat, ts)
	if err != nil || t.Format(TimeFormat) != ts {
		return nil, fmt.Errorf("entry time %q is not in canonical form", ts)
	}
	e.Time = t
	return e, nil
}

// jsonString decodes a JSON string value.
func jsonString(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' {
		return "", errors.New("not a string")
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// DecodePayload unmarshals the entry's payload into v.
func (e *Entry) DecodePayload(v any) error { return json.Unmarshal(e.Payload, v) }
