package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ArtefactMeta describes where an artefact came from. Names and paths are
// untrusted text: they are recorded (escaped when needed) and never used to
// open or create files.
type ArtefactMeta struct {
	Name       string    // original base name ("-" for stdin)
	Path       string    // original path as given by the examiner
	ModTime    time.Time // file times as found, zero when unknown
	AccessTime time.Time
	ChangeTime time.Time
	Source     string // where the artefact was obtained ("web01 /var/log, via SSH, by J. Doe")
	Note       string // why it was ingested, anything counsel should know
	// Vantage is the examiner's statement that the log was recorded behind
	// a proxy or CDN whose remote addresses are not the clients' ("behind
	// CDN, no trusted X-Forwarded-For"); empty when the log sees clients.
	Vantage string
}

// IngestOptions control one ingest.
type IngestOptions struct {
	Actor        string      // examiner, recorded in the entry
	LegacyHashes bool        // also compute MD5 and SHA-1
	Progress     func(int64) // called with the number of bytes read, may be nil
	// Check, when set, is called once every byte was read and stored and
	// before the entry is written, with the number of bytes read; what it
	// returns is recorded in the entry as warnings (the file changed while
	// it was read, say).
	Check func(read int64) []string
}

// IngestPayload is the payload of an artefact.ingested entry.
type IngestPayload struct {
	Artefact    string `json:"artefact"` // "sha256:<hex>"
	SHA256      string `json:"sha256"`
	MD5         string `json:"md5,omitempty"`
	SHA1        string `json:"sha1,omitempty"`
	Size        int64  `json:"size"`
	Name        string `json:"name"`
	Path        string `json:"path,omitempty"`
	NameEscaped bool   `json:"name_escaped,omitempty"` // Name/Path hold %XX escapes (see EscapeName)
	ModTime     string `json:"mtime,omitempty"`
	AccessTime  string `json:"atime,omitempty"`
	ChangeTime  string `json:"ctime,omitempty"`
	Source      string `json:"source,omitempty"`
	Note        string `json:"note,omitempty"`
	Vantage     string `json:"vantage,omitempty"`
	Duplicate   bool   `json:"duplicate"` // the same bytes were already in the store
	// RecordSHA256 is the hex SHA-256 of the artefact record's stored bytes
	// (a/<sha256>: size, chunk size, chunk count, chunk-list pages). With
	// it the signed log commits to the exact list of chunks the bytes were
	// stored in, so verify proves the content by hashing each chunk against
	// its name, in parallel, instead of hashing the whole artefact again in
	// one sequential pass (verify --full-hash still does that). Empty in
	// entries written before it existed, and in a duplicate ingest whose
	// stored record is not the one these bytes make (damaged, or another
	// layout): those artefacts are verified by their whole-content hash.
	RecordSHA256 string `json:"record_sha256,omitempty"`
	// Warnings are what the examiner must know about how the bytes were
	// read, e.g. that the file changed while it was read.
	Warnings []string `json:"warnings,omitempty"`
}

// IngestFailedPayload is the payload of an ingest.failed entry: an attempt
// to preserve something that left nothing stored. The attempt is custody
// too: counsel sees what could not be preserved, and why.
type IngestFailedPayload struct {
	Error  string `json:"error"`  // why, as the examiner was told
	Path   string `json:"path"`   // as given, escaped as EscapeName does
	Source string `json:"source"` // where it was to come from ("" when not said)
}

// IngestResult reports one preserved artefact.
type IngestResult struct {
	Digest    Digest
	Size      int64
	MD5, SHA1 string
	Duplicate bool
	Warnings  []string // as recorded in the entry
	Entry     *Entry
}

// Ingest preserves r verbatim as an artefact and records an
// artefact.ingested entry. It reads r once. The bytes are durable before the
// entry is committed, and the artefact record is committed atomically with
// the entry, so after a crash an artefact is either fully ingested or absent.
// Ingesting bytes that are already stored adds a custody entry, not a copy.
func (c *Case) Ingest(ctx context.Context, r io.Reader, meta ArtefactMeta, opt IngestOptions) (*IngestResult, error) {
	if c.log.signer == nil {
		return nil, ErrReadOnly
	}
	sums, err := storeContent(c.chunks, ctxReader{ctx, r}, opt.LegacyHashes, opt.Progress)
	if err != nil {
		return nil, err
	}
	key := hashKey(prefixArtefact, sums.sha256)
	dup, err := c.b.Has(key)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	var warnings []string
	if opt.Check != nil {
		warnings = opt.Check(sums.size)
	}
	rec, err := Canonical(sums.record())
	if err != nil {
		return nil, err
	}
	var ops []Op
	recordSum := sha256.Sum256(rec)
	recordHex := hex.EncodeToString(recordSum[:])
	if !dup {
		ops = []Op{{Key: key, Value: rec}}
	} else if stored, err := c.b.Get(key); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	} else if !bytes.Equal(stored, rec) {
		recordHex = "" // not the record these bytes make: verify hashes the whole content
	}
	name, e1 := EscapeName(meta.Name)
	path, e2 := EscapeName(meta.Path)
	p := IngestPayload{
		Artefact: sums.sha256.String(), SHA256: sums.sha256.Hex(), MD5: sums.md5, SHA1: sums.sha1,
		Size: sums.size, Name: name, Path: path, NameEscaped: e1 || e2,
		ModTime: fmtTime(meta.ModTime), AccessTime: fmtTime(meta.AccessTime), ChangeTime: fmtTime(meta.ChangeTime),
		Source: meta.Source, Note: meta.Note, Vantage: meta.Vantage, Duplicate: dup, Warnings: warnings,
		RecordSHA256: recordHex,
	}
	drafts := []Draft{{Kind: KindArtefactIngested, Actor: opt.Actor, Payload: p}}
	es, err := c.log.appendWith(ctx, ops, drafts)
	if err != nil {
		return nil, err
	}
	return &IngestResult{Digest: sums.sha256, Size: sums.size, MD5: sums.md5, SHA1: sums.sha1, Duplicate: dup, Warnings: warnings, Entry: es[0]}, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// EscapeName makes an untrusted file name safe to record and display: bytes
// that are not valid UTF-8, control characters and '%' itself are written as
// %XX. The escaping is reversible (UnescapeName) and applied only when
// needed; escaped reports whether it was.
func EscapeName(s string) (out string, escaped bool) {
	need := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			need = true
			break
		}
		i += n
	}
	if !need {
		return s, false
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case (r == utf8.RuneError && n == 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '%':
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String(), true
}

// UnescapeName reverses EscapeName for a name recorded with escaped = true.
func UnescapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var v byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &v); err == nil {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
