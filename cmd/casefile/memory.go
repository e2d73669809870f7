package main

import (
	"os"
	"runtime/debug"
)

// Soft heap limits of the commands that stream a case of any size through
// Badger. Their live heap is bounded, but Badger churns buffers (tables
// built at each memtable flush and compaction) faster than the default GC
// pacing returns them, which lets the heap grow to twice what is live
// before collecting:
//   - an assessment of a million sources (graph/attrib/shard.go) holds
//     300–450 MiB live: 1.5 GiB of RSS where 1 GiB is the target (issue 18);
//   - an ingest of 5×10^6 SSH lines, 720 MiB of anonymous memory, 495 MiB
//     with its limit, in the same time;
//   - verify --from writing a copy of a log of 10^6 entries peaked at 700
//     MiB of heap, nearly all garbage; near 200 MiB with its limit.
const (
	assessMemoryLimit = 768 << 20
	ingestMemoryLimit = 512 << 20
	copyMemoryLimit   = 256 << 20
)

// boundMemory sets limit as the process's soft heap limit unless
// GOMEMLIMIT, or a lower limit already set, says otherwise. A command run
// inside `serve` for a client (a.relay) leaves the server's alone, whose
// pages and caches are not the command's to squeeze.
func (a *app) boundMemory(limit int64) {
	if a.relay != nil {
		return
	}
	if os.Getenv("GOMEMLIMIT") == "" && debug.SetMemoryLimit(-1) > limit {
		debug.SetMemoryLimit(limit)
	}
}
