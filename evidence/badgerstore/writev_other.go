//go:build !linux

package badgerstore

import "os"

// writeAll writes bufs, in order, with one write.
func writeAll(f *os.File, bufs [][]byte) error { return writeJoined(f, bufs) }
