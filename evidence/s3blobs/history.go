package s3blobs

import (
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// HistoryReport says how the copy relates to every checkpoint the bucket
// kept: in a versioned bucket each publication leaves a version of the
// checkpoint object, and Object Lock keeps them from being deleted, so a
// log shortened or rewritten after one of them was published shows.
type HistoryReport struct {
	Versions int `json:"checkpoint_versions"`
	// Later counts the versions published after the one a copy was read
	// from (a server publishing while verify --from ran): not checked.
	Later    int      `json:"published_since,omitempty"`
	Smallest uint64   `json:"smallest_size,omitempty"`
	Largest  uint64   `json:"largest_size,omitempty"`
	Problems []string `json:"-"`
}

// CheckHistory checks every kept version of the checkpoint object against
// the log of c (a case directory, or the copy read from the bucket):
// signed with the case key, not larger than the log, and its root the
// root of the log's first entries.
//
// Publication goes on while this runs (a server publishes each commit).
// For a case directory, whose log only grows, the log's size is read after
// the versions are listed, so every version listed was published from a
// log no longer than it. A copy is fixed when read: readVersion names the
// version of the checkpoint it was read from, and the versions listed
// before it (a listing gives each key's versions newest first) were
// published since; they are counted in Later, not taken for entries
// removed. A version older than readVersion that is larger than the copy
// is what a rollback leaves, and is reported.
func (s *Store) CheckHistory(ctx context.Context, c *evidence.Case, readVersion string) (*HistoryReport, error) {
	hr := &HistoryReport{}
	v := c.Verifier()
	key := s.cfg.key(checkpointRel)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var versions []string
	for o := range s.c.ListObjects(lctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("listing the versions of %s/%s: %w", s.cfg.URL(), checkpointRel, o.Err)
		}
		if o.Key == key && !o.IsDeleteMarker {
			versions = append(versions, o.VersionID)
		}
	}
	size := c.Log().Size()
	for i, id := range versions {
		if id == readVersion && readVersion != "" {
			hr.Later = i
			versions = versions[i:]
			break
		}
	}
	for _, id := range versions {
		where := fmt.Sprintf("%s/%s version %s", s.cfg.URL(), checkpointRel, id)
		msg, err := s.getVersion(ctx, key, id)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		ck, err := evidence.OpenCheckpoint(msg, v)
		if err != nil {
			hr.Problems = append(hr.Problems, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		hr.Versions++
		if hr.Smallest == 0 || ck.Size < hr.Smallest {
			hr.Smallest = ck.Size
		}
		hr.Largest = max(hr.Largest, ck.Size)
		if ck.Size > size {
			hr.Problems = append(hr.Problems, fmt.Sprintf("%s: signed for %d entries, but the log has %d: entries %d to %d were removed", where, ck.Size, size, size, ck.Size-1))
			continue
		}
		root, err := tlog.TreeHash(int64(ck.Size), c.TreeHashes())
		if err != nil {
			hr.Problems = append(hr.Problems, fmt.Sprintf("%s: no root for its %d entries: %v", where, ck.Size, err))
			continue
		}
		if root != ck.Root {
			hr.Problems = append(hr.Problems, fmt.Sprintf("%s: the first %d entries of the log no longer hash to its root: the log was rewritten (a fork) after it was published", where, ck.Size))
		}
	}
	return hr, nil
}

func (s *Store) getVersion(ctx context.Context, key, id string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	o, err := s.c.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{VersionID: id})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(io.LimitReader(o, 64<<10))
}
