package annotate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
)

// Mark is a current tag, star or comment.
type Mark struct {
	Entry  uint64    `json:"entry"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Target Target    `json:"target"`
	Mark   string    `json:"mark"`
	Tag    string    `json:"tag,omitempty"`
	Text   string    `json:"text,omitempty"`
}

// Note is the current version of a case note.
type Note struct {
	Entry     uint64    `json:"entry"` // this version's entry
	First     uint64    `json:"first"` // the entry of the note's first version
	Versions  []uint64  `json:"versions"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Cites     []string  `json:"cites,omitempty"`
	ForReport bool      `json:"for_report"`
}

// IOC is an indicator on the curated list.
type IOC struct {
	Entry     uint64    `json:"entry"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Indicator string    `json:"indicator"`
	Type      string    `json:"type"`
	TLP       string    `json:"tlp"`
	Comment   string    `json:"comment,omitempty"`
}

// State is the fold of a case's annotation entries: what is current.
// The zero value is the state of an empty log.
type State struct {
	size       uint64
	marks      map[uint64]*Mark
	notes      map[uint64]*Note
	iocs       map[string]*IOC   // by indicator
	superseded map[uint64]uint64 // entry → the entry that superseded or withdrew it
}

// Read folds every entry of the case.
func Read(c *evidence.Case) (*State, error) {
	s := &State{}
	return s, s.CatchUp(c)
}

// CatchUp applies the entries appended since the state was last brought
// up to date. Only the annotation kinds are parsed: a team reading
// evidence adds a view entry per visit, tens of thousands an hour, and a
// page showing annotations would otherwise parse them all first.
func (s *State) CatchUp(c *evidence.Case) error {
	to := c.Log().Size()
	if s.size >= to {
		return nil
	}
	if err := c.EntriesOfKinds(s.size, to, folds, s.Apply); err != nil {
		return err
	}
	s.size = max(s.size, to)
	return nil
}

// folders fold the kinds of entry Apply folds (the others only advance
// the state), and say which kinds CatchUp reads.
var folders = map[string]func(*State, *evidence.Entry) error{
	KindMark: (*State).applyMark,
	KindNote: (*State).applyNote,
	KindIOC:  (*State).applyIOC,
	KindWithdrawn: func(s *State, e *evidence.Entry) error {
		var p WithdrawPayload
		if err := e.DecodePayload(&p); err != nil {
			return err
		}
		s.withdraw(p.Supersedes, e.Index)
		return nil
	},
}

func folds(kind string) bool { return folders[kind] != nil }

// Size is the number of entries folded.
func (s *State) Size() uint64 { return s.size }

// Apply folds one entry. Entries must come in log order; one already
// folded is ignored. Entries of other kinds only advance the state. Gaps
// are allowed, so that an export package's entries (a selection of the
// log) fold the same way on both sides: a withdrawal whose target is not
// among them changes nothing.
func (s *State) Apply(e *evidence.Entry) error {
	if e.Index < s.size {
		return nil
	}
	if s.marks == nil {
		s.marks, s.notes, s.iocs, s.superseded = map[uint64]*Mark{}, map[uint64]*Note{}, map[string]*IOC{}, map[uint64]uint64{}
	}
	var err error
	if fold := folders[e.Kind]; fold != nil {
		err = fold(s, e)
	}
	if err != nil {
		return fmt.Errorf("annotations: entry %d (%s): %w", e.Index, e.Kind, err)
	}
	s.size = e.Index + 1
	return nil
}

func (s *State) applyMark(e *evidence.Entry) error {
	var p MarkPayload
	if err := e.DecodePayload(&p); err != nil {
		return err
	}
	s.marks[e.Index] = &Mark{Entry: e.Index, Time: e.Time.UTC(), Actor: e.Actor,
		Target: Target{Type: p.TargetType, Ref: p.Target, Offset: p.Offset}, Mark: p.Mark, Tag: p.Tag, Text: p.Text}
	return nil
}

func (s *State) applyNote(e *evidence.Entry) error {
	var p NotePayload
	if err := e.DecodePayload(&p); err != nil {
		return err
	}
	n := &Note{Entry: e.Index, First: e.Index, Versions: []uint64{e.Index}, Time: e.Time.UTC(), Actor: e.Actor,
		Title: p.Title, Body: p.Body, Cites: p.Cites, ForReport: p.ForReport}
	if old, ok := s.notes[p.Supersedes]; ok && p.Supersedes != 0 {
		n.First, n.Versions = old.First, append(slices.Clone(old.Versions), e.Index)
		delete(s.notes, p.Supersedes)
		s.superseded[p.Supersedes] = e.Index
	}
	s.notes[e.Index] = n
	return nil
}

func (s *State) applyIOC(e *evidence.Entry) error {
	var p IOCPayload
	if err := e.DecodePayload(&p); err != nil {
		return err
	}
	key := iocKey(p.Indicator)
	if old, ok := s.iocs[key]; ok {
		s.superseded[old.Entry] = e.Index
	}
	s.iocs[key] = &IOC{Entry: e.Index, Time: e.Time.UTC(), Actor: e.Actor, Indicator: p.Indicator, Type: p.Type, TLP: p.TLP, Comment: p.Comment}
	return nil
}

// withdraw ends annotation n, if it is current.
func (s *State) withdraw(n, by uint64) {
	if _, ok := s.marks[n]; ok {
		delete(s.marks, n)
		s.superseded[n] = by
		return
	}
	if _, ok := s.notes[n]; ok {
		delete(s.notes, n)
		s.superseded[n] = by
		return
	}
	for k, x := range s.iocs {
		if x.Entry == n {
			delete(s.iocs, k)
			s.superseded[n] = by
			return
		}
	}
}

func iocKey(ind string) string { return strings.ToLower(ind) }

// Marks returns the current marks on a target (all targets when ref is
// ""), oldest first.
func (s *State) Marks(ref string) []Mark {
	var out []Mark
	for _, m := range s.marks {
		if ref == "" || m.Target.Ref == ref {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b Mark) int { return cmp.Compare(a.Entry, b.Entry) })
	return out
}

// Mark returns the current tag, star or comment recorded as entry n, or
// nil.
func (s *State) Mark(n uint64) *Mark {
	if m, ok := s.marks[n]; ok {
		c := *m
		return &c
	}
	return nil
}

// Notes returns the current notes, oldest first (by their first version).
func (s *State) Notes() []Note {
	out := make([]Note, 0, len(s.notes))
	for _, n := range s.notes {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b Note) int { return cmp.Compare(a.First, b.First) })
	return out
}

// Note finds the current version of the note that entry n is a version
// of. It returns nil when the note was withdrawn or n is no note.
func (s *State) Note(n uint64) *Note {
	for {
		if x, ok := s.notes[n]; ok {
			c := *x
			return &c
		}
		next, ok := s.superseded[n]
		if !ok {
			return nil
		}
		n = next
	}
}

// IOCs returns the curated indicators, sorted by indicator.
func (s *State) IOCs() []IOC {
	out := make([]IOC, 0, len(s.iocs))
	for _, x := range s.iocs {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b IOC) int { return cmp.Compare(iocKey(a.Indicator), iocKey(b.Indicator)) })
	return out
}

// IOC returns the listing of an indicator, or nil.
func (s *State) IOC(indicator string) *IOC {
	if x, ok := s.iocs[iocKey(indicator)]; ok {
		c := *x
		return &c
	}
	return nil
}

// SupersededBy names the entry that superseded or withdrew annotation n
// (0 when it is current or was never an annotation).
func (s *State) SupersededBy(n uint64) uint64 { return s.superseded[n] }
