package evidence

// Prefetcher is a Chunks store that can read ahead: a reader about to Get
// chunks in a known order announces them, and the store fetches several at
// a time (object storage, where each request has a latency of its own).
// Gets of the announced chunks, in order, then come from the read-ahead;
// any other Get reads the store as usual. stop releases what was not read.
type Prefetcher interface {
	Prefetch(sums [][32]byte) (stop func())
}
