package evidence

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// ChunkSize is the size of the pieces artefact bytes are stored in. The last
// chunk of an artefact may be shorter.
const ChunkSize = 1 << 20

// pageHashes is how many chunk hashes one chunk-list page holds. Pages are
// stored as chunks themselves (content-addressed), so an artefact record
// stays small whatever the artefact's size.
const pageHashes = 1024

// artefactRecord is stored under a/<sha256>. It is written in the same
// atomic batch as the first artefact.ingested entry that names it.
type artefactRecord struct {
	Size      int64    `json:"size"`
	ChunkSize int      `json:"chunk_size"`
	Chunks    int64    `json:"chunks"`
	Pages     []string `json:"pages"` // hex SHA-256 of each chunk-list page, in order
}

// Digest is a content hash written "sha256:<hex>".
type Digest [32]byte

func (d Digest) String() string { return "sha256:" + hex.EncodeToString(d[:]) }

// Hex is the bare hex form.
func (d Digest) Hex() string { return hex.EncodeToString(d[:]) }

// ParseDigest accepts "sha256:<hex>" or bare hex.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	s = strings.TrimPrefix(s, "sha256:")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("not a SHA-256: %q", truncate(s, 80))
	}
	copy(d[:], b)
	return d, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// contentSums are the hashes of one artefact's bytes.
type contentSums struct {
	sha256 Digest
	md5    string // hex, when asked for
	sha1   string
	size   int64
	pages  []string
	chunks int64
}

// storeContent streams r into chunks, hashing it once: the whole-content
// SHA-256, each chunk's SHA-256 and, with legacy, MD5 and SHA-1 run in
// parallel goroutines over the same buffers. Memory stays at a few chunks.
// Chunks are made durable before storeContent returns. When it fails, the
// chunks it put are given back (Discarder), so that a failed or rejected
// ingest leaves no bytes behind.
func storeContent(ch Chunks, r io.Reader, legacy bool, progress func(int64)) (*contentSums, error) {
	d, discards := ch.(Discarder)
	var put [][32]byte
	sums, err := storeContentPut(ch, r, legacy, progress, discards, &put)
	if err != nil && discards {
		if derr := d.Discard(put); derr != nil {
			err = fmt.Errorf("%w (and removing its chunks failed: %v)", err, derr)
		}
	}
	return sums, err
}

func storeContentPut(ch Chunks, r io.Reader, legacy bool, progress func(int64), counted bool, put *[][32]byte) (*contentSums, error) {
	const nbuf = 4
	type piece struct {
		data []byte
		refs atomic.Int32
	}
	free := make(chan *piece, nbuf)
	for range nbuf {
		free <- &piece{data: make([]byte, ChunkSize)}
	}
	release := func(p *piece) {
		if p.refs.Add(-1) == 0 {
			p.data = p.data[:cap(p.data)]
			free <- p
		}
	}

	sums := &contentSums{}
	whole := sha256.New()
	hashers := []hash.Hash{whole}
	if legacy {
		hashers = append(hashers, md5.New(), sha1.New())
	}
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	failed := func() bool {
		errMu.Lock()
		defer errMu.Unlock()
		return firstErr != nil
	}
	var chans []chan *piece
	for _, h := range hashers {
		ch := make(chan *piece, nbuf)
		chans = append(chans, ch)
		wg.Go(func() {
			for p := range ch {
				h.Write(p.data)
				release(p)
			}
		})
	}
	// The chunk writer hashes each chunk, stores it (Put skips one already
	// stored), and collects chunk hashes into list pages.
	var page []byte
	writeChunk := func(data []byte) ([32]byte, error) {
		sum := sha256.Sum256(data)
		err := ch.Put(sum, data)   // Put skips a stored chunk itself
		if err == nil && counted { // every Put counts, so Discard can give it back
			*put = append(*put, sum)
		}
		return sum, err
	}
	chunkCh := make(chan *piece, nbuf)
	chans = append(chans, chunkCh)
	wg.Go(func() {
		for p := range chunkCh {
			if !failed() {
				sum, err := writeChunk(p.data)
				if err != nil {
					fail(fmt.Errorf("store chunk: %w", err))
				}
				page = append(page, sum[:]...)
				sums.chunks++
				if len(page) == pageHashes*32 {
					ps, err := writeChunk(page)
					if err != nil {
						fail(fmt.Errorf("store chunk list: %w", err))
					}
					sums.pages = append(sums.pages, hex.EncodeToString(ps[:]))
					page = page[:0]
				}
			}
			release(p)
		}
	})

	var readErr error
	for {
		p := <-free
		n, err := io.ReadFull(r, p.data)
		if n > 0 {
			p.data = p.data[:n]
			sums.size += int64(n)
			p.refs.Store(int32(len(chans)))
			for _, ch := range chans {
				ch <- p
			}
			if progress != nil {
				progress(int64(n))
			}
		} else {
			free <- p
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if failed() {
			break
		}
	}
	for _, ch := range chans {
		close(ch)
	}
	wg.Wait()
	if readErr != nil {
		return nil, fmt.Errorf("read: %w", readErr)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if len(page) > 0 || len(sums.pages) == 0 {
		ps, err := writeChunk(page)
		if err != nil {
			return nil, fmt.Errorf("store chunk list: %w", err)
		}
		sums.pages = append(sums.pages, hex.EncodeToString(ps[:]))
	}
	copy(sums.sha256[:], whole.Sum(nil))
	if legacy {
		sums.md5 = hex.EncodeToString(hashers[1].Sum(nil))
		sums.sha1 = hex.EncodeToString(hashers[2].Sum(nil))
	}
	if err := ch.Sync(); err != nil { // make the chunks durable before any entry names them
		return nil, fmt.Errorf("sync chunks: %w", err)
	}
	return sums, nil
}

func (s *contentSums) record() artefactRecord {
	return artefactRecord{Size: s.size, ChunkSize: ChunkSize, Chunks: s.chunks, Pages: s.pages}
}

func readRecord(b Backend, d Digest) (*artefactRecord, error) {
	raw, err := b.Get(hashKey(prefixArtefact, d))
	if err != nil {
		return nil, err
	}
	return parseRecord(d, raw)
}

// parseRecord reads the stored record of artefact d and checks that its
// sizes and counts agree with one another.
func parseRecord(d Digest, raw []byte) (*artefactRecord, error) {
	var rec artefactRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("artefact record %s: %w", d, err)
	}
	if rec.ChunkSize <= 0 || rec.ChunkSize > 64<<20 || rec.Size < 0 || rec.Chunks < 0 ||
		rec.Chunks != (rec.Size+int64(rec.ChunkSize)-1)/int64(rec.ChunkSize) ||
		int64(len(rec.Pages)) != max(1, (rec.Chunks+pageHashes-1)/pageHashes) {
		return nil, fmt.Errorf("artefact record %s: inconsistent sizes", d)
	}
	return &rec, nil
}

// ArtefactReader reads a stored artefact's bytes. It is an io.ReadSeeker and
// an io.ReaderAt; it checks each chunk's hash as it reads it.
type ArtefactReader struct {
	ch     Chunks
	digest Digest
	rec    *artefactRecord
	chunks [][32]byte
	off    int64

	mu       sync.Mutex // guards the one-chunk cache
	cacheIdx int64
	cache    []byte
}

// OpenArtefact returns a reader over the artefact with SHA-256 d.
func (c *Case) OpenArtefact(d Digest) (*ArtefactReader, error) {
	return c.openArtefact(d)
}

func (c *Case) openArtefact(d Digest) (*ArtefactReader, error) {
	rec, err := readRecord(c.b, d)
	if err != nil {
		return nil, err
	}
	return c.artefactReader(d, rec)
}

// artefactReader reads the chunk-list pages of rec (each checked against
// its hash) into a reader over artefact d.
func (c *Case) artefactReader(d Digest, rec *artefactRecord) (*ArtefactReader, error) {
	ar := &ArtefactReader{ch: c.chunks, digest: d, rec: rec}
	for i, ph := range rec.Pages {
		ps, err := ParseDigest(ph)
		if err != nil {
			return nil, fmt.Errorf("artefact %s page %d: %w", d, i, err)
		}
		page, err := readChunk(c.chunks, ps)
		if err != nil {
			return nil, fmt.Errorf("artefact %s chunk list page %d: %w", d, i, err)
		}
		if len(page)%32 != 0 {
			return nil, fmt.Errorf("artefact %s chunk list page %d: bad length", d, i)
		}
		for j := 0; j < len(page); j += 32 {
			ar.chunks = append(ar.chunks, [32]byte(page[j:j+32]))
		}
	}
	if int64(len(ar.chunks)) != rec.Chunks {
		return nil, fmt.Errorf("artefact %s: chunk list has %d chunks, record says %d", d, len(ar.chunks), rec.Chunks)
	}
	return ar, nil
}

// ChunkError reports a stored chunk whose bytes do not match its hash.
type ChunkError struct {
	Chunk Digest
	Err   error
}

func (e *ChunkError) Error() string { return fmt.Sprintf("chunk %s: %v", e.Chunk, e.Err) }
func (e *ChunkError) Unwrap() error { return e.Err }

var errChunkHash = errors.New("content does not match its hash")

func readChunk(ch Chunks, sum [32]byte) ([]byte, error) {
	data, err := ch.Get(sum)
	if err != nil {
		return nil, &ChunkError{Digest(sum), err}
	}
	if sha256.Sum256(data) != sum {
		return nil, &ChunkError{Digest(sum), errChunkHash}
	}
	return data, nil
}

// chunkLen is the length chunk i must have by the record's sizes.
func (r *ArtefactReader) chunkLen(i int) int {
	cs := int64(r.rec.ChunkSize)
	return int(min(cs, r.rec.Size-int64(i)*cs))
}

// Size is the artefact's length in bytes.
func (r *ArtefactReader) Size() int64 { return r.rec.Size }

// Digest is the artefact's SHA-256.
func (r *ArtefactReader) Digest() Digest { return r.digest }

// ReadAt implements io.ReaderAt.
func (r *ArtefactReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	cs := int64(r.rec.ChunkSize)
	for n < len(p) {
		if off >= r.rec.Size {
			return n, io.EOF
		}
		i := off / cs
		data, err := r.chunk(i)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], data[off-i*cs:])
		n += k
		off += int64(k)
	}
	return n, nil
}

func (r *ArtefactReader) chunk(i int64) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cache != nil && r.cacheIdx == i {
		return r.cache, nil
	}
	data, err := readChunk(r.ch, r.chunks[i])
	if err != nil {
		return nil, err
	}
	r.cacheIdx, r.cache = i, data
	return data, nil
}

// Read implements io.Reader.
func (r *ArtefactReader) Read(p []byte) (int, error) {
	if r.off >= r.rec.Size {
		return 0, io.EOF
	}
	// Read at most to the end of the current chunk, so one call reads one chunk.
	cs := int64(r.rec.ChunkSize)
	end := min(r.rec.Size, (r.off/cs+1)*cs)
	if int64(len(p)) > end-r.off {
		p = p[:end-r.off]
	}
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker.
func (r *ArtefactReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.rec.Size
	default:
		return 0, errors.New("bad whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	r.off = offset
	return offset, nil
}
