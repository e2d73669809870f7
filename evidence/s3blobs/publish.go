package s3blobs

import (
	"context"
	"errors"
	"fmt"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"github.com/casefile/casefile/evidence"
)

// Object names of the published log, beside chunks/ (see the package doc).
const (
	checkpointRel = "checkpoint"
	publicKeyRel  = "public-key.pem"
	artefactsDir  = "artefacts/"
)

// putParallel bounds the uploads of one publication.
const putParallel = 8

// PublishResult says what one publication wrote.
type PublishResult struct {
	From, To  uint64 // the bucket's log size before and after
	Objects   int    // tiles, entry bundles and records written
	Artefacts int    // artefact records written
}

// Publish brings the copy of the log in the bucket up to the case's
// latest checkpoint, in the C2SP tlog-tiles layout. It writes entry
// bundles, tiles and artefact records first and the checkpoint last, so a
// publication cut short leaves the bucket at its previous checkpoint,
// still complete; the next one writes what is missing (every object but
// the checkpoint has one possible content, and objects already there are
// left alone).
//
// Publications are serialized: a server publishes while it runs, and a
// command it runs for a client may publish too; two at once could leave
// the older checkpoint last. The size published is the checkpoint's own,
// read from it, so that appends made meanwhile wait for the next
// publication and the checkpoint never names entries not uploaded.
func (s *Store) Publish(ctx context.Context, c *evidence.Case, publicKeyPEM []byte) (*PublishResult, error) {
	s.pub.Lock()
	defer s.pub.Unlock()
	ckpt := c.Log().Checkpoint()
	if len(ckpt) == 0 {
		return &PublishResult{}, nil
	}
	body, err := evidence.ParseTrustedCheckpointNote(ckpt)
	if err != nil {
		return nil, fmt.Errorf("the case's latest checkpoint: %w", err)
	}
	size := body.Size
	old, err := s.publishedSize(ctx, c)
	if err != nil {
		return nil, err
	}
	res := &PublishResult{From: old, To: size}
	if old > size {
		return nil, fmt.Errorf("%s holds a log of %d entries, more than this case's %d: it is not a copy of this case, or the case lost entries", s.cfg.URL(), old, size)
	}
	if old == size {
		return res, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(putParallel)
	put := func(rel string, data []byte) {
		res.Objects++
		g.Go(func() error { return s.putIfAbsent(gctx, rel, data) })
	}
	if old == 0 {
		put(publicKeyRel, publicKeyPEM)
	}
	if err := s.publishBundles(c, old, size, put); err != nil {
		g.Wait()
		return nil, err
	}
	for _, t := range tlog.NewTiles(torchwood.TileHeight, int64(old), int64(size)) {
		data, err := tlog.ReadTileData(t, c.TreeHashes())
		if err != nil {
			g.Wait()
			return nil, fmt.Errorf("tile %s: %w", torchwood.TilePath(t), err)
		}
		put(torchwood.TilePath(t), data)
	}
	n, err := s.publishRecords(ctx, c, put)
	res.Artefacts = n
	if werr := g.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	beforeCheckpoint()
	// Last: the checkpoint makes the new tiles part of the published log.
	if err := s.putObject(ctx, checkpointRel, ckpt); err != nil {
		return nil, err
	}
	return res, nil
}

// publishedSize reads the size of the checkpoint in the bucket, checked
// with the case's key; 0 when there is none yet.
func (s *Store) publishedSize(ctx context.Context, c *evidence.Case) (uint64, error) {
	msg, err := s.getObject(ctx, checkpointRel, 64<<10)
	if errors.Is(err, evidence.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	cp, err := evidence.OpenCheckpoint(msg, c.Verifier())
	if err != nil {
		return 0, fmt.Errorf("%s/%s: %w (another case's copy, or tampered)", s.cfg.URL(), checkpointRel, err)
	}
	return cp.Size, nil
}

// publishBundles writes the entry bundles covering entries [old, size).
func (s *Store) publishBundles(c *evidence.Case, old, size uint64, put func(string, []byte)) error {
	const w = torchwood.TileWidth
	start := old / w * w // the partial bundle at old is rewritten longer
	var bundle []byte
	n := start
	err := c.Entries(start, func(e *evidence.Entry) error {
		if e.Index >= size {
			return errStop
		}
		var err error
		if bundle, err = torchwood.AppendTileEntry(bundle, e.Raw); err != nil {
			return fmt.Errorf("entry %d (%s) does not fit a tlog-tiles entry bundle: %w", e.Index, e.Kind, err)
		}
		n++
		if n%w == 0 || n == size {
			t := tlog.Tile{H: torchwood.TileHeight, L: -1, N: int64((n - 1) / w), W: int((n-1)%w) + 1}
			put(torchwood.TilePath(t), bundle)
			bundle = nil
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	if n != size {
		return fmt.Errorf("publishing entries: read up to entry %d of %d", n, size)
	}
	return nil
}

var errStop = errors.New("stop")

// beforeCheckpoint runs between the tiles and the checkpoint (tests kill
// the process there).
var beforeCheckpoint = func() {}

// publishRecords writes the artefact records not yet in the bucket.
func (s *Store) publishRecords(ctx context.Context, c *evidence.Case, put func(string, []byte)) (int, error) {
	have, err := s.list(ctx, artefactsDir)
	if err != nil {
		return 0, err
	}
	n := 0
	err = c.EachArtefact(func(d evidence.Digest) error {
		if have[d.Hex()] {
			return nil
		}
		raw, err := c.ArtefactRecordJSON(d)
		if err != nil {
			return fmt.Errorf("artefact record %s: %w", d, err)
		}
		n++
		put(artefactsDir+d.Hex(), raw)
		return nil
	})
	return n, err
}

// list returns the names of the objects under dir (relative to it).
func (s *Store) list(ctx context.Context, dir string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.each(ctx, dir, func(name string) error { out[name] = true; return nil })
	return out, err
}

// putIfAbsent writes rel unless an object is there already. A copy of
// what a publication cut short left is complete: uploads are checked
// against their SHA-256 by the server, so no torn object is stored.
func (s *Store) putIfAbsent(ctx context.Context, rel string, data []byte) error {
	ok, err := s.exists(ctx, rel)
	if err != nil || ok {
		return err
	}
	return s.putObject(ctx, rel, data)
}
