package graph

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/resultleaves"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
)

// AssessRecordEach is AssessAndRecord giving the result piecewise, as
// AssessEach does, for a case too large to hold every source's assessment
// at once: head first, then each source in the order of Result.Sources,
// then the assessment.recorded entry is appended. The leaves, which are
// ordered by indicator rather than as the sources come, are sorted
// through temporary files and kept in parts as they are hashed
// (resultleaves.Writer), so memory does not grow with the sources. The
// entry and the leaves are those AssessAndRecord records. progress, when
// not nil, is told how far the assessment got, as AssessEachProgress
// tells it.
func AssessRecordEach(ctx context.Context, c *evidence.Case, m *attrib.Model, rules *sigma.Engine, only []string, actor string,
	progress func(Progress), head func(*attrib.Result) error, each func(*attrib.Source) error) (*evidence.Entry, error) {
	size := c.Log().Size()
	f, err := readFacts(c)
	if err != nil {
		return nil, err
	}
	pr := newProgressCounter(c, progress)
	p, err := prepareCounted(ctx, c, m, rules, only, f, pr)
	if err != nil {
		return nil, err
	}
	h := p.Head()
	if err := head(h); err != nil {
		return nil, err
	}
	ls := &leafSorter{}
	defer ls.close()
	n := 0
	err = pr.judging(p, func(s *attrib.Source) error {
		b, err := evidence.Canonical(s)
		if err != nil {
			return err
		}
		if err := ls.add(s.Indicator, b); err != nil {
			return err
		}
		n++
		return each(s)
	})
	if err != nil {
		return nil, err
	}
	w := resultleaves.NewWriter(c)
	last, first := "", true
	err = ls.each(func(ind string, leaf []byte) error {
		if !first && ind == last {
			return fmt.Errorf("assessment: source %s is assessed twice", ind)
		}
		last, first = ind, false
		return w.Add(leaf)
	})
	if err != nil {
		return nil, err
	}
	root, op, err := w.Finish()
	if err != nil {
		return nil, err
	}
	return appendAssessment(ctx, c, h, root, n, op, size, only, actor)
}

// appendAssessment appends the assessment.recorded entry of the result
// head describes, whose n sources' leaves have root, with op keeping them.
func appendAssessment(ctx context.Context, c *evidence.Case, head *attrib.Result, root string, n int, op evidence.Op, treeSize uint64, only []string, actor string) (*evidence.Entry, error) {
	p := AssessmentPayload{Model: head.Model, ModelDigest: head.ModelDigest, Rules: head.Rules, RulesDigest: head.RulesDigest, TreeSize: treeSize,
		ResultRoot: root, Sources: n, Only: only, LeavesKept: true}
	p.Summary = fmt.Sprintf("assessed %d sources with %s over the first %d entries", p.Sources, p.Model, treeSize)
	es, err := c.AppendAtomic(ctx, []evidence.Op{op}, evidence.Draft{Kind: KindAssessment, Actor: actor, Payload: p})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// leafSortBudget bounds the leaves a leafSorter holds before it writes
// them, sorted, to a temporary file.
const leafSortBudget = 64 << 20

// leafSorter sorts leaves by indicator, in memory up to leafSortBudget and
// through sorted runs in temporary files past it.
type leafSorter struct {
	budget int // 0: leafSortBudget
	mem    []sortLeaf
	bytes  int
	runs   []*os.File
}

type sortLeaf struct {
	ind  string
	leaf []byte
}

func (s *leafSorter) add(ind string, leaf []byte) error {
	s.mem = append(s.mem, sortLeaf{ind, leaf})
	s.bytes += len(ind) + len(leaf) + 64
	if s.bytes >= cmp.Or(s.budget, leafSortBudget) {
		return s.spill()
	}
	return nil
}

func (s *leafSorter) sortMem() {
	slices.SortStableFunc(s.mem, func(x, y sortLeaf) int { return strings.Compare(x.ind, y.ind) })
}

// spill writes the leaves held as one sorted run.
func (s *leafSorter) spill() error {
	s.sortMem()
	f, err := os.CreateTemp("", "casefile-leaves-*")
	if err != nil {
		return fmt.Errorf("assessment: cannot create a temporary file for the result leaves (set TMPDIR to a directory with room): %w", err)
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 1<<20)
	var num [binary.MaxVarintLen64]byte
	for _, l := range s.mem {
		w.Write(num[:binary.PutUvarint(num[:], uint64(len(l.ind)))])
		w.WriteString(l.ind)
		w.Write(num[:binary.PutUvarint(num[:], uint64(len(l.leaf)))])
		w.Write(l.leaf)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("assessment: writing the result leaves to a temporary file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.mem, s.bytes = s.mem[:0], 0
	return nil
}

// each gives every leaf in indicator order (leaves of one indicator in
// the order added), once.
func (s *leafSorter) each(fn func(ind string, leaf []byte) error) error {
	if len(s.runs) == 0 {
		s.sortMem()
		for _, l := range s.mem {
			if err := fn(l.ind, l.leaf); err != nil {
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
	type head struct {
		r    *bufio.Reader
		cur  sortLeaf
		done bool
	}
	heads := make([]*head, len(s.runs))
	next := func(h *head) error {
		ind, err := readBlob(h.r)
		if err == io.EOF {
			h.done = true
			return nil
		}
		if err != nil {
			return err
		}
		leaf, err := readBlob(h.r)
		if err != nil {
			return err
		}
		h.cur = sortLeaf{string(ind), leaf}
		return nil
	}
	for i, f := range s.runs {
		heads[i] = &head{r: bufio.NewReaderSize(f, 64<<10)}
		if err := next(heads[i]); err != nil {
			return err
		}
	}
	for {
		var best *head
		for _, h := range heads { // runs in order: the earlier run first on a tie
			if !h.done && (best == nil || h.cur.ind < best.cur.ind) {
				best = h
			}
		}
		if best == nil {
			return nil
		}
		if err := fn(best.cur.ind, best.cur.leaf); err != nil {
			return err
		}
		if err := next(best); err != nil {
			return fmt.Errorf("assessment: reading the result leaves back from a temporary file: %w", err)
		}
	}
}

func readBlob(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

func (s *leafSorter) close() {
	for _, f := range s.runs {
		f.Close()
		os.Remove(f.Name())
	}
	s.runs, s.mem = nil, nil
}
