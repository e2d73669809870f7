package s3blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/casefile/casefile/evidence"
)

// Store keeps chunks as objects chunks/<sha256 hex> under the prefix. It
// implements evidence.Chunks. Put copies the chunk and uploads it in the
// background, several at a time, so that an ingest is not bound by one
// request's latency; Sync waits for every upload and reports the first
// that failed. A chunk put by an ingest that then failed stays in the
// bucket: locked objects cannot be taken back, and verify counts such
// chunks without an artefact naming them.
type Store struct {
	cfg    Config
	c      *minio.Client
	locked bool
	pf     prefetcher
	up     uploads
	pub    sync.Mutex // one Publish at a time
}

// uploads are the chunks Put and not yet acknowledged by the server.
type uploads struct {
	slots   chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	pending map[[32]byte][]byte
	err     error
}

// Open connects to the bucket and checks that it has Object Lock enabled
// (or that cfg allows a bucket without it).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	locked, err := lockState(ctx, c, cfg.Bucket)
	if err != nil {
		return nil, err
	}
	if !locked && !cfg.AllowUnlocked {
		return nil, fmt.Errorf("bucket %s has no Object Lock: its objects could be overwritten or deleted; use a bucket created with Object Lock, or accept this with --allow-unlocked", cfg.Bucket)
	}
	s := &Store{cfg: cfg, c: c, locked: locked}
	s.up.slots = make(chan struct{}, putParallel*2)
	s.up.pending = map[[32]byte][]byte{}
	s.pf.get = s.fetchCtx
	return s, nil
}

// Config returns the store's configuration.
func (s *Store) Config() Config { return s.cfg }

// Locked reports whether the bucket has Object Lock enabled.
func (s *Store) Locked() bool { return s.locked }

// Client is the S3 client (for tests and benchmarks that compare against
// plain requests with the same client).
func (s *Store) Client() *minio.Client { return s.c }

func chunkRel(sum [32]byte) string { return "chunks/" + hex.EncodeToString(sum[:]) }

// putOptions are the lock settings every object of the case is written with.
func (s *Store) putOptions(sum [32]byte) minio.PutObjectOptions {
	o := minio.PutObjectOptions{
		// The server recomputes the SHA-256 and refuses a torn or altered upload.
		UserMetadata:     map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum[:])},
		DisableMultipart: true,
		// The checksum header above already makes the server check the
		// bytes: the client need not hash them again to sign the request.
		DisableContentSha256: true,
	}
	if s.cfg.Retention != "" {
		o.Mode = minio.RetentionMode(s.cfg.Retention)
		o.RetainUntilDate = s.cfg.retainUntil(time.Now())
	}
	if s.cfg.LegalHold {
		o.LegalHold = minio.LegalHoldEnabled
	}
	return o
}

// putObject writes rel with data, locked as configured.
func (s *Store) putObject(ctx context.Context, rel string, data []byte) error {
	return s.putSum(ctx, rel, data, sha256.Sum256(data))
}

// putSum writes rel with data whose SHA-256 the caller knows (a chunk's
// is its name): the server checks it, and the bytes are not hashed again
// here (ingest already hashes each byte twice, for the chunk and for the
// artefact).
func (s *Store) putSum(ctx context.Context, rel string, data []byte, sum [32]byte) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.c.PutObject(ctx, s.cfg.Bucket, s.cfg.key(rel), bytes.NewReader(data), int64(len(data)), s.putOptions(sum))
	if err != nil {
		return fmt.Errorf("%s/%s: %w", s.cfg.URL(), rel, err)
	}
	return nil
}

// getObject reads rel whole; errors wrap evidence.ErrNotFound when absent.
func (s *Store) getObject(ctx context.Context, rel string, limit int64) ([]byte, error) {
	data, _, err := s.getObjectVersion(ctx, rel, limit)
	return data, err
}

// getObjectVersion is getObject that also returns the version read.
func (s *Store) getObjectVersion(ctx context.Context, rel string, limit int64) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	o, err := s.c.GetObject(ctx, s.cfg.Bucket, s.cfg.key(rel), minio.GetObjectOptions{})
	if err != nil {
		return nil, "", s.objectErr(rel, err)
	}
	defer o.Close()
	// The response's length sizes the buffer once (Stat reads the headers
	// of the GET, it sends no request of its own).
	info, err := o.Stat()
	if err != nil {
		return nil, "", s.objectErr(rel, err)
	}
	if info.Size > limit || info.Size < 0 {
		return nil, "", fmt.Errorf("%s/%s: %d bytes, more than the %d expected", s.cfg.URL(), rel, info.Size, limit)
	}
	data := make([]byte, info.Size)
	if _, err := io.ReadFull(o, data); err != nil {
		return nil, "", s.objectErr(rel, err)
	}
	// Reading up to the end lets the connection serve the next request.
	if n, _ := io.ReadFull(o, make([]byte, 1)); n != 0 {
		return nil, "", fmt.Errorf("%s/%s: longer than its length says", s.cfg.URL(), rel)
	}
	return data, info.VersionID, nil
}

func (s *Store) objectErr(rel string, err error) error {
	if notFound(err) {
		return fmt.Errorf("%s/%s: %w", s.cfg.URL(), rel, evidence.ErrNotFound)
	}
	return fmt.Errorf("%s/%s: %w", s.cfg.URL(), rel, err)
}

// exists reports whether rel is stored.
func (s *Store) exists(ctx context.Context, rel string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.c.StatObject(ctx, s.cfg.Bucket, s.cfg.key(rel), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, s.objectErr(rel, err)
}

// Put stores a chunk unless it is stored already (a locked object cannot
// be rewritten, and content addressing makes it the same bytes). It only
// copies the chunk: asking the bucket whether the chunk is there, then
// uploading it, runs in the background, so that the ingest hashing the
// next chunks does not wait a round trip per chunk for the answer (it
// did, and under load that wait was most of an ingest's time); Sync waits
// for both.
func (s *Store) Put(sum [32]byte, data []byte) error {
	u := &s.up
	own := bytes.Clone(data)
	u.mu.Lock()
	_, busy := u.pending[sum]
	err := u.err
	if !busy && err == nil {
		u.pending[sum] = own
	}
	u.mu.Unlock()
	if busy || err != nil {
		return err
	}
	u.slots <- struct{}{}
	u.wg.Go(func() {
		err := s.upload(sum, own)
		u.mu.Lock()
		delete(u.pending, sum)
		if err != nil && u.err == nil {
			u.err = fmt.Errorf("store chunk: %w", err)
		}
		u.mu.Unlock()
		<-u.slots
	})
	return nil
}

// upload writes a chunk's object unless the bucket holds it already.
func (s *Store) upload(sum [32]byte, data []byte) error {
	if ok, err := s.exists(context.Background(), chunkRel(sum)); err != nil || ok {
		return err
	}
	return s.putSum(context.Background(), chunkRel(sum), data, sum)
}

// Get reads a chunk: one still uploading from memory, one announced by
// Prefetch from the read-ahead, any other from the bucket.
func (s *Store) Get(sum [32]byte) ([]byte, error) {
	s.up.mu.Lock()
	data, ok := s.up.pending[sum]
	s.up.mu.Unlock()
	if ok {
		return bytes.Clone(data), nil
	}
	if data, err, ok := s.pf.take(sum); ok {
		return data, err
	}
	return s.fetch(sum)
}

func (s *Store) fetch(sum [32]byte) ([]byte, error) { return s.fetchCtx(context.Background(), sum) }

func (s *Store) fetchCtx(ctx context.Context, sum [32]byte) ([]byte, error) {
	return s.getObject(ctx, chunkRel(sum), 64<<20)
}

// Has reports whether a chunk is stored (or being uploaded).
func (s *Store) Has(sum [32]byte) (bool, error) {
	s.up.mu.Lock()
	_, busy := s.up.pending[sum]
	s.up.mu.Unlock()
	if busy {
		return true, nil
	}
	return s.exists(context.Background(), chunkRel(sum))
}

// Sync waits for every upload started by Put and returns the first error
// (then forgotten: a later ingest starts afresh).
func (s *Store) Sync() error {
	s.up.wg.Wait()
	s.up.mu.Lock()
	defer s.up.mu.Unlock()
	err := s.up.err
	s.up.err = nil
	return err
}

// Each lists every chunk object.
func (s *Store) Each(fn func(sum [32]byte) error) error {
	return s.each(context.Background(), "chunks/", func(name string) error {
		b, err := hex.DecodeString(name)
		if err != nil || len(b) != 32 {
			return fmt.Errorf("%s/chunks/%s: not a chunk name", s.cfg.URL(), name)
		}
		return fn([32]byte(b))
	})
}

// each calls fn with the name (relative to dir) of every object under dir.
func (s *Store) each(ctx context.Context, dir string, fn func(name string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := s.cfg.key(dir)
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("listing %s/%s: %w", s.cfg.URL(), dir, o.Err)
		}
		if err := fn(strings.TrimPrefix(o.Key, full)); err != nil {
			return err
		}
	}
	return nil
}

// Prefetch starts reading the chunks a reader is about to Get, in order,
// several at a time, so that a sequential reader (verify re-hashing an
// artefact) is not bound by one request's latency. stop releases what was
// not taken.
func (s *Store) Prefetch(sums [][32]byte) (stop func()) { return s.pf.start(sums) }

var _ evidence.Chunks = (*Store)(nil)
var _ evidence.Prefetcher = (*Store)(nil)

// CheckUnused refuses a prefix that already holds objects: a new case
// never shares its objects with another (content addressing would make it
// look complete, and the published log would not be its own).
func (s *Store) CheckUnused(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	o, ok := <-s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.key(""), Recursive: true, MaxKeys: 1})
	switch {
	case !ok:
		return nil
	case o.Err != nil:
		return fmt.Errorf("listing %s: %w", s.cfg.URL(), o.Err)
	}
	return fmt.Errorf("%s already holds objects (%s): give each case a prefix of its own", s.cfg.URL(), strings.TrimPrefix(o.Key, s.cfg.key("")))
}
