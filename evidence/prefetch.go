package evidence

import "io"

// Prefetcher is a Chunks store that can read ahead: a reader about to Get
// chunks in a known order announces them, and the store fetches several at
// a time (object storage, where each request has a latency of its own).
// Gets of the announced chunks, in order, then come from the read-ahead;
// any other Get reads the store as usual. stop releases what was not read.
type Prefetcher interface {
	Prefetch(sums [][32]byte) (stop func())
}

// ParallelReader is a Chunks store whose reads wait on the network: a
// reader that needs no order (verify, proving chunks against their names)
// keeps ReadParallelism reads in flight rather than one per core.
type ParallelReader interface {
	ReadParallelism() int
}

// ChunkStreamer is a Chunks store that can copy a chunk's bytes to w as
// they arrive: a reader that only hashes them (verify) needs no buffer of
// a chunk's size, and hashes each piece while it is still in the cache.
type ChunkStreamer interface {
	StreamChunk(sum [32]byte, w io.Writer) (int64, error)
}
