package s3blobs

import (
	"context"
	"errors"
	"fmt"
	"os"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
)

// maxTile bounds one tile or entry bundle read: 256 entries of at most
// 64 KiB each (tlog-tiles' entry length is 16 bits).
const maxTile = 256 * (2 + 0xFFFF)

// Copy is the case as published in the bucket, read back into a
// temporary store on disk and opened with the bucket's chunks: Verify
// checks it with the same code as a case directory. Close removes it.
type Copy struct {
	*evidence.Case
	Store      *Store
	Checkpoint evidence.Checkpoint
	// CheckpointVersion is the version of the checkpoint object read
	// (empty in a bucket without versioning): CheckHistory takes the
	// versions published after it for what they are.
	CheckpointVersion string
	dir               string
}

// Close closes the copy and removes its temporary store.
func (c *Copy) Close() error {
	err := c.Case.Close()
	if rerr := os.RemoveAll(c.dir); err == nil {
		err = rerr
	}
	return err
}

// ReadCopy reads the published case: the checkpoint, checked with the
// verifier that verifier returns for its origin line; every
// entry bundle, each entry's hash checked against the tiles and the tiles
// against the checkpoint's root (torchwood's tlog-tiles client); and the
// artefact records. Chunks stay in the bucket and are read as verified.
//
// The entries are streamed, bundle after bundle, into a Badger store in a
// temporary directory (under tmpDir, or the system's when empty), not kept
// in memory: a log of any length is read and verified in bounded memory.
func ReadCopy(ctx context.Context, st *Store, verifier func(origin string) (note.Verifier, error), tmpDir string) (_ *Copy, err error) {
	msg, version, err := st.getObjectVersion(ctx, checkpointRel, 64<<10)
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, fmt.Errorf("%s holds no published case (no %s object)", st.cfg.URL(), checkpointRel)
	}
	if err != nil {
		return nil, err
	}
	body, err := evidence.ParseTrustedCheckpointNote(msg)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", st.cfg.URL(), checkpointRel, err)
	}
	v, err := verifier(body.Origin)
	if err != nil {
		return nil, err
	}
	cp, err := evidence.OpenCheckpoint(msg, v)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", st.cfg.URL(), checkpointRel, err)
	}
	dir, err := os.MkdirTemp(tmpDir, "casefile-copy-")
	if err != nil {
		return nil, fmt.Errorf("a temporary directory for the copy of the log: %w", err)
	}
	b, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer func() {
		if err != nil {
			b.Close()
			os.RemoveAll(dir)
		}
	}()
	im, err := evidence.NewImporter(b)
	if err != nil {
		return nil, err
	}
	client, err := torchwood.NewClient(tileReader{st})
	if err != nil {
		return nil, err
	}
	tree := tlog.Tree{N: int64(cp.Size), Hash: cp.Root}
	next := int64(0)
	for next < tree.N {
		before := next
		for i, raw := range client.Entries(ctx, tree, next) {
			if i != next {
				return nil, fmt.Errorf("published log: entry %d came where %d was expected", i, next)
			}
			if err := im.Entry(raw); err != nil {
				return nil, err
			}
			next++
		}
		if err := client.Err(); err != nil {
			var re readError
			if errors.As(err, &re) {
				return nil, fmt.Errorf("published log at entry %d: %w", next, re.error)
			}
			return nil, fmt.Errorf("published log at entry %d: %w: the entry bundles or tiles under %s/tile/ do not match the signed checkpoint (changed or damaged)", next, err, st.cfg.URL())
		}
		if next == before {
			return nil, fmt.Errorf("published log: no entry bundle after entry %d of %d", next, tree.N)
		}
	}
	if err := st.readRecords(ctx, im); err != nil {
		return nil, err
	}
	if err := im.Finish(msg); err != nil {
		return nil, err
	}
	c, err := evidence.Open(b, evidence.Config{Verifier: v, Chunks: st})
	if err != nil {
		return nil, err
	}
	return &Copy{Case: c, Store: st, Checkpoint: cp, CheckpointVersion: version, dir: dir}, nil
}

// readRecords imports the published records of the artefacts that the
// imported entries name.
func (s *Store) readRecords(ctx context.Context, im *evidence.Importer) error {
	names, err := s.list(ctx, artefactsDir)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(putParallel)
	recs := make(chan func() error, len(names))
	for name := range names {
		d, err := evidence.ParseDigest(name)
		if err != nil {
			return fmt.Errorf("%s/%s%s: not an artefact record name", s.cfg.URL(), artefactsDir, name)
		}
		if !im.Named(d) {
			continue
		}
		g.Go(func() error {
			raw, err := s.getObject(gctx, artefactsDir+name, 1<<20)
			if err != nil {
				return err
			}
			recs <- func() error { return im.ArtefactRecord(d, raw) }
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	close(recs)
	for add := range recs {
		if err := add(); err != nil {
			return err
		}
	}
	return nil
}

// PublicKey reads the public key published beside the log.
func (s *Store) PublicKey(ctx context.Context) ([]byte, error) {
	return s.getObject(ctx, publicKeyRel, 64<<10)
}

// readError is a tile that could not be read (as opposed to one that does
// not match).
type readError struct{ error }

func (e readError) Unwrap() error { return e.error }

// tileReader reads tiles and entry bundles from the bucket for
// torchwood's client, several at a time.
type tileReader struct{ s *Store }

func (r tileReader) ReadTiles(ctx context.Context, tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(putParallel)
	for i, t := range tiles {
		g.Go(func() error {
			data, err := r.s.getObject(gctx, torchwood.TilePath(t), maxTile)
			out[i] = data
			if err != nil {
				return readError{err}
			}
			return nil
		})
	}
	return out, g.Wait()
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func (r tileReader) ReadEndpoint(ctx context.Context, path string) ([]byte, error) {
	return r.s.getObject(ctx, path, 64<<10)
}
