package main

import (
	"os"
	"syscall"
	"time"
)

// fileTimes returns the access and inode-change times of a file.
func fileTimes(st os.FileInfo) (atime, ctime time.Time) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, time.Time{}
	}
	return time.Unix(s.Atim.Sec, s.Atim.Nsec), time.Unix(s.Ctim.Sec, s.Ctim.Nsec)
}

// openNonBlock makes opening a FIFO return at once instead of waiting for a
// writer; it changes nothing for regular files.
const openNonBlock = syscall.O_NONBLOCK
