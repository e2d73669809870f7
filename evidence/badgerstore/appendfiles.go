package badgerstore

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
)

// What the append-only files beside Badger (chunk packs, entry files,
// value files) share: listing them, opening the current file for
// appending, making a new file's name durable, closing the files opened
// for reading.

// fileIDs lists the numbers of the regular files in dir whose names match
// name (its first group: the number), in order; none when dir is missing.
func fileIDs(dir string, name *regexp.Regexp) ([]uint32, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []uint32
	for _, e := range ents {
		if m := name.FindStringSubmatch(e.Name()); m != nil && e.Type().IsRegular() {
			id, _ := strconv.ParseUint(m[1], 10, 32)
			ids = append(ids, uint32(id))
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// openAppend opens (creating) the file at path for appending and returns
// its size.
func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// syncDir makes the names in dir durable (a file created there). A
// directory that cannot be opened is not an error: the file's own sync
// still holds its bytes.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	return d.Sync()
}

// closeFiles closes every file of files, returning the first error.
func closeFiles(files map[uint32]*os.File) error {
	var first error
	for _, f := range files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
