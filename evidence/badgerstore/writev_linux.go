package badgerstore

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// writeAll writes bufs, in order, with one writev(2): a commit's records
// reach the file without being copied into one buffer first (a batch of
// 1,000 entries is some 370 KB). A short write is an error; the caller
// cuts off what reached the file.
func writeAll(f *os.File, bufs [][]byte) error {
	iov := make([]syscall.Iovec, 0, len(bufs))
	total := 0
	for _, b := range bufs {
		if len(b) > 0 {
			iov = append(iov, syscall.Iovec{Base: &b[0]})
			iov[len(iov)-1].SetLen(len(b))
			total += len(b)
		}
	}
	if len(iov) == 0 || len(iov) > 1024 { // IOV_MAX
		return writeJoined(f, bufs)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var n uintptr
	var errno syscall.Errno
	if err := rc.Write(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			if errno != syscall.EINTR {
				return true
			}
		}
	}); err != nil {
		return err
	}
	switch {
	case errno != 0:
		return &os.PathError{Op: "writev", Path: f.Name(), Err: errno}
	case int(n) != total:
		return io.ErrShortWrite
	}
	return nil
}
