package annotate

import (
	"fmt"
	"strings"
)

// PlanTag tags a target. The tag is trimmed; the same tag twice on one
// target is refused.
func (s *State) PlanTag(t Target, tag string) (Change, error) {
	tag = strings.TrimSpace(tag)
	if err := plainText("tag", tag, MaxTag, false); err != nil {
		return Change{}, err
	}
	if s.findMark(t.Ref, MarkTag, tag) != nil {
		return Change{}, fmt.Errorf("%w: %s is already tagged %q", ErrRefused, t.Words(), tag)
	}
	return markChange(t, MarkPayload{Mark: MarkTag, Tag: tag, Summary: fmt.Sprintf("tagged %s %q", t.Words(), tag)}), nil
}

// PlanUntag withdraws a tag from a target.
func (s *State) PlanUntag(t Target, tag string) (Change, error) {
	tag = strings.TrimSpace(tag)
	m := s.findMark(t.Ref, MarkTag, tag)
	if m == nil {
		return Change{}, fmt.Errorf("%w: %s is not tagged %q", ErrRefused, t.Words(), tag)
	}
	return withdrawChange(m.Entry, fmt.Sprintf("tag %q on %s", tag, t.Words())), nil
}

// PlanStar stars a target (once: a second star is refused).
func (s *State) PlanStar(t Target) (Change, error) {
	if s.findMark(t.Ref, MarkStar, "") != nil {
		return Change{}, fmt.Errorf("%w: %s is already starred", ErrRefused, t.Words())
	}
	return markChange(t, MarkPayload{Mark: MarkStar, Summary: "starred " + t.Words()}), nil
}

// PlanUnstar withdraws the star of a target.
func (s *State) PlanUnstar(t Target) (Change, error) {
	m := s.findMark(t.Ref, MarkStar, "")
	if m == nil {
		return Change{}, fmt.Errorf("%w: %s is not starred", ErrRefused, t.Words())
	}
	return withdrawChange(m.Entry, "star on "+t.Words()), nil
}

// PlanComment comments on a target.
func (s *State) PlanComment(t Target, text string) (Change, error) {
	text = strings.TrimSpace(text)
	if err := plainText("comment", text, MaxComment, true); err != nil {
		return Change{}, err
	}
	return markChange(t, MarkPayload{Mark: MarkComment, Text: text, Summary: fmt.Sprintf("comment on %s: %s", t.Words(), firstLine(text, 80))}), nil
}

// PlanWithdraw withdraws a current annotation by its entry number: a tag,
// star or comment, a note (its current version), or a listed indicator.
func (s *State) PlanWithdraw(n uint64) (Change, error) {
	if m, ok := s.marks[n]; ok {
		what := m.Mark + " on " + m.Target.Words()
		if m.Mark == MarkTag {
			what = fmt.Sprintf("tag %q on %s", m.Tag, m.Target.Words())
		}
		return withdrawChange(n, what), nil
	}
	if x, ok := s.notes[n]; ok {
		return withdrawChange(n, fmt.Sprintf("note %q", x.Title)), nil
	}
	for _, x := range s.iocs {
		if x.Entry == n {
			return withdrawChange(n, "indicator "+x.Indicator+" from the IOC list"), nil
		}
	}
	if by := s.superseded[n]; by != 0 {
		return Change{}, fmt.Errorf("%w: entry %d was already superseded or withdrawn by entry %d", ErrRefused, n, by)
	}
	return Change{}, fmt.Errorf("%w: entry %d is no current annotation", ErrRefused, n)
}

// NoteDraft is a note as written; Supersedes names the version it
// replaces (0: a new note).
type NoteDraft struct {
	Title      string
	Body       string
	Cites      []string
	ForReport  bool
	Supersedes uint64
}

// PlanNote checks a note (or a new version of one). Each citation must
// read as a target; it is stored in its canonical spelling.
func (s *State) PlanNote(d NoteDraft) (Change, error) {
	d.Title = strings.TrimSpace(d.Title)
	if err := plainText("title", d.Title, MaxTitle, false); err != nil {
		return Change{}, err
	}
	if err := plainText("note", d.Body, MaxBody, true); err != nil {
		return Change{}, err
	}
	if len(d.Cites) > MaxCites {
		return Change{}, fmt.Errorf("%w: a note cites at most %d things", ErrRefused, MaxCites)
	}
	p := NotePayload{Title: d.Title, Body: d.Body, ForReport: d.ForReport, Supersedes: d.Supersedes}
	seen := map[string]bool{}
	for _, c := range d.Cites {
		if strings.TrimSpace(c) == "" {
			continue
		}
		t, err := ParseTarget(c)
		if err != nil {
			return Change{}, err
		}
		if !seen[t.Ref] {
			seen[t.Ref] = true
			p.Cites = append(p.Cites, t.Ref)
		}
	}
	p.Summary = fmt.Sprintf("note %q", d.Title)
	if d.Supersedes != 0 {
		old, ok := s.notes[d.Supersedes]
		if !ok {
			return Change{}, fmt.Errorf("%w: entry %d is no current note version", ErrRefused, d.Supersedes)
		}
		p.Summary = fmt.Sprintf("new version of note %q (replaces entry %d)", old.Title, d.Supersedes)
	}
	if d.ForReport {
		p.Summary += ", for the report"
	}
	return Change{Kind: KindNote, Payload: &p}, nil
}

func markChange(t Target, p MarkPayload) Change {
	p.Target, p.TargetType = t.Ref, t.Type
	if t.Type == TargetEvent {
		p.Offset = t.Offset
	}
	return Change{Kind: KindMark, Payload: &p}
}

func withdrawChange(n uint64, what string) Change {
	return Change{Kind: KindWithdrawn, Payload: &WithdrawPayload{Supersedes: n, What: what,
		Summary: fmt.Sprintf("withdrew %s (entry %d)", what, n)}}
}

func (s *State) findMark(ref, mark, tag string) *Mark {
	var found *Mark
	for _, m := range s.marks {
		if m.Target.Ref == ref && m.Mark == mark && m.Tag == tag && (found == nil || m.Entry < found.Entry) {
			found = m
		}
	}
	return found
}

func firstLine(s string, n int) string {
	l, _, more := strings.Cut(s, "\n")
	if len(l) > n {
		cut := n
		for cut > 0 && !utf8RuneStart(l[cut]) {
			cut--
		}
		return l[:cut] + "…"
	}
	if more {
		return l + " …"
	}
	return l
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
