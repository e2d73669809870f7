package s3blobs

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// HoldCount says how many object versions of the case are under legal hold.
type HoldCount struct {
	Objects int `json:"objects"` // object versions under the prefix
	Held    int `json:"held"`    // of which under legal hold
}

// objectVersion is one stored version of one object.
type objectVersion struct{ key, version string }

// versions lists every version of every object under the prefix (a
// tampered object keeps its earlier versions in a versioned bucket: they
// are the case's objects too). Delete markers have no data to hold.
func (s *Store) versions(ctx context.Context) ([]objectVersion, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []objectVersion
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.key(""), Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.cfg.URL(), o.Err)
		}
		if !o.IsDeleteMarker {
			out = append(out, objectVersion{o.Key, o.VersionID})
		}
	}
	return out, nil
}

// SetLegalHold applies (on) or lifts a legal hold on every version of
// every object of the case, several at a time, and returns how many. New
// objects are written with the hold when the Config says so (LegalHold).
func (s *Store) SetLegalHold(ctx context.Context, on bool) (int, error) {
	if !s.locked {
		return 0, fmt.Errorf("bucket %s has no Object Lock: it cannot hold objects", s.cfg.Bucket)
	}
	status := minio.LegalHoldDisabled
	if on {
		status = minio.LegalHoldEnabled
	}
	return s.eachVersion(ctx, func(ctx context.Context, v objectVersion) error {
		err := s.c.PutObjectLegalHold(ctx, s.cfg.Bucket, v.key, minio.PutObjectLegalHoldOptions{VersionID: v.version, Status: &status})
		if err != nil {
			return fmt.Errorf("legal hold on %s (version %s): %w", v.key, v.version, err)
		}
		return nil
	})
}

// eachVersion calls fn for every version of every object of the case,
// several at a time, each call with its own timeout, and returns how many
// versions there were.
func (s *Store) eachVersion(ctx context.Context, fn func(context.Context, objectVersion) error) (int, error) {
	vs, err := s.versions(ctx)
	if err != nil {
		return 0, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(putParallel)
	for _, v := range vs {
		g.Go(func() error {
			cctx, cancel := context.WithTimeout(gctx, opTimeout)
			defer cancel()
			return fn(cctx, v)
		})
	}
	return len(vs), g.Wait()
}

// LegalHolds counts the object versions of the case under legal hold.
func (s *Store) LegalHolds(ctx context.Context) (HoldCount, error) {
	var hc HoldCount
	if !s.locked {
		return hc, nil
	}
	var held atomic.Int64
	n, err := s.eachVersion(ctx, func(ctx context.Context, v objectVersion) error {
		st, err := s.c.GetObjectLegalHold(ctx, s.cfg.Bucket, v.key, minio.GetObjectLegalHoldOptions{VersionID: v.version})
		if err != nil {
			if r := minio.ToErrorResponse(err); r.Code == "NoSuchObjectLockConfiguration" || r.Code == "ObjectLockConfigurationNotFoundError" {
				return nil // never held
			}
			return fmt.Errorf("legal hold of %s (version %s): %w", v.key, v.version, err)
		}
		if st != nil && *st == minio.LegalHoldEnabled {
			held.Add(1)
		}
		return nil
	})
	hc.Objects, hc.Held = n, int(held.Load())
	return hc, err
}
