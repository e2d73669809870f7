package badgerstore

import (
	"os"
	"syscall"
)

// fdatasync makes f's data durable without its timestamps: the entry
// files' size changes with each append, which fdatasync covers.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
