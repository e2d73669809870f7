//go:build unix

package casedir

import (
	"errors"
	"io"
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
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 512))
			holder := strings.TrimSpace(string(b))
			if holder == "" {
				holder = "unknown process"
			}
			return nil, &InUseError{Dir: dir, Holder: holder}
		}
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holderInfo(command)+"\n"), 0)
	}
	return f, nil
}
