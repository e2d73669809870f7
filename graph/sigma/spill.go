package sigma

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"unsafe"
)

// DefaultBudget bounds the memory a run's remembered records take before
// they spill to a temporary file (Run.Budget).
const DefaultBudget = 64 << 20

// rec is one event remembered for one aggregate rule and group.
type rec struct {
	t         int64 // Unix ns; 0 when the event has no time
	seq       int64 // the event's place in match order
	line, rec int64 // the citation, with art
	gid       uint32
	art       uint32 // interned artefact
	dv        uint32 // interned distinct value, for count(field)
	noTime    bool   // the event has no time (t is 0)
}

const recSize = int64(unsafe.Sizeof(rec{}))

// cmpRec orders records as Finish reads them: by group, then time, then
// match order — the stable sort by time of each group's events that the
// windows are defined on. No two records share group and event.
func cmpRec(x, y *rec) int {
	switch {
	case x.gid != y.gid:
		return cmp.Compare(x.gid, y.gid)
	case x.t != y.t:
		return cmp.Compare(x.t, y.t)
	}
	return cmp.Compare(x.seq, y.seq)
}

// sortRecs sorts records of groups numbered below groups in cmpRec order.
// When there are not many more groups than records it moves each record
// to its group's place first (an in-place bucket sort, two ints per
// group), then sorts each group by time: far fewer comparisons than
// sorting all records at once.
func sortRecs(recs []rec, groups int) {
	if groups == 0 || groups > 4*len(recs) {
		slices.SortFunc(recs, func(x, y rec) int { return cmpRec(&x, &y) })
		return
	}
	next := make([]int, groups+1) // next[g]: where group g's next record goes
	for i := range recs {
		next[recs[i].gid+1]++
	}
	for g := 1; g <= groups; g++ {
		next[g] += next[g-1]
	}
	end := slices.Clone(next[1:])
	for g := range groups {
		for i := next[g]; i < end[g]; i = next[g] {
			if h := recs[i].gid; h != uint32(g) {
				recs[i], recs[next[h]] = recs[next[h]], recs[i]
				next[h]++
			} else {
				next[g]++
			}
		}
	}
	lo := 0
	for _, hi := range end {
		if hi-lo > 1 {
			slices.SortFunc(recs[lo:hi], func(x, y rec) int {
				if x.t != y.t {
					return cmp.Compare(x.t, y.t)
				}
				return cmp.Compare(x.seq, y.seq)
			})
		}
		lo = hi
	}
}

// spill is the temporary file of sorted runs of records. It is unlinked as
// soon as it is created where the system allows (so a killed process
// leaves nothing behind), and otherwise removed by close.
type spill struct {
	f    *os.File
	name string  // to remove at close; "" when already unlinked
	ends []int64 // end offset of each run written
	lens []int64 // and its number of records
	part []int   // and the part of the groups it holds (partOf)
	off  int64
	w    *bufio.Writer
	b    []byte
}

// finishParts is the number of parts Finish evaluates the groups in, each
// on a goroutine of its own: group g is in part partOf(g). Each write
// spills one run per part, so that a part's merge reads its own runs.
const finishParts = 2

func partOf(gid uint32) int { return int(gid % finishParts) }

// write sorts recs and appends them to the file as one run per part.
func (s *spill) write(dir string, recs []rec, groups int) error {
	if s.f == nil {
		f, err := os.CreateTemp(dir, "casefile-sigma-*.spill")
		if err != nil {
			return err
		}
		s.f, s.name = f, f.Name()
		if os.Remove(f.Name()) == nil {
			s.name = ""
		}
		s.w = bufio.NewWriterSize(f, 1<<20)
	}
	sortRecs(recs, groups)
	for part := range finishParts {
		var prev rec
		written := int64(0)
		for i := range recs {
			if partOf(recs[i].gid) != part {
				continue
			}
			s.b = appendRec(s.b[:0], &recs[i], &prev)
			prev = recs[i]
			n, err := s.w.Write(s.b)
			s.off += int64(n)
			written++
			if err != nil {
				return err
			}
		}
		if err := s.w.Flush(); err != nil {
			return err
		}
		s.ends = append(s.ends, s.off)
		s.lens = append(s.lens, written)
		s.part = append(s.part, part)
	}
	return nil
}

func (s *spill) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); err == nil {
			err = rerr
		}
	}
	*s = spill{}
	return err
}

// appendRec encodes x after prev in its run: sorted runs make the group
// and, within a group, the time small deltas. The match order carries
// noTime in its lowest bit.
func appendRec(b []byte, x, prev *rec) []byte {
	b = binary.AppendUvarint(b, uint64(x.gid-prev.gid))
	base := int64(0)
	if x.gid == prev.gid {
		base = prev.t
	}
	b = binary.AppendVarint(b, x.t-base)
	seq := uint64(x.seq) << 1
	if x.noTime {
		seq |= 1
	}
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(x.art))
	b = binary.AppendVarint(b, x.line)
	b = binary.AppendVarint(b, x.rec)
	return binary.AppendUvarint(b, uint64(x.dv))
}

// errCorrupt is a run that does not read back as written.
var errCorrupt = errors.New("the file is shorter than what was written to it")

// source is one sorted run being merged: read back from the file, or the
// records still in memory.
type source struct {
	cur  rec
	mem  []rec // the records in memory, of every part
	part int   // of which those of this part are read
	br   *bufio.Reader
	left int64 // records of the run not read yet
}

// next moves to the following record; false at the end of the run.
func (s *source) next() (bool, error) {
	if s.br == nil {
		for len(s.mem) > 0 && partOf(s.mem[0].gid) != s.part {
			s.mem = s.mem[1:]
		}
		if len(s.mem) == 0 {
			return false, nil
		}
		s.cur, s.mem = s.mem[0], s.mem[1:]
		return true, nil
	}
	if s.left == 0 {
		return false, nil
	}
	s.left--
	// A record is seven varints: decode them from the reader's buffer
	// rather than byte by byte (a third of Finish's time at 10^8 events).
	b, err := s.br.Peek(maxRecBytes)
	if len(b) == 0 {
		if err == nil || err == io.EOF {
			err = errCorrupt
		}
		return false, err
	}
	pos, bad := 0, false
	uv := func() uint64 {
		v, n := binary.Uvarint(b[pos:])
		if n <= 0 {
			bad = true
			return 0
		}
		pos += n
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(b[pos:])
		if n <= 0 {
			bad = true
			return 0
		}
		pos += n
		return v
	}
	prev := s.cur
	d := uv()
	s.cur = rec{gid: prev.gid + uint32(d), t: sv()}
	seq := uv()
	s.cur.seq, s.cur.noTime = int64(seq>>1), seq&1 == 1
	s.cur.art, s.cur.line, s.cur.rec, s.cur.dv = uint32(uv()), sv(), sv(), uint32(uv())
	if bad {
		return false, errCorrupt
	}
	s.br.Discard(pos)
	if d == 0 {
		s.cur.t += prev.t
	}
	return true, nil
}

// maxRecBytes is the longest a record appendRec writes can be.
const maxRecBytes = 7 * binary.MaxVarintLen64

// cursor reads every record of one part in cmpRec order: the runs in the
// file and the records in memory, merged. Finish uses two per part, one
// at the end of the window and one at its start, so no window is held in
// memory.
type cursor struct {
	mem  *source   // nothing spilled: the records, sorted
	heap bool      // something spilled:
	h    []*source // a binary heap of the runs by their current record
	n    int64     // records read
	err  error
}

// cursor starts a cursor over part's records; Finish sorted the records
// in memory. The runs' readers share a quarter of the budget, at most
// 64 KiB each.
func (r *Run) cursor(part int) *cursor {
	c := &cursor{heap: r.sp.f != nil}
	if !c.heap {
		c.mem = &source{mem: r.recs, part: part}
		return c
	}
	size := min(max(r.budget()/4/int64(len(r.sp.ends)), 4<<10), 64<<10)
	srcs := []*source{{mem: r.recs, part: part}}
	start := int64(0)
	for i, end := range r.sp.ends {
		if r.sp.part[i] == part {
			sr := io.NewSectionReader(r.sp.f, start, end-start)
			srcs = append(srcs, &source{br: bufio.NewReaderSize(sr, int(min(size, max(end-start, 2*maxRecBytes)))), left: r.sp.lens[i]})
		}
		start = end
	}
	for _, s := range srcs {
		ok, err := s.next()
		if err != nil {
			c.err, c.h = err, nil
			return c
		}
		if ok {
			c.h = append(c.h, s)
		}
	}
	for i := len(c.h)/2 - 1; i >= 0; i-- {
		c.down(i)
	}
	return c
}

func (c *cursor) less(i, j int) bool { return cmpRec(&c.h[i].cur, &c.h[j].cur) < 0 }

func (c *cursor) down(i int) {
	for {
		k := 2*i + 1
		if k >= len(c.h) {
			return
		}
		if k+1 < len(c.h) && c.less(k+1, k) {
			k++
		}
		if !c.less(k, i) {
			return
		}
		c.h[i], c.h[k] = c.h[k], c.h[i]
		i = k
	}
}

// next returns the following record, valid until the next call; nil at
// the end or after an error (c.err).
func (c *cursor) next() *rec {
	if !c.heap {
		if ok, _ := c.mem.next(); !ok {
			return nil
		}
		c.n++
		return &c.mem.cur
	}
	if c.n > 0 && len(c.h) > 0 { // move past the record returned last
		ok, err := c.h[0].next()
		if err != nil {
			c.err, c.h = err, nil
			return nil
		}
		if !ok {
			c.h[0] = c.h[len(c.h)-1]
			c.h = c.h[:len(c.h)-1]
		}
		c.down(0)
	}
	if len(c.h) == 0 {
		return nil
	}
	c.n++
	return &c.h[0].cur
}
