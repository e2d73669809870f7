package eventstore

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich/indicator"
)

// summarySortBudget bounds the summaries EachIndicator holds before it
// writes them, sorted, to a temporary file: about 64 MiB of them.
const summarySortBudget = 64 << 20

// EachIndicator gives every indicator of the case to fn, most frequent
// first (the order of Indicators), holding a bounded number at a time: a
// case of a million sources has a million summaries, a copy of the index
// in memory. The postings of one indicator are adjacent in the index,
// so each summary is made whole in one scan; they are sorted through
// temporary files past summarySortBudget.
func (s *Store) EachIndicator(fn func(*Summary) error) error {
	return s.eachIndicator(summarySortBudget, fn)
}

func (s *Store) eachIndicator(budget int, fn func(*Summary) error) error {
	runs, err := s.Current()
	if err != nil {
		return err
	}
	committed := map[[8]byte]*Run{}
	for _, r := range runs {
		committed[r.id()] = r
	}
	srt := &summarySorter{budget: budget}
	defer srt.close()
	// Runs indexed before version 3 keep one posting per run under j/:
	// their summaries are held, to be joined to the parts of later runs.
	old := map[string]*Summary{}
	var oldOrder []*Summary
	add := func(cur *Summary, val []byte, id [8]byte) error {
		r := committed[id]
		if r == nil {
			return nil // a run interrupted before its entry was committed
		}
		p, err := decodePosting(val, false)
		if err != nil {
			return fmt.Errorf("indicator %s %q: %w", cur.Type, cur.Value, err)
		}
		cur.Count += p.count
		if p.first != 0 {
			if f := time.Unix(0, p.first).UTC(); cur.FirstSeen.IsZero() || f.Before(cur.FirstSeen) {
				cur.FirstSeen = f
			}
			if l := time.Unix(0, p.last).UTC(); l.After(cur.LastSeen) {
				cur.LastSeen = l
			}
		}
		if !contains(cur.Artefacts, r.Artefact) {
			cur.Artefacts = append(cur.Artefacts, r.Artefact)
		}
		return nil
	}
	newSummary := func(typ indicator.Type, val string) *Summary {
		cur := &Summary{Type: typ, Value: val}
		if typ == indicator.TypeIP {
			if a, ok := indicator.NormalizeIP(val); ok {
				cur.Special = indicator.Special(a)
			}
		}
		return cur
	}
	err = s.c.Derived().Scan(prefixPosting, nil, func(k, v []byte) error {
		typ, val, id, ok := splitPostingKey(k)
		if !ok || committed[id] == nil {
			return nil
		}
		key := string(typ) + "\x00" + val
		cur := old[key]
		if cur == nil {
			cur = newSummary(typ, val)
			old[key] = cur
			oldOrder = append(oldOrder, cur)
		}
		return add(cur, v, id)
	})
	if err != nil {
		return err
	}
	var cur *Summary
	done := func() error {
		if cur == nil {
			return nil
		}
		delete(old, string(cur.Type)+"\x00"+cur.Value)
		return srt.add(cur)
	}
	err = s.c.Derived().Scan(prefixPart, nil, func(k, v []byte) error {
		typ, val, id, ok := splitPartKey(k)
		if !ok || committed[id] == nil {
			return nil
		}
		if cur == nil || cur.Type != typ || cur.Value != val {
			if err := done(); err != nil {
				return err
			}
			if cur = old[string(typ)+"\x00"+val]; cur == nil {
				cur = newSummary(typ, val)
			}
		}
		return add(cur, v, id)
	})
	if err == nil {
		err = done()
	}
	if err != nil {
		return err
	}
	for _, o := range oldOrder {
		if old[string(o.Type)+"\x00"+o.Value] != nil {
			if err := srt.add(o); err != nil {
				return err
			}
		}
	}
	return srt.each(fn)
}

// cmpSummary orders summaries as Indicators lists them: most frequent
// first, then by type and value.
func cmpSummary(x, y *Summary) int {
	return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(string(x.Type), string(y.Type)), strings.Compare(x.Value, y.Value))
}

// summarySorter sorts summaries in memory up to a budget and through
// sorted runs in temporary files (JSON lines) past it.
type summarySorter struct {
	budget int
	mem    []*Summary
	bytes  int
	runs   []*os.File
}

func (s *summarySorter) add(x *Summary) error {
	s.mem = append(s.mem, x)
	s.bytes += 160 + len(x.Value) + 80*len(x.Artefacts)
	if s.bytes >= s.budget {
		return s.spill()
	}
	return nil
}

func (s *summarySorter) spill() error {
	slices.SortFunc(s.mem, cmpSummary)
	f, err := os.CreateTemp("", "casefile-indicators-*")
	if err != nil {
		return fmt.Errorf("indicators: cannot create a temporary file (set TMPDIR to a directory with room): %w", err)
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	for _, x := range s.mem {
		if err := enc.Encode(x); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("indicators: writing to a temporary file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	clear(s.mem)
	s.mem, s.bytes = s.mem[:0], 0
	return nil
}

func (s *summarySorter) each(fn func(*Summary) error) error {
	if len(s.runs) == 0 {
		slices.SortFunc(s.mem, cmpSummary)
		for _, x := range s.mem {
			if err := fn(x); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.mem) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	decs := make([]*json.Decoder, len(s.runs))
	heads := make([]*Summary, len(s.runs))
	next := func(i int) error {
		var x Summary
		if err := decs[i].Decode(&x); err != nil {
			heads[i] = nil
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("indicators: reading back a temporary file: %w", err)
		}
		heads[i] = &x
		return nil
	}
	for i, f := range s.runs {
		decs[i] = json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
		if err := next(i); err != nil {
			return err
		}
	}
	for {
		best := -1
		for i, x := range heads {
			if x != nil && (best < 0 || cmpSummary(x, heads[best]) < 0) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		x := heads[best]
		if err := next(best); err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
}

func (s *summarySorter) close() {
	for _, f := range s.runs {
		f.Close()
		os.Remove(f.Name())
	}
	s.runs, s.mem = nil, nil
}
