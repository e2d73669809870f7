package evidence

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Describe says in one line, for a reader who is not a technician, what an
// entry records: what was done and to which artefact, and why when the
// examiner said so. Who and when are the entry's Actor and Time.
func Describe(e *Entry) string {
	var p map[string]any
	_ = json.Unmarshal(e.Payload, &p)
	str := func(k string) string { s, _ := p[k].(string); return s }
	num := func(k string) int64 { f, _ := p[k].(float64); return int64(f) }
	var b strings.Builder
	switch e.Kind {
	case KindCaseCreated:
		fmt.Fprintf(&b, "opened the case %q; checkpoints signed with key %s (%s)", str("title"), str("key_fingerprint"), str("tool_version"))
	case KindArtefactIngested:
		verb := "preserved"
		if p["duplicate"] == true {
			verb = "received again (already preserved)"
		}
		fmt.Fprintf(&b, "%s %s, %s, %s", verb, quoteName(str("name")), HumanBytes(num("size")), str("artefact"))
		if s := str("source"); s != "" {
			fmt.Fprintf(&b, "; source: %s", s)
		}
		if s := str("note"); s != "" {
			fmt.Fprintf(&b, "; note: %s", s)
		}
		if s := str("md5"); s != "" {
			fmt.Fprintf(&b, "; md5 %s, sha1 %s", s, str("sha1"))
		}
		if ws, _ := p["warnings"].([]any); len(ws) > 0 {
			for _, w := range ws {
				fmt.Fprintf(&b, "; WARNING: %v", w)
			}
		}
	case KindIngestFailed:
		fmt.Fprintf(&b, "could not preserve %s: %s (nothing was stored)", quoteName(str("path")), str("error"))
	default:
		fmt.Fprintf(&b, "%s", e.Kind)
		if s := str("summary"); s != "" {
			fmt.Fprintf(&b, ": %s", s)
		} else {
			keys := make([]string, 0, len(p))
			for k := range p {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for i, k := range keys {
				if i == 4 {
					b.WriteString(", …")
					break
				}
				v, _ := json.Marshal(p[k])
				fmt.Fprintf(&b, "%s %s=%s", map[bool]string{true: ":", false: ","}[i == 0], k, truncate(string(v), 80))
			}
		}
	}
	return b.String()
}

func quoteName(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", s)
}

// HumanBytes writes a size the way people read it (SI units).
func HumanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// LogLine is one custody entry as `casefile log --json` writes it (JSON
// Lines) and the workbench's /api/log serves it.
type LogLine struct {
	Index   uint64          `json:"index"`
	Time    string          `json:"time"` // TimeFormat
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`
	Prev    string          `json:"prev"`
	Hash    string          `json:"hash"` // hex SHA-256 of the entry: what the next entry's prev names
	Payload json.RawMessage `json:"payload"`
	Summary string          `json:"summary"`
	// Artefact is the hex SHA-256 of the artefact the entry concerns, when
	// the workbench knows it; the CLI leaves it out.
	Artefact string `json:"artefact,omitempty"`
}

// NewLogLine is e's line, with summary (Describe's, or a reader's own).
func NewLogLine(e *Entry, summary string) LogLine {
	sum := e.Hash()
	return LogLine{Index: e.Index, Time: e.Time.Format(TimeFormat), Kind: e.Kind, Actor: e.Actor, Prev: e.Prev,
		Hash: hex.EncodeToString(sum[:]), Payload: e.Payload, Summary: summary}
}
