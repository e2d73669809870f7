//go:build !linux

package main

import (
	"os"
	"time"
)

// fileTimes is only implemented on Linux; elsewhere only mtime is recorded.
func fileTimes(os.FileInfo) (atime, ctime time.Time) { return time.Time{}, time.Time{} }

// openNonBlock is Linux only; elsewhere a path is checked before it is opened.
const openNonBlock = 0
