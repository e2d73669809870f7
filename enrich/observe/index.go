package observe

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence"
)

// The value under an o/ key is one of:
//
//   - the observations themselves, as leaves of the observations.recorded
//     entry that commits to them (its observations_root):
//
//     'l' uvarint(the first one's leaf index) <JSON array of their canonical JSON> uint64(entry index, big-endian)
//
//   - a JSON array of observations: a source that had nothing to say
//     ("[]"), and cases recorded before references;
//
//   - in cases recorded before the per-leaf commitment, a reference to
//     where the observations sit in the entry that holds them:
//
//     'r' uvarint(offset in the payload) uvarint(length) uint64(entry index, big-endian)
//
// The entry's index is stamped by the commit that writes both (see
// evidence.Op.StampIndex). Each observation is stored once: in the index
// (verify checks it against the entry's root), or, earlier, in the entry.
const (
	refTag    = 'r'
	leavesTag = 'l'
)

// leavesValue is an index value holding elems, leaves first, first+1, …
// of the entry the commit will stamp into its last 8 bytes.
func leavesValue(first int, elems [][]byte) []byte {
	n := 1 + binary.MaxVarintLen64 + 2 + 8
	for _, e := range elems {
		n += len(e) + 1
	}
	v := make([]byte, 0, n)
	v = append(v, leavesTag)
	v = binary.AppendUvarint(v, uint64(first))
	v = append(v, '[')
	for i, e := range elems {
		if i > 0 {
			v = append(v, ',')
		}
		v = append(v, e...)
	}
	v = append(v, ']')
	return append(v, make([]byte, 8)...)
}

// leafRun is a parsed leaves value: leaves first… of entry.
type leafRun struct {
	entry  uint64
	first  uint64
	leaves [][]byte // slices of the value read
}

func parseLeaves(v []byte) (leafRun, error) {
	bad := errors.New("malformed observation index value")
	if len(v) < 1+1+2+8 || v[0] != leavesTag {
		return leafRun{}, bad
	}
	r := leafRun{entry: binary.BigEndian.Uint64(v[len(v)-8:])}
	rest := v[1 : len(v)-8]
	first, k := binary.Uvarint(rest)
	if k <= 0 || first > evidence.MaxEntrySize {
		return leafRun{}, bad
	}
	r.first = first
	leaves, ok := splitObjects(rest[k:])
	if !ok {
		return leafRun{}, bad
	}
	r.leaves = leaves
	return r, nil
}

// splitObjects splits a JSON array of one or more objects into the
// objects' bytes (slices of b, not copies), finding where each ends by its
// braces and quotes: a scan per byte, where encoding/json's would validate
// and copy each leaf before it is decoded and validated again. It refuses
// whitespace between the parts, which leavesValue never writes; what it
// accepts is such an array when every part it gives is a valid JSON
// value, which whoever reads a part checks (decoding it, or comparing it
// to its hash in the entry's root). FuzzSplitObjects holds it to that.
func splitObjects(b []byte) ([][]byte, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	var out [][]byte
	i := 1
	for {
		if i >= len(b) || b[i] != '{' {
			return nil, false
		}
		start, depth := i, 0
	scan:
		for ; i < len(b); i++ {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					i++
					break scan
				}
			case '"':
				for i++; i < len(b) && b[i] != '"'; i++ {
					if b[i] == '\\' {
						i++
					}
				}
			}
		}
		if depth != 0 || i >= len(b) {
			return nil, false
		}
		out = append(out, b[start:i])
		switch b[i] {
		case ',':
			i++
		case ']':
			return out, i == len(b)-1
		default:
			return nil, false
		}
	}
}

// ref is a parsed reference.
type ref struct {
	entry  uint64
	off, n int
}

func parseRef(v []byte) (ref, error) {
	bad := errors.New("malformed observation index value")
	if len(v) < 1+1+1+8 || v[0] != refTag {
		return ref{}, bad
	}
	entry := binary.BigEndian.Uint64(v[len(v)-8:])
	rest := v[1 : len(v)-8]
	off, k := binary.Uvarint(rest)
	if k <= 0 {
		return ref{}, bad
	}
	n, m := binary.Uvarint(rest[k:])
	if m <= 0 || k+m != len(rest) || off > evidence.MaxEntrySize || n > evidence.MaxEntrySize {
		return ref{}, bad
	}
	return ref{entry, int(off), int(n)}, nil
}

// item is one index value on its way to being read.
type item struct {
	ind  string
	list []enrich.Observation
	ref  *ref
	run  *leafRun
}

// Located is an observation with the observations.recorded entry that holds
// it (−1 for a case recorded before the index pointed into entries).
type Located struct {
	enrich.Observation
	Entry int64
}

// check refuses observations of another indicator than the key's (a value
// copied or pointed elsewhere by someone who could write to the store).
// entry is the entry they were read from, or −1.
func (it *item) check(entry int64) error {
	for _, o := range it.list {
		if o.Indicator != it.ind {
			where := ""
			if entry >= 0 {
				where = fmt.Sprintf(" in entry %d", entry)
			}
			return fmt.Errorf("the index of %s holds an observation of %q%s: the index is damaged", it.ind, o.Indicator, where)
		}
	}
	return nil
}

// scan decodes the index values under prefix in key order (indicator,
// then dataset digest) and gives them to fn one at a time, so that a case
// of a million indicators is never held whole. References into entries
// (cases recorded before the per-leaf commitment) are resolved through a
// few entries kept read.
func scan(c *evidence.Case, prefix []byte, fn func(item) error) error {
	entries := entryCache{c: c}
	return c.Derived().Scan(prefix, nil, func(k, v []byte) error {
		ind, _, ok := bytes.Cut(k[len(prefixObs):], []byte{0})
		if !ok {
			return errors.New("malformed observation index key")
		}
		if len(v) == 0 {
			return fmt.Errorf("observations of %s: empty index value: the index is damaged", ind)
		}
		it := item{ind: string(ind)}
		switch v[0] {
		case '[':
			if err := json.Unmarshal(v, &it.list); err != nil {
				return fmt.Errorf("observations of %s: %w", ind, err)
			}
			if err := it.check(-1); err != nil {
				return err
			}
		case leavesTag:
			r, err := parseLeaves(v)
			if err != nil {
				return fmt.Errorf("observations of %s: %w", ind, err)
			}
			it.list = make([]enrich.Observation, len(r.leaves))
			for i, l := range r.leaves {
				if err := it.list[i].DecodeJSON(l); err != nil {
					return fmt.Errorf("observations of %s: %w", ind, err)
				}
			}
			if err := it.check(int64(r.entry)); err != nil {
				return err
			}
			r.leaves = nil // decoded: the caller needs the entry and the first index only
			it.run = &r
		default:
			r, err := parseRef(v)
			if err != nil {
				return fmt.Errorf("observations of %s: %w", ind, err)
			}
			it.ref = &r
			if err := entries.resolve(&it); err != nil {
				return err
			}
		}
		return fn(it)
	})
}

// collect is scan with every item kept.
func collect(c *evidence.Case, prefix []byte) ([]item, error) {
	var items []item
	err := scan(c, prefix, func(it item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

// entryCache keeps the last few observations.recorded entries references
// pointed into: consecutive indicators point into the same few entries
// (one per dataset), and such an entry may hold every observation of a
// dataset.
type entryCache struct {
	c     *evidence.Case
	order []uint64
	byIdx map[uint64]*evidence.Entry
}

const entryCacheSize = 16

func (ec *entryCache) entry(idx uint64) (*evidence.Entry, error) {
	if e := ec.byIdx[idx]; e != nil {
		return e, nil
	}
	e, err := ec.c.Entry(idx)
	if errors.Is(err, evidence.ErrNotFound) || err == nil && e.Index != idx {
		return nil, fmt.Errorf("observation index points at entry %d, which is not in the log: the index is damaged", idx)
	}
	if err != nil {
		return nil, fmt.Errorf("observation index: %w", err)
	}
	if e.Kind != KindObservations {
		return nil, fmt.Errorf("observation index points at entry %d, a %s entry: the index is damaged", idx, e.Kind)
	}
	if ec.byIdx == nil {
		ec.byIdx = map[uint64]*evidence.Entry{}
	}
	if len(ec.order) == entryCacheSize {
		delete(ec.byIdx, ec.order[0])
		ec.order = ec.order[1:]
	}
	ec.order = append(ec.order, idx)
	ec.byIdx[idx] = e
	return e, nil
}

// resolve decodes the observations the reference of it points at.
func (ec *entryCache) resolve(it *item) error {
	r := it.ref
	e, err := ec.entry(r.entry)
	if err != nil {
		return err
	}
	if r.off+r.n > len(e.Payload) {
		return fmt.Errorf("observation index points past the end of entry %d: the index is damaged", r.entry)
	}
	buf := make([]byte, 0, r.n+2)
	buf = append(append(append(buf, '['), e.Payload[r.off:r.off+r.n]...), ']')
	if err := json.Unmarshal(buf, &it.list); err != nil {
		return fmt.Errorf("observations of %s in entry %d: %w", it.ind, r.entry, err)
	}
	return it.check(int64(r.entry))
}

// Observations returns what every source said about one indicator, in
// dataset order.
func Observations(c *evidence.Case, indicator string) ([]enrich.Observation, error) {
	items, err := collect(c, obsKey(indicator, ""))
	if err != nil {
		return nil, err
	}
	var out []enrich.Observation
	for _, it := range items {
		out = append(out, it.list...)
	}
	return out, nil
}

// AllLocated returns every recorded observation, by indicator, each with
// the entry that records it, so that what cites an observation can cite
// exactly that entry.
func AllLocated(c *evidence.Case) (map[string][]Located, error) {
	return located(c, prefixObs)
}

// LocatedOf returns what every source said about one indicator, each
// observation with the entry that records it.
func LocatedOf(c *evidence.Case, indicator string) ([]Located, error) {
	m, err := located(c, obsKey(indicator, ""))
	return m[indicator], err
}

func located(c *evidence.Case, prefix []byte) (map[string][]Located, error) {
	out := map[string][]Located{}
	err := scan(c, prefix, func(it item) error {
		out[it.ind] = appendLocated(out[it.ind], &it)
		return nil
	})
	return out, err
}

// EachLocated gives fn what every source said about each indicator, one
// indicator at a time in key order (byte order of the indicators), each
// observation with the entry that records it. Unlike AllLocated it holds
// one indicator's observations at a time, whatever the size of the case.
func EachLocated(c *evidence.Case, fn func(indicator string, list []Located) error) error {
	var cur string
	var list []Located
	err := scan(c, prefixObs, func(it item) error {
		if it.ind != cur && len(list) > 0 {
			if err := fn(cur, list); err != nil {
				return err
			}
			list = nil
		}
		cur = it.ind
		list = appendLocated(list, &it)
		return nil
	})
	if err == nil && len(list) > 0 {
		err = fn(cur, list)
	}
	return err
}

func appendLocated(out []Located, it *item) []Located {
	entry := int64(-1)
	switch {
	case it.ref != nil:
		entry = int64(it.ref.entry)
	case it.run != nil:
		entry = int64(it.run.entry)
	}
	for _, o := range it.list {
		out = append(out, Located{o, entry})
	}
	return out
}

// Lookup returns Observations for c, made to be called for each of many
// indicators: when nothing was recorded about any indicator it reads
// nothing at all (a million indicators of a case never enriched would
// each cost a lookup).
func Lookup(c *evidence.Case) (func(indicator string) ([]enrich.Observation, error), error) {
	found := false
	err := c.Derived().Keys(prefixObs, nil, func([]byte) error {
		found = true
		return errStopScan
	})
	if err != nil && err != errStopScan {
		return nil, err
	}
	if !found {
		return func(string) ([]enrich.Observation, error) { return nil, nil }, nil
	}
	return func(ind string) ([]enrich.Observation, error) { return Observations(c, ind) }, nil
}

var errStopScan = errors.New("stop")

// All returns every recorded observation, by indicator.
func All(c *evidence.Case) (map[string][]enrich.Observation, error) {
	out := map[string][]enrich.Observation{}
	err := scan(c, prefixObs, func(it item) error {
		if len(it.list) > 0 {
			out[it.ind] = append(out[it.ind], it.list...)
		}
		return nil
	})
	return out, err
}

// Leaf is one observation as a leaf of the entry that commits to it.
type Leaf struct {
	Index     uint64 // its leaf index in the entry
	Indicator string
	JSON      []byte // canonical JSON: the leaf
}

// EntryLeaves returns, by entry, every leaf of the observations.recorded
// entries that commit to their observations per leaf, in leaf order, as
// the index holds them (Verify checks them against each entry's root). An
// entry whose leaves are not all indexed is an error.
func EntryLeaves(c *evidence.Case) (map[uint64][]Leaf, error) {
	out := map[uint64][]Leaf{}
	err := c.Derived().Scan(prefixObs, nil, func(k, v []byte) error {
		if len(v) == 0 || v[0] != leavesTag {
			return nil
		}
		ind, _, _ := bytes.Cut(k[len(prefixObs):], []byte{0})
		r, err := parseLeaves(v)
		if err != nil {
			return fmt.Errorf("observations of %s: %w", ind, err)
		}
		for i, l := range r.leaves {
			out[r.entry] = append(out[r.entry], Leaf{Index: r.first + uint64(i), Indicator: string(ind), JSON: bytes.Clone(l)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for e, ls := range out {
		slices.SortFunc(ls, func(a, b Leaf) int { return cmp.Compare(a.Index, b.Index) })
		for i, l := range ls {
			if l.Index != uint64(i) {
				return nil, fmt.Errorf("the observations of entry %d are not all indexed (no leaf %d): the index is damaged", e, i)
			}
		}
	}
	return out, nil
}

// Consulted lists, for one indicator, the datasets that were asked about
// it (including those that had nothing to say).
func Consulted(c *evidence.Case, indicator string) ([]string, error) {
	var out []string
	prefix := obsKey(indicator, "")
	err := c.Derived().Keys(prefix, nil, func(k []byte) error {
		out = append(out, strings.TrimPrefix(string(k), string(prefix)))
		return nil
	})
	return out, err
}
