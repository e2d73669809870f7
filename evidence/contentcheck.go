package evidence

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkFault is the first damaged chunk of an artefact: its position in the
// chunk list, its name, and what is wrong with it.
type chunkFault struct {
	i      int
	sum    [32]byte
	err    error
	length bool // the chunk hashes to its name but is not as long as the record's sizes say
}

// faults keeps the damaged chunk nearest the start of an artefact.
type faults struct {
	mu    sync.Mutex
	first *chunkFault
	stop  atomic.Bool // set at the first fault: read no further
}

func (fs *faults) add(f *chunkFault) {
	fs.mu.Lock()
	if fs.first == nil || f.i < fs.first.i {
		fs.first = f
	}
	fs.mu.Unlock()
	fs.stop.Store(true)
}

// check compares chunk i of ar, which hashed to got and is n bytes long,
// with its name and with the record's sizes.
func (fs *faults) check(ar *ArtefactReader, i int, got [32]byte, n int64) {
	sum := ar.chunks[i]
	if got != sum {
		fs.add(&chunkFault{i: i, sum: sum, err: errChunkHash})
	} else if want := ar.chunkLen(i); n != int64(want) {
		fs.add(&chunkFault{i: i, sum: sum, length: true, err: fmt.Errorf("%d bytes where the record's sizes say %d", n, want)})
	}
}

// readHash reads chunk sum and hashes it, streaming when the store can.
func (c *Case) readHash(sum [32]byte) (got [32]byte, n int64, err error) {
	if cs, ok := c.chunks.(ChunkStreamer); ok {
		h := sha256.New()
		n, err = cs.StreamChunk(sum, h)
		h.Sum(got[:0])
		return got, n, err
	}
	data, err := c.chunks.Get(sum)
	return sha256.Sum256(data), int64(len(data)), err
}

// hashChunks checks every chunk of ar against its name and its length
// against the record. Without whole, the chunks are read and hashed in any
// order by as many workers as the store wants reads in flight (one per
// core for local packs): each byte is hashed once, on every core. With
// whole, they are read in order (with read-ahead) and also written to
// whole, the whole-content digests, on a core of their own. It returns the
// damaged chunk nearest the start, or nil; reading stops at the first
// damage found, every chunk before it being checked by then.
func (c *Case) hashChunks(ctx context.Context, ar *ArtefactReader, whole io.Writer, r *Report, progress func(int64), checked map[Digest]bool) *chunkFault {
	var fs faults
	if whole == nil {
		c.hashChunksUnordered(ctx, ar, &fs, r, progress, checked)
	} else {
		c.hashChunksInOrder(ctx, ar, whole, &fs, r, progress, checked)
	}
	return fs.first
}

func (c *Case) hashChunksUnordered(ctx context.Context, ar *ArtefactReader, fs *faults, r *Report, progress func(int64), checked map[Digest]bool) {
	workers := runtime.GOMAXPROCS(0)
	if p, ok := c.chunks.(ParallelReader); ok {
		workers = max(workers, p.ReadParallelism())
	}
	var (
		next   atomic.Int64
		read   = make([]bool, len(ar.chunks)) // by index: each written by one worker
		mu     sync.Mutex                     // serialises progress and r.Bytes
		hashed int64
	)
	var wg sync.WaitGroup
	for range min(workers, len(ar.chunks)) {
		wg.Go(func() {
			for !fs.stop.Load() && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(ar.chunks) {
					return
				}
				got, n, err := c.readHash(ar.chunks[i])
				read[i] = true
				if err != nil {
					fs.add(&chunkFault{i: i, sum: ar.chunks[i], err: err})
					return
				}
				fs.check(ar, i, got, n)
				mu.Lock()
				hashed += n
				if progress != nil {
					progress(n)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.Bytes += hashed
	for i, ok := range read {
		if ok {
			checked[Digest(ar.chunks[i])] = true
		}
	}
}

func (c *Case) hashChunksInOrder(ctx context.Context, ar *ArtefactReader, whole io.Writer, fs *faults, r *Report, progress func(int64), checked map[Digest]bool) {
	if p, ok := c.chunks.(Prefetcher); ok {
		defer p.Prefetch(ar.chunks)()
	}
	type job struct {
		i    int
		data []byte
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				fs.check(ar, j.i, sha256.Sum256(j.data), int64(len(j.data)))
			}
		})
	}
	content := make(chan []byte, 4)
	written := make(chan struct{})
	go func() {
		for data := range content {
			whole.Write(data)
		}
		close(written)
	}()
	for i, sum := range ar.chunks {
		if fs.stop.Load() || ctx.Err() != nil {
			break
		}
		data, err := c.chunks.Get(sum)
		checked[Digest(sum)] = true
		if err != nil {
			fs.add(&chunkFault{i: i, sum: sum, err: err})
			break
		}
		jobs <- job{i, data}
		content <- data
		r.Bytes += int64(len(data))
		if progress != nil {
			progress(int64(len(data)))
		}
	}
	close(jobs)
	wg.Wait()
	close(content)
	<-written
}

// recordClaims returns the distinct record_sha256 values the entries
// record for an artefact, each with the first entry recording it.
func recordClaims(a *IndexedArtefact) map[string]uint64 {
	out := map[string]uint64{}
	for _, in := range a.Ingests {
		if _, ok := out[in.RecordSHA256]; in.RecordSHA256 != "" && !ok {
			out[in.RecordSHA256] = in.Entry
		}
	}
	return out
}
