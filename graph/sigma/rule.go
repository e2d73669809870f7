package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxRuleFile bounds one rule file.
const MaxRuleFile = 1 << 20

// Error is a rule that cannot be used, with the file and line to fix.
type Error struct {
	File string
	Line int // 1-based; 0 when the file as a whole is at fault
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Rule is one compiled Sigma rule.
type Rule struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Level       string    `json:"level"`
	Status      string    `json:"status,omitempty"`
	Description string    `json:"description,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Logsource   Logsource `json:"logsource"`
	// File and Line say where the rule was read ("builtin/ssh.yml", 3).
	File string `json:"file"`
	Line int    `json:"line"`

	src   logsourceMatch
	cond  node
	agg   *aggregation
	jit   float64 // beacon(): allowed spread of the intervals, relative to their median
	minIv time.Duration
}

// Logsource is the rule's logsource block.
type Logsource struct {
	Category string `json:"category,omitempty"`
	Product  string `json:"product,omitempty"`
	Service  string `json:"service,omitempty"`
}

// Attack returns the rule's ATT&CK tags ("attack.t1110.001", …).
func (r *Rule) Attack() []string {
	var out []string
	for _, t := range r.Tags {
		if strings.HasPrefix(strings.ToLower(t), "attack.") {
			out = append(out, t)
		}
	}
	return out
}

// Aggregate reports whether the rule counts events (a "| count() …"
// condition or beacon()) instead of matching single events.
func (r *Rule) Aggregate() bool { return r.agg != nil }

// Beacon reports whether the rule is a beacon() rule.
func (r *Rule) Beacon() bool { return r.agg != nil && r.agg.fn == "beacon" }

var levels = []string{"informational", "low", "medium", "high", "critical"}

// Parse reads the rules in one file: one YAML document per rule ("---"
// separates them). name is used in errors and in Rule.File.
func Parse(name string, data []byte) ([]*Rule, error) {
	if len(data) > MaxRuleFile {
		return nil, &Error{File: name, Msg: fmt.Sprintf("larger than %d bytes", MaxRuleFile)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Rule
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		r, err := parseRule(name, doc.Content[0])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, &Error{File: name, Msg: "no rule in the file"}
	}
	return out, nil
}

// yamlError turns a yaml.v3 error ("yaml: line 3: …") into an Error.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
	}
	return &Error{File: name, Line: line, Msg: "not valid YAML: " + msg}
}

func parseRule(name string, n *yaml.Node) (*Rule, error) {
	bad := func(at *yaml.Node, format string, a ...any) error {
		return &Error{File: name, Line: at.Line, Msg: fmt.Sprintf(format, a...)}
	}
	if n.Kind != yaml.MappingNode {
		return nil, bad(n, "a rule must be a mapping (title:, detection:, …)")
	}
	r := &Rule{File: name, Line: n.Line}
	var det, ls *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return nil, bad(k, "%q given twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "title":
			r.Title, err = scalar(name, v)
		case "id":
			r.ID, err = scalar(name, v)
		case "status":
			r.Status, err = scalar(name, v)
		case "description":
			r.Description, err = scalar(name, v)
		case "level":
			r.Level, err = scalar(name, v)
			if err == nil && !slices.Contains(levels, r.Level) {
				err = bad(v, "level %q: want one of %s", r.Level, strings.Join(levels, ", "))
			}
		case "tags":
			r.Tags, err = scalarList(name, v)
		case "logsource":
			ls = v
		case "detection":
			det = v
		case "casefile":
			err = parseExtension(name, r, v)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Title == "" {
		return nil, bad(n, "the rule has no title")
	}
	if r.Level == "" {
		r.Level = "medium"
	}
	if ls == nil {
		return nil, bad(n, "the rule has no logsource")
	}
	if err := parseLogsource(name, r, ls); err != nil {
		return nil, err
	}
	if det == nil {
		return nil, bad(n, "the rule has no detection")
	}
	if err := parseDetection(name, r, det); err != nil {
		return nil, err
	}
	if r.ID == "" {
		r.ID = r.Title
	}
	return r, nil
}

// parseExtension reads the Casefile block: "casefile: {jitter: 0.2,
// min_interval: 10s}" tunes beacon().
func parseExtension(name string, r *Rule, v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return &Error{File: name, Line: v.Line, Msg: "casefile: want a mapping (jitter, min_interval)"}
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		s, err := scalar(name, x)
		if err != nil {
			return err
		}
		switch k.Value {
		case "jitter":
			var f float64
			if _, err := fmt.Sscanf(s, "%g", &f); err != nil || f <= 0 || f > 1 {
				return &Error{File: name, Line: x.Line, Msg: fmt.Sprintf("casefile.jitter %q: want a number in (0, 1]", s)}
			}
			r.jit = f
		case "min_interval":
			d, err := parseDuration(s)
			if err != nil {
				return &Error{File: name, Line: x.Line, Msg: "casefile.min_interval: " + err.Error()}
			}
			r.minIv = d
		default:
			return &Error{File: name, Line: k.Line, Msg: fmt.Sprintf("casefile.%s: unknown key (want jitter, min_interval)", k.Value)}
		}
	}
	return nil
}

func scalar(name string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", &Error{File: name, Line: v.Line, Msg: "want a single value here"}
	}
	return v.Value, nil
}

func scalarList(name string, v *yaml.Node) ([]string, error) {
	if v.Kind == yaml.ScalarNode {
		return []string{v.Value}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, &Error{File: name, Line: v.Line, Msg: "want a list of values here"}
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		s, err := scalar(name, c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// parseDuration reads Sigma timeframes: 30s, 10m, 1h, 2d.
func parseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("duration %q: want a number and s, m, h or d", s)
	}
	var n int64
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != s[:len(s)-1] || n > 1e6 {
		return 0, fmt.Errorf("duration %q: want a positive whole number and s, m, h or d", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("duration %q: want a number and s, m, h or d", s)
	}
	return time.Duration(n) * unit, nil
}
