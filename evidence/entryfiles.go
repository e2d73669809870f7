package evidence

import (
	"errors"
	"fmt"
)

// EntryFiles is a Backend that keeps entry runs in append-only files of
// its own (badgerstore, store layout 4), so that a durable commit of
// entries costs one write and one fdatasync of a plain file instead of a
// database sync: the run's er/ key then holds a pointer to its record
// (any value not starting with '{', which every inline run starts with).
// The Backend batch that indexes a record is written after the record is
// on disk; see Log.write and recoverEntryFiles for what that means
// after a crash.
type EntryFiles interface {
	// AppendEntryRuns writes one record per run, all with one write, and
	// makes them durable before returning. It sets each run's Ptr, the
	// value to store under its er/ key.
	AppendEntryRuns(runs []EntryRun) error
	// ReadEntryRun returns the body of the record ptr names. When the
	// record's checksum does not match, it returns the body it read with
	// an error wrapping ErrStoreDamaged, so that verification can still
	// name the entries that changed.
	ReadEntryRun(ptr []byte) ([]byte, error)
	// EntryRunsAfter returns the complete records that follow the one
	// after names (nil: every record), Body and Ptr set, and how many
	// bytes after them form no complete record (a torn write). It changes
	// nothing.
	EntryRunsAfter(after []byte) (runs []EntryRun, torn int64, err error)
	// TruncateEntryRuns removes every byte after the record keep names
	// (nil: every record): records never acknowledged, a torn write.
	TruncateEntryRuns(keep []byte) error
	// WritableEntryFiles says whether the store was opened for writing,
	// so that TruncateEntryRuns may be called.
	WritableEntryFiles() bool
	// CheckEntryFiles reports, through problem, every byte of the entry
	// files that belongs to none of the indexed records (in log order),
	// or whose record does not match its pointer, except what follows the
	// last indexed record (EntryRunsAfter), and every record the pointers
	// name in a missing file.
	CheckEntryFiles(indexed [][]byte, problem func(where, detail string)) error
}

// EntryRun is one record of the entry files: a run of consecutive entries.
type EntryRun struct {
	First uint64 // the log index of its first entry
	Count int    // how many entries Body holds
	// WithBatch says the commit is acknowledged only once the Backend
	// batch indexing it is durable (it carried other writes, or followed
	// writes not yet durable): without that batch it never happened.
	WithBatch bool
	// EndsCommit marks the last record of a commit: records of a commit
	// whose last record is missing were never acknowledged.
	EndsCommit bool
	Body       []byte // the run's entries, '\n' between them
	Ptr        []byte
}

// keyEntryFiles holds the pointer of the last indexed record of the entry
// files: recovery looks for records past it.
var keyEntryFiles = []byte("entryfiles")

// isRunPointer says whether an er/ value points into the entry files.
func isRunPointer(v []byte) bool { return len(v) == 0 || v[0] != '{' }

// runBytes returns the entries of an er/ value: the value itself, or the
// record it points to. On a damaged record it returns what it read and
// the error (see EntryFiles.ReadEntryRun).
func runBytes(b Backend, v []byte) ([]byte, error) {
	if !isRunPointer(v) {
		return v, nil
	}
	ef, ok := b.(EntryFiles)
	if !ok {
		return nil, fmt.Errorf("%w: an entry run key holds %d bytes that are neither entries nor a pointer this store resolves", ErrStoreDamaged, len(v))
	}
	body, err := ef.ReadEntryRun(v)
	if err != nil && !errors.Is(err, ErrStoreDamaged) {
		err = fmt.Errorf("%w: %v", ErrStoreDamaged, err)
	}
	return body, err
}
