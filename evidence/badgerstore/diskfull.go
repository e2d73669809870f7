package badgerstore

import (
	"fmt"
	"syscall"
)

// reserve is the free space every write leaves on the disk. Badger writes
// its log and tables through memory maps, and a write to a mapped page the
// disk has no room for kills the process with SIGBUS instead of returning
// an error; so writes are refused while the disk could not take a full
// memtable flush (2 × 32 MiB) on top of them.
const reserve = 64 << 20

// DiskFullError says a write was refused, or failed, for lack of space.
// Nothing of the refused write stays in the store.
type DiskFullError struct {
	Dir         string
	Free, Write int64
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("disk full: %s has %s free; writing %s more would leave less than the %d MiB Casefile keeps free for its database; nothing of it was kept: free space and try again",
		e.Dir, mib(e.Free), mib(e.Write), reserve>>20)
}

// Unwrap lets errors.Is(err, syscall.ENOSPC) find it.
func (e *DiskFullError) Unwrap() error { return syscall.ENOSPC }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// roomFor refuses a write of n bytes into dir when it would leave less
// than reserve free.
func roomFor(dir string, n int64) error {
	free := freeBytes(dir)
	if free < 0 || free >= n+reserve {
		return nil
	}
	return &DiskFullError{Dir: dir, Free: free, Write: n}
}
