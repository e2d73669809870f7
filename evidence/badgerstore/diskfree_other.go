//go:build !linux

package badgerstore

func freeBytes(string) int64 { return -1 }
