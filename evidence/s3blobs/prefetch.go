package s3blobs

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/casefile/casefile/evidence"
)

// readAhead is how many chunks are fetched ahead of a sequential reader:
// enough requests in flight to hide the latency of each, at 1 MiB a chunk.
const readAhead = 16

// prefetcher fetches one announced sequence of chunks ahead of the reader.
// Get takes the next fetched chunk when it is the one asked for; any other
// read goes to the bucket directly, so a reader that skips still gets the
// right bytes.
type prefetcher struct {
	get func(context.Context, [32]byte) ([]byte, error)

	mu  sync.Mutex
	cur *readahead
}

type readahead struct {
	sums   [][32]byte
	fut    []future
	next   int
	slots  chan struct{}
	cancel context.CancelFunc
}

type future struct {
	done chan struct{}
	data []byte
	err  error
}

func (p *prefetcher) start(sums [][32]byte) func() {
	ctx, cancel := context.WithCancel(context.Background())
	ra := &readahead{sums: sums, fut: make([]future, len(sums)), slots: make(chan struct{}, readAhead), cancel: cancel}
	for i := range ra.fut {
		ra.fut[i].done = make(chan struct{})
	}
	p.mu.Lock()
	if p.cur != nil {
		p.cur.cancel()
	}
	p.cur = ra
	p.mu.Unlock()
	go func() {
		for i, sum := range sums {
			select {
			case ra.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				f := &ra.fut[i]
				f.data, f.err = p.get(ctx, sum)
				close(f.done)
			}()
		}
	}()
	return func() {
		cancel()
		p.mu.Lock()
		if p.cur == ra {
			p.cur = nil
		}
		p.mu.Unlock()
	}
}

// take returns the chunk fetched ahead for sum, if it is the next one.
func (p *prefetcher) take(sum [32]byte) ([]byte, error, bool) {
	p.mu.Lock()
	ra := p.cur
	if ra == nil || ra.next >= len(ra.sums) || ra.sums[ra.next] != sum {
		p.mu.Unlock()
		return nil, nil, false
	}
	f := &ra.fut[ra.next]
	ra.next++
	p.mu.Unlock()
	<-f.done
	data, err := f.data, f.err
	f.data = nil
	<-ra.slots
	return data, err, true
}

// ReadParallelism is how many chunks a reader that needs no order keeps
// in flight: as many as the read-ahead.
func (s *Store) ReadParallelism() int { return readAhead }

var _ evidence.ParallelReader = (*Store)(nil)

// StreamChunk copies chunk sum from the bucket (or from memory while it
// uploads) to w, with no buffer of the chunk's size.
func (s *Store) StreamChunk(sum [32]byte, w io.Writer) (int64, error) {
	s.up.mu.Lock()
	data, ok := s.up.pending[sum]
	s.up.mu.Unlock()
	if ok {
		n, err := w.Write(data)
		return int64(n), err
	}
	const limit = 64 << 20
	rel := chunkRel(sum)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	o, err := s.c.GetObject(ctx, s.cfg.Bucket, s.cfg.key(rel), minio.GetObjectOptions{})
	if err != nil {
		return 0, s.objectErr(rel, err)
	}
	defer o.Close()
	n, err := io.Copy(w, io.LimitReader(o, limit+1))
	if err != nil {
		return n, s.objectErr(rel, err)
	}
	if n > limit {
		return n, fmt.Errorf("%s/%s: more than the %d bytes expected", s.cfg.URL(), rel, limit)
	}
	return n, nil
}

var _ evidence.ChunkStreamer = (*Store)(nil)
