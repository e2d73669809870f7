package notify

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/rawtext"
)

// maxExcerpts bounds the lines quoted per source: enough for an abuse desk
// to match its own logs, few enough that nothing unrelated rides along.
const maxExcerpts = 8

// maxLine bounds one quoted line.
const maxLine = 2048

// Excerpt is one cited log line.
type Excerpt struct {
	Cite     string    // "sha256:<hex>#L<n>"
	Artefact string    // "sha256:<hex>"
	Name     string    // the artefact's file name
	Line     int64     // 1-based
	Time     time.Time // the event's time, UTC
	Text     string    // the line as logged, made safe to print
	Event    *parse.Event
}

// cites returns the line citations the finding's factors name, in order,
// without duplicates. Entry citations (datasets, WHOIS answers) are not
// log lines and stay out.
func cites(f *export.Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, fa := range f.Factors {
		for _, c := range fa.Evidence {
			if strings.HasPrefix(c, "sha256:") && strings.Contains(c, "#L") && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// excerpts resolves a finding's cited lines through the source's events
// and reads each line from the preserved artefact. A line that cannot be
// read byte for byte (a compressed artefact) is described by its event.
func excerpts(c *evidence.Case, names map[string]string, f *export.Finding) ([]Excerpt, error) {
	want := cites(f)
	if len(want) == 0 {
		return nil, nil
	}
	if len(want) > maxExcerpts {
		want = want[:maxExcerpts]
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	found := map[string]*parse.Event{}
	err := eventstore.New(c).Events(eventstore.Query{Indicator: f.Indicator}, func(e *parse.Event) error {
		k := fmt.Sprintf("%s#L%d", e.Citation.Artefact, e.Citation.Line)
		if wanted[k] && found[k] == nil {
			ev := *e
			found[k] = &ev
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Excerpt
	for _, w := range want {
		e := found[w]
		if e == nil {
			continue // cited by the assessment, but no current event of this source: nothing to quote
		}
		x := Excerpt{Cite: w, Artefact: e.Citation.Artefact, Name: names[e.Citation.Artefact], Line: e.Citation.Line, Time: e.Time.UTC(), Event: e}
		if x.Name == "" {
			x.Name = "log"
		}
		x.Text, err = readLine(c, e.Citation)
		if err != nil {
			return nil, fmt.Errorf("quoting %s: %w", w, err)
		}
		x.Text = minimise(x.Text, e.User, f.Indicator)
		out = append(out, x)
	}
	// In the order they happened, as the recipient reads their own logs.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Artefact == out[j].Artefact && out[i].Line < out[j].Line
	})
	return out, nil
}

// Account stands in a quoted line for the account name the event names:
// the recipient needs the source, the time and what it did, not the names
// of the victim's accounts.
const Account = "[account]"

// minimise replaces the whole-word occurrences of user in line by Account,
// unless user is the source itself or a number (which would blank out the
// evidence the report is about).
func minimise(line, user, source string) string {
	user = strings.TrimSpace(user)
	if user == "" || user == source || strings.Trim(user, "0123456789") == "" {
		return line
	}
	word := func(b byte) bool {
		return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.' || b == '@'
	}
	var b strings.Builder
	for i := 0; i < len(line); {
		j := strings.Index(line[i:], user)
		if j < 0 {
			b.WriteString(line[i:])
			break
		}
		at, end := i+j, i+j+len(user)
		if (at == 0 || !word(line[at-1])) && (end == len(line) || !word(line[end])) {
			b.WriteString(line[i:at])
			b.WriteString(Account)
		} else {
			b.WriteString(line[i:end])
		}
		i = end
	}
	return b.String()
}

// readLine returns the line at a citation's offset, safe to print. A line
// in a compressed member is not addressable in the preserved bytes; its
// event stands in for it.
func readLine(c *evidence.Case, ct parse.Citation) (string, error) {
	if ct.Member != "" {
		return "", nil
	}
	d, err := evidence.ParseDigest(ct.Artefact)
	if err != nil {
		return "", err
	}
	ar, err := c.OpenArtefact(d)
	if err != nil {
		return "", err
	}
	n := min(int64(maxLine), ar.Size()-ct.Offset)
	if n <= 0 {
		return "", fmt.Errorf("offset %d is past the end of the artefact", ct.Offset)
	}
	buf := make([]byte, n)
	m, err := ar.ReadAt(buf, ct.Offset)
	if m == 0 && err != nil {
		return "", err
	}
	buf = buf[:m]
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i]
	}
	return rawtext.Display(rawtext.Encode(strings.TrimSuffix(string(buf), "\r"))), nil
}
