package observe

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence"
)

// The value under an o/ key is either a JSON array of observations (a
// source that had nothing to say: "[]"; and cases recorded before
// references) or a reference to where the observations sit in the
// observations.recorded entry that holds them:
//
//	'r' uvarint(offset in the payload) uvarint(length) uint64(entry index, big-endian)
//
// The entry's index is stamped by the commit that writes both (see
// evidence.Op.StampIndex), so an observation is stored once, in the log.
const refTag = 'r'

// refValue is an index value pointing at payload[off:off+n] of the entry
// the commit will stamp into its last 8 bytes.
func refValue(off, n int) []byte {
	v := make([]byte, 0, 1+2*binary.MaxVarintLen64+8)
	v = append(v, refTag)
	v = binary.AppendUvarint(v, uint64(off))
	v = binary.AppendUvarint(v, uint64(n))
	return append(v, make([]byte, 8)...)
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

// collect reads the index values under prefix, in key order (indicator,
// then dataset digest). Literal arrays are decoded at once; references are
// resolved by resolve.
func collect(c *evidence.Case, prefix []byte) ([]item, error) {
	var items []item
	err := c.Derived().Scan(prefix, nil, func(k, v []byte) error {
		ind, _, ok := bytes.Cut(k[len(prefixObs):], []byte{0})
		if !ok {
			return errors.New("malformed observation index key")
		}
		if len(v) == 0 {
			return fmt.Errorf("observations of %s: empty index value: the index is damaged", ind)
		}
		it := item{ind: string(ind)}
		if v[0] == '[' {
			if err := json.Unmarshal(v, &it.list); err != nil {
				return fmt.Errorf("observations of %s: %w", ind, err)
			}
			if err := it.check(-1); err != nil {
				return err
			}
		} else {
			r, err := parseRef(v)
			if err != nil {
				return fmt.Errorf("observations of %s: %w", ind, err)
			}
			it.ref = &r
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, resolve(c, items)
}

// resolve reads every referenced entry once, in log order, and decodes the
// observations each reference points at.
func resolve(c *evidence.Case, items []item) error {
	byEntry := map[uint64][]int{}
	for i := range items {
		if r := items[i].ref; r != nil {
			byEntry[r.entry] = append(byEntry[r.entry], i)
		}
	}
	order := make([]uint64, 0, len(byEntry))
	for e := range byEntry {
		order = append(order, e)
	}
	slices.Sort(order)
	var buf []byte
	for _, idx := range order {
		e, err := c.Entry(idx)
		if errors.Is(err, evidence.ErrNotFound) || err == nil && e.Index != idx {
			return fmt.Errorf("observation index points at entry %d, which is not in the log: the index is damaged", idx)
		}
		if err != nil {
			return fmt.Errorf("observation index: %w", err)
		}
		if e.Kind != KindObservations {
			return fmt.Errorf("observation index points at entry %d, a %s entry: the index is damaged", idx, e.Kind)
		}
		for _, i := range byEntry[idx] {
			r := items[i].ref
			if r.off+r.n > len(e.Payload) {
				return fmt.Errorf("observation index points past the end of entry %d: the index is damaged", idx)
			}
			buf = append(append(append(buf[:0], '['), e.Payload[r.off:r.off+r.n]...), ']')
			if err := json.Unmarshal(buf, &items[i].list); err != nil {
				return fmt.Errorf("observations of %s in entry %d: %w", items[i].ind, idx, err)
			}
			if err := items[i].check(int64(idx)); err != nil {
				return err
			}
		}
	}
	return nil
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
	items, err := collect(c, prefixObs)
	if err != nil {
		return nil, err
	}
	out := map[string][]Located{}
	for _, it := range items {
		entry := int64(-1)
		if it.ref != nil {
			entry = int64(it.ref.entry)
		}
		for _, o := range it.list {
			out[it.ind] = append(out[it.ind], Located{o, entry})
		}
	}
	return out, nil
}

// All returns every recorded observation, by indicator.
func All(c *evidence.Case) (map[string][]enrich.Observation, error) {
	items, err := collect(c, prefixObs)
	if err != nil {
		return nil, err
	}
	out := map[string][]enrich.Observation{}
	for _, it := range items {
		if len(it.list) > 0 {
			out[it.ind] = append(out[it.ind], it.list...)
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
