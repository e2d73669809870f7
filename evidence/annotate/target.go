package annotate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// Target types.
const (
	TargetEvent    = "event"
	TargetSource   = "source"
	TargetArtefact = "artefact"
	TargetEntry    = "entry"
)

// Bounds on what one annotation may hold.
const (
	MaxTag     = 64
	MaxComment = 4096
	MaxTitle   = 200
	MaxBody    = 256 << 10
	MaxCites   = 100
	maxRef     = 512
)

// Target is what an annotation is about, in its one canonical spelling.
type Target struct {
	Type   string `json:"type"`
	Ref    string `json:"ref"`              // "sha256:<hex>#L12", "185.220.101.4", "sha256:<hex>", "entry:7"
	Offset int64  `json:"offset,omitempty"` // an event's byte offset, when known
}

// EventTarget is the target of a parsed event: its artefact and line, or
// record, or (for neither) byte offset.
func EventTarget(c parse.Citation) Target {
	t := Target{Type: TargetEvent, Offset: c.Offset}
	switch {
	case c.Line > 0:
		t.Ref = fmt.Sprintf("%s#L%d", c.Artefact, c.Line)
	case c.Record > 0:
		t.Ref = fmt.Sprintf("%s#R%d", c.Artefact, c.Record)
	default:
		t.Ref = fmt.Sprintf("%s#B%d", c.Artefact, c.Offset)
	}
	return t
}

// ParseTarget reads a target as the CLI and the pages take it:
// "sha256:<hex>" (an artefact), "sha256:<hex>#L12", "#R3" or "#B4096" (an
// event), "entry:N" (a custody entry), "source:X" or a bare indicator (a
// source). IP addresses are normalised.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Target{}, fmt.Errorf("%w: no target given", ErrRefused)
	case len(s) > maxRef:
		return Target{}, fmt.Errorf("%w: target longer than %d bytes", ErrRefused, maxRef)
	case strings.HasPrefix(s, "entry:"):
		n, err := strconv.ParseUint(s[len("entry:"):], 10, 64)
		if err != nil {
			return Target{}, fmt.Errorf("%w: %q: want entry:N with N a custody entry number", ErrRefused, s)
		}
		return Target{Type: TargetEntry, Ref: "entry:" + strconv.FormatUint(n, 10)}, nil
	case strings.HasPrefix(strings.ToLower(s), "sha256:"):
		return parseArtefactRef(s)
	}
	s = strings.TrimPrefix(s, "source:")
	if a, ok := indicator.NormalizeIP(s); ok {
		return Target{Type: TargetSource, Ref: a.String()}, nil
	}
	if err := plainText("indicator", s, maxRef, false); err != nil {
		return Target{}, fmt.Errorf("%w: %q is neither an artefact (sha256:…), an event (sha256:…#L12), a custody entry (entry:N) nor an indicator", ErrRefused, s)
	}
	return Target{Type: TargetSource, Ref: s}, nil
}

func parseArtefactRef(s string) (Target, error) {
	d, frag, hasFrag := strings.Cut(s, "#")
	dg, err := evidence.ParseDigest(strings.ToLower(d))
	if err != nil {
		return Target{}, fmt.Errorf("%w: %q: want sha256:<64 hex digits>", ErrRefused, d)
	}
	if !hasFrag {
		return Target{Type: TargetArtefact, Ref: dg.String()}, nil
	}
	if len(frag) < 2 || !strings.Contains("LRB", frag[:1]) {
		return Target{}, fmt.Errorf("%w: %q: an event is cited as #L<line>, #R<record> or #B<byte offset>", ErrRefused, s)
	}
	n, err := strconv.ParseInt(frag[1:], 10, 64)
	if err != nil || n < 0 || (n == 0 && frag[0] != 'B') {
		return Target{}, fmt.Errorf("%w: %q: bad line, record or offset number", ErrRefused, s)
	}
	t := Target{Type: TargetEvent, Ref: fmt.Sprintf("%s#%c%d", dg, frag[0], n)}
	if frag[0] == 'B' {
		t.Offset = n
	}
	return t, nil
}

// Artefact is the digest an artefact or event target names ("" for a
// source or an entry).
func (t Target) Artefact() string {
	if t.Type != TargetArtefact && t.Type != TargetEvent {
		return ""
	}
	d, _, _ := strings.Cut(t.Ref, "#")
	return d
}

// Words names the target for a reader: "event sha256:…#L12", "source
// 185.220.101.4".
func (t Target) Words() string { return t.Type + " " + t.Ref }

// Check refuses a target the case does not hold: an artefact (or the
// artefact of an event) never ingested, an entry past the log's end.
func Check(c *evidence.Case, t Target) error {
	if d := t.Artefact(); d != "" {
		dg, err := evidence.ParseDigest(d)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		ok, err := c.HasArtefact(dg)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: the case holds no artefact %s", ErrRefused, d)
		}
	}
	if t.Type == TargetEntry {
		n, _ := strconv.ParseUint(strings.TrimPrefix(t.Ref, "entry:"), 10, 64)
		if n >= c.Log().Size() {
			return fmt.Errorf("%w: the log has no entry %d (it holds %d)", ErrRefused, n, c.Log().Size())
		}
	}
	return nil
}

// plainText refuses an empty or too long text, invalid UTF-8 and control
// characters (newlines and tabs only where multiline allows them).
func plainText(what, s string, max int, multiline bool) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("%w: the %s is empty", ErrRefused, what)
	case len(s) > max:
		return fmt.Errorf("%w: the %s is longer than %d bytes", ErrRefused, what, max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: the %s is not valid UTF-8", ErrRefused, what)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.In(r, unicode.Bidi_Control) {
			return fmt.Errorf("%w: the %s holds a control character (%U)", ErrRefused, what, r)
		}
	}
	return nil
}

// CheckedTarget reads a target and checks that the case holds it.
func CheckedTarget(c *evidence.Case, s string) (Target, error) {
	t, err := ParseTarget(s)
	if err != nil {
		return t, err
	}
	return t, Check(c, t)
}

// CheckCites refuses a note's citations that do not read as targets or
// name artefacts or entries the case does not hold.
func CheckCites(c *evidence.Case, cites []string) error {
	for _, s := range cites {
		if _, err := CheckedTarget(c, s); err != nil {
			return err
		}
	}
	return nil
}
