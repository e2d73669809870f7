//go:build unix

package casedir

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// acquire takes an exclusive, non-blocking flock on DIR/casefile.lock and
// writes who holds it. The kernel releases the lock when the process dies,
// so a killed process never leaves a stale lock.
func acquire(dir, command string) (*os.File, error) {
	p := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f, dir, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holderInfo(command)+"\n"), 0)
	}
	return f, nil
}

// acquireShared is the lock of a read-only open: a shared flock on an
// existing lock file, opened read-only, so that readers exclude a writer
// but not each other. Nothing is created or written: a copy without a lock
// file (or on write-protected media) is read without one, Badger's own
// shared lock on the database still excluding a writer.
func acquireShared(dir string) (*os.File, error) {
	f, err := os.Open(filepath.Join(dir, LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := flock(f, dir, syscall.LOCK_SH); err != nil {
		return nil, err
	}
	return f, nil
}

// flock takes the lock how (LOCK_EX or LOCK_SH) without waiting; when
// another process holds it, the error names that process (what the lock
// file says). On any error f is closed.
func flock(f *os.File, dir string, how int) error {
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if err == nil {
		return nil
	}
	defer f.Close()
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(f, 512))
	holder := strings.TrimSpace(string(b))
	if holder == "" {
		holder = "unknown process"
	}
	return &InUseError{Dir: dir, Holder: holder}
}
