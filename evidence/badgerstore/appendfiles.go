package badgerstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/casefile/casefile/evidence"
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

// openForReading returns files[id], opening the file at path(id) for
// reading the first time (under mu, which guards files); what names the
// kind of file ("entry file") when the index names one that is missing.
func openForReading(mu *sync.RWMutex, files map[uint32]*os.File, id uint32, path func(uint32) string, what string) (*os.File, error) {
	mu.RLock()
	f := files[id]
	mu.RUnlock()
	if f != nil {
		return f, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if f := files[id]; f != nil {
		return f, nil
	}
	f, err := os.Open(path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s %s named by the index is missing", evidence.ErrStoreDamaged, what, filepath.Base(path(id)))
	}
	if err != nil {
		return nil, err
	}
	files[id] = f
	return f, nil
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
