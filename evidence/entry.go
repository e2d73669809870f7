package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

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

// entryParts is an entry's canonical bytes split around what only the log
// knows when it commits (index, prev and time). Appends encode the parts
// in the caller's goroutine, so that a commit only joins them: the commit
// is the one sequential step of appending (each entry names the hash of
// the one before), the parts are not.
type entryParts struct {
	kind, actor string
	// pre is `{"actor":A,"index":` then `,"kind":K,"payload":P,"prev":"`;
	// the index goes at split, the payload is pre[payAt:payEnd].
	pre           []byte
	split         int
	payAt, payEnd int
}

func (ep *entryParts) payloadLen() int { return ep.payEnd - ep.payAt }

// maxEntryTail bounds what a commit adds to pre (entryChain): the index,
// prev, the time key and value, and the closing bytes.
const maxEntryTail = 20 + 64 + len(`","time":"`) + len(TimeFormat) + 8 + len(`"}`)

// partsEncoder encodes the parts of a run of drafts (prepare) into one
// buffer, and what drafts with the same kind and actor as the one before
// share (most of a batch: an examiner's observations) only once: a buffer
// and the checks of kind and actor per entry were a third of preparing it.
type partsEncoder struct {
	limit       int
	buf         []byte
	expect      int // drafts still to come, to size buf after the first
	kind, actor string
	known       bool   // kind and actor checked, head and mid theirs
	head        []byte // `{"actor":A,"index":`
	mid         []byte // `,"kind":K,"payload":`
}

// partsEncoders keeps encoders, and their buffers, from one append to the
// next: a batch's parts are garbage once it is committed, and a new
// buffer of hundreds of KiB per batch was zeroed and collected each time.
var partsEncoders sync.Pool

// maxKeptParts bounds the buffer of an encoder kept for reuse.
const maxKeptParts = 4 << 20

// getPartsEncoder returns an encoder for n drafts. It refuses an entry
// that could exceed MaxEntrySize whatever its index and time, or limit
// when it is set (a case kept in object storage, whose log is published
// as tlog-tiles).
func getPartsEncoder(n, limit int) *partsEncoder {
	pe, _ := partsEncoders.Get().(*partsEncoder)
	if pe == nil {
		pe = new(partsEncoder)
	}
	pe.limit, pe.expect = limit, n
	pe.buf = pe.buf[:0]
	return pe
}

// putPartsEncoder gives pe back for reuse; the parts it made must no
// longer be used.
func putPartsEncoder(pe *partsEncoder) {
	if cap(pe.buf) <= maxKeptParts {
		partsEncoders.Put(pe)
	}
}

// setKindActor checks kind and actor and encodes what of the entry they
// make.
func (pe *partsEncoder) setKindActor(kind, actor string) error {
	if kind == "" || len(kind) > maxKindLen {
		return fmt.Errorf("entry kind %q: empty or too long", kind)
	}
	if len(actor) > maxActLen {
		return errors.New("entry actor too long")
	}
	// An entry is read back strictly (ParseEntry), and canonical JSON is
	// UTF-8: a kind or actor in another encoding (a Latin-1 examiner name)
	// would make an entry no reader accepts, the case damaged for good.
	if !utf8.ValidString(kind) {
		return fmt.Errorf("entry kind %q is not UTF-8 text", kind)
	}
	if !utf8.ValidString(actor) {
		return fmt.Errorf("the name of who acts, %q, is not UTF-8 text (from a terminal or environment in another encoding, such as Latin-1?): give it in UTF-8", actor)
	}
	// Keys in canonical (sorted) order: actor, index, kind, payload, prev, time.
	b := appendCanonicalString([]byte(`{"actor":`), actor)
	b = append(b, `,"index":`...)
	head := len(b)
	b = append(b, `,"kind":`...)
	b = appendCanonicalString(b, kind)
	b = append(b, `,"payload":`...)
	pe.head, pe.mid = b[:head:head], b[head:]
	pe.kind, pe.actor, pe.known = kind, actor, true
	return nil
}

// prepare checks kind and actor, encodes the payload (which must encode
// as a JSON object; nil is the empty object) as canonical JSON, and
// encodes the parts of the entry that do not depend on its place in the
// log. The payload is written straight into the entry's bytes.
func (pe *partsEncoder) prepare(kind, actor string, payload any) (entryParts, error) {
	if !pe.known || kind != pe.kind || actor != pe.actor {
		pe.known = false
		if err := pe.setKindActor(kind, actor); err != nil {
			return entryParts{}, err
		}
	}
	start := len(pe.buf)
	ep, err := pe.encode(kind, payload)
	if err != nil {
		pe.buf = pe.buf[:start]
		return entryParts{}, err
	}
	if pe.expect--; start == 0 && pe.expect > 0 {
		// Room for the others if they are like the first, within reason
		// (a large first entry says little of the rest). A new buffer
		// leaves the first entry's parts in the old one.
		pe.buf = slices.Grow(pe.buf, min(pe.expect*(len(pe.buf)+len(pe.buf)/8), maxCommitBytes))
	}
	return ep, nil
}

// encode appends the parts to pe.buf; on an error the caller cuts it
// back.
func (pe *partsEncoder) encode(kind string, payload any) (entryParts, error) {
	start := len(pe.buf)
	b := append(pe.buf, pe.head...)
	split := len(b)
	b = append(b, pe.mid...)
	at := len(b)
	ok := payload == nil
	if ok {
		b = append(b, "{}"...)
	} else if b, ok = appendCanonicalFast(b, payload, 0); !ok {
		p, err := canonicalGeneral(payload)
		if err != nil {
			pe.buf = b
			return entryParts{}, err
		}
		b = append(b[:at], p...)
	}
	pe.buf = b
	end := len(b)
	if b[at] != '{' {
		return entryParts{}, errors.New("entry payload must be a JSON object")
	}
	b = append(b, `,"prev":"`...)
	pe.buf = b
	n := len(b) - start + maxEntryTail
	if pe.limit > 0 && n > pe.limit {
		return entryParts{}, fmt.Errorf("entry of kind %s would be up to %d bytes, more than the %d an entry of a case kept in object storage may have (its log is published as C2SP tlog-tiles, whose entries are at most %d bytes)", kind, n, pe.limit, MaxTileEntry)
	}
	if n > MaxEntrySize {
		return entryParts{}, fmt.Errorf("entry of kind %s would be %d bytes, more than %d", kind, n, MaxEntrySize)
	}
	pre := b[start:len(b):len(b)]
	return entryParts{kind: pe.kind, actor: pe.actor, pre: pre, split: split - start, payAt: at - start, payEnd: end - start}, nil
}

// entryTime is an entry time with its canonical text, formatted once for
// all the entries of a commit (they share the commit's instant).
type entryTime struct {
	t    time.Time
	text []byte
}

func newEntryTime(t time.Time) entryTime {
	t = t.UTC()
	return entryTime{t: t, text: t.AppendFormat(nil, TimeFormat)}
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
