package sigma

import (
	"encoding/binary"
	"strings"
)

// groupSet holds the groups of the aggregate rules sharing one by-list,
// one row per distinct tuple of by-values: a large case has a million
// sources, so a row costs a few dozen bytes and no pointers. A row's
// values live in one arena, each as its length (uvarint) and bytes; the
// index maps a hash of the row's key (each value followed by a NUL byte,
// the key rows have always been told apart by) to the row, and rows whose
// keys share a hash are chained.
type groupSet struct {
	width int              // rules per row (Engine.width)
	idx   map[uint64]int32 // key hash → the last row with that hash
	prev  []int32          // per row: the previous row with its hash, −1 none
	off   []int            // per row: where its values start in arena; one more at the end
	arena []byte
	slots []uint32 // per row, width group ids + 1 (0: the rule has no group there yet)
}

// group is one aggregate rule's group; Run.groups holds them by id.
type group struct {
	n    int64  // events remembered
	row  uint32 // the row of its by-values in its groupSet
	rule uint32 // index in Engine.rules
}

func newGroupSet(width int) groupSet {
	return groupSet{width: width, idx: map[uint64]int32{}, off: []int{0}}
}

func (s *groupSet) rows() int { return len(s.prev) }

// find returns the row of key (hashed h), or −1.
func (s *groupSet) find(h uint64, key []byte) int32 {
	row, ok := s.idx[h]
	for ok && row >= 0 {
		if s.keyIs(row, key) {
			return row
		}
		row = s.prev[row]
	}
	return -1
}

// keyIs says whether row's values, each followed by a NUL byte, are key.
func (s *groupSet) keyIs(row int32, key []byte) bool {
	b := s.arena[s.off[row]:s.off[row+1]]
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		v := b[w : w+int(n)]
		if len(key) <= len(v) || string(key[:len(v)]) != string(v) || key[len(v)] != 0 {
			return false
		}
		key, b = key[len(v)+1:], b[w+int(n):]
	}
	return len(key) == 0
}

// add appends a row of vals, whose key hashes to h.
func (s *groupSet) add(h uint64, vals []string) int32 {
	row := int32(s.rows())
	last, ok := s.idx[h]
	if !ok {
		last = -1
	}
	s.idx[h] = row
	s.prev = append(s.prev, last)
	for _, v := range vals {
		s.arena = binary.AppendUvarint(s.arena, uint64(len(v)))
		s.arena = append(s.arena, v...)
	}
	s.off = append(s.off, len(s.arena))
	for range s.width {
		s.slots = append(s.slots, 0)
	}
	return row
}

// vals returns row's values, in by-list order.
func (s *groupSet) vals(row uint32) []string {
	var out []string
	b := s.arena[s.off[row]:s.off[row+1]]
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		out = append(out, string(b[w:w+int(n)]))
		b = b[w+int(n):]
	}
	return out
}

// key is row's key: its values, each followed by a NUL byte. Finish
// orders a rule's detections by it.
func (s *groupSet) key(row uint32) string {
	var k strings.Builder
	for _, v := range s.vals(row) {
		k.WriteString(v)
		k.WriteByte(0)
	}
	return k.String()
}
