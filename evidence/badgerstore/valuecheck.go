package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// CheckValues implements evidence.ValueChecker: each value file must read
// as records back to back, each matching its checksums, up to its end or
// to a record cut short at its end (a write cut by a kill or a power cut:
// nothing is ever appended after it, values.go), or to zero bytes a power
// cut left. Anything else is reported (a changed byte anywhere makes a
// checksum fail: the header has its own, so a changed length is not taken
// for a cut record), as are files of the wrong name. Whether the
// records hold the values their keys should is for the derived data's
// verification, which reads every value the log accounts for (a pointer
// to missing or changed bytes fails that read).
//
// Values written meanwhile are not looked at: the file this process
// appends to is checked up to its end when the check began (records are
// appended whole under the append lock), so that a record being written
// is not taken for a torn one, and writers do not wait for the check.
func (s *Store) CheckValues(problem func(where, detail string)) error {
	v := s.values
	v.mu.Lock()
	cur, curSize := v.curID, v.curSize
	if v.cur == nil {
		cur = 0
	}
	v.mu.Unlock()
	ents, err := os.ReadDir(v.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !valueFileName.MatchString(e.Name()) {
			problem("values/"+e.Name(), "unexpected file in the value file directory")
		}
	}
	ids, err := fileIDs(v.dir, valueFileName)
	if err != nil {
		return err
	}
	for _, id := range ids {
		end := int64(-1)
		if id == cur {
			end = curSize
		}
		if err := v.checkFile(id, end, problem); err != nil {
			problem(fmt.Sprintf("value file %d", id), err.Error())
		}
	}
	return nil
}

// checkFile walks the records of one value file, up to end when it is
// not negative.
func (v *valueFiles) checkFile(id uint32, end int64, problem func(where, detail string)) error {
	f, err := os.Open(v.path(id))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if end >= 0 {
		size = min(size, end)
	}
	where := func(off int64) string { return fmt.Sprintf("value file %d offset %d", id, off) }
	var buf []byte
	for at := int64(0); at < size; {
		n, err := recordAt(f, at, size, &buf)
		switch {
		case err != nil:
			return err
		case n > 0:
			at += n
			continue
		case n == cut:
			return nil // a write cut short, which nothing follows
		}
		next, err := nextRecord(f, at+1, size, &buf)
		switch {
		case err != nil:
			return err
		case next >= 0:
			problem(where(at), fmt.Sprintf("%d bytes do not read as a value record, and records follow them (changed or damaged)", next-at))
			at = next
			continue
		}
		if zero, err := allZero(f, at, size); err != nil || zero {
			return err // the end of a file a power cut left unwritten
		}
		problem(where(at), fmt.Sprintf("the last %d bytes do not read as a value record (changed or damaged)", size-at))
		return nil
	}
	return nil
}

// cut is what recordAt returns for a record cut short by the end of the
// file: too short for a header, or a header that matches its checksum and
// says the record goes on past the end.
const cut = -1

// recordAt returns the length of the whole, valid record at off in f
// (size bytes long), cut for one cut short, 0 when there is none.
func recordAt(f *os.File, off, size int64, buf *[]byte) (int64, error) {
	var hdr [valueHeader]byte
	if off+valueHeader > size {
		return cut, nil
	}
	if _, err := f.ReadAt(hdr[:], off); err != nil {
		return 0, err
	}
	klen, vlen, crc, ok := valueRecordHeader(hdr[:])
	n := int64(valueHeader) + int64(klen) + int64(vlen)
	switch {
	case !ok:
		return 0, nil
	case off+n > size:
		return cut, nil
	}
	*buf = slices.Grow((*buf)[:0], int(n-valueHeader))[:n-valueHeader]
	if _, err := f.ReadAt(*buf, off+valueHeader); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if valueCRC(hdr[4:10], (*buf)[:klen], (*buf)[klen:]) != crc {
		return 0, nil
	}
	return n, nil
}

// allZero says whether f holds only zero bytes from off to size.
func allZero(f *os.File, off, size int64) (bool, error) {
	w := make([]byte, min(size-off, 1<<20))
	for at := off; at < size; at += int64(len(w)) {
		k, err := f.ReadAt(w[:min(int64(len(w)), size-at)], at)
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		for _, b := range w[:k] {
			if b != 0 {
				return false, nil
			}
		}
	}
	return true, nil
}

// nextRecord returns the offset of the first whole record at or after
// from, -1 when none follows.
func nextRecord(f *os.File, from, size int64, buf *[]byte) (int64, error) {
	const window = 1 << 20
	w := make([]byte, window+len(valueMagic)-1)
	for at := from; at < size; at += window {
		k, err := f.ReadAt(w, at)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		for i := 0; ; i++ {
			j := bytes.Index(w[i:k], []byte(valueMagic))
			if j < 0 {
				break
			}
			i += j
			n, err := recordAt(f, at+int64(i), size, buf)
			if err != nil {
				return 0, err
			}
			if n > 0 {
				return at + int64(i), nil
			}
		}
	}
	return -1, nil
}
