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

// hashChunks reads the chunks of ar in order and checks each against its
// name (and its length against the record) on every core: one reader, as
// many hashers as cores. With whole set, the bytes are also written to it
// in order (the whole-content digests, on a core of their own). It returns
// the damaged chunk nearest the start, or nil; reading stops at the first
// damage found, and every chunk before it is checked by then.
func (c *Case) hashChunks(ctx context.Context, ar *ArtefactReader, whole io.Writer, r *Report, progress func(int64), checked map[Digest]bool) *chunkFault {
	if p, ok := c.chunks.(Prefetcher); ok {
		defer p.Prefetch(ar.chunks)()
	}
	type job struct {
		i    int
		data []byte
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, 2*workers)
	var (
		mu    sync.Mutex
		first *chunkFault
		stop  atomic.Bool
	)
	fault := func(f *chunkFault) {
		mu.Lock()
		if first == nil || f.i < first.i {
			first = f
		}
		mu.Unlock()
		stop.Store(true)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				sum := ar.chunks[j.i]
				if sha256.Sum256(j.data) != sum {
					fault(&chunkFault{i: j.i, sum: sum, err: errChunkHash})
				} else if want := ar.chunkLen(j.i); len(j.data) != want {
					fault(&chunkFault{i: j.i, sum: sum, length: true,
						err: fmt.Errorf("%d bytes where the record's sizes say %d", len(j.data), want)})
				}
			}
		})
	}
	var content chan []byte
	hashed := make(chan struct{})
	if whole != nil {
		content = make(chan []byte, 4)
		go func() {
			for data := range content {
				whole.Write(data)
			}
			close(hashed)
		}()
	} else {
		close(hashed)
	}
	for i, sum := range ar.chunks {
		if stop.Load() || ctx.Err() != nil {
			break
		}
		data, err := c.chunks.Get(sum)
		checked[Digest(sum)] = true
		if err != nil {
			fault(&chunkFault{i: i, sum: sum, err: err})
			break
		}
		jobs <- job{i, data}
		if content != nil {
			content <- data
		}
		r.Bytes += int64(len(data))
		if progress != nil {
			progress(int64(len(data)))
		}
	}
	close(jobs)
	wg.Wait()
	if content != nil {
		close(content)
	}
	<-hashed
	return first
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
