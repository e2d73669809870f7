package s3blobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/s3blobs/s3test"
)

// benchMiB is the artefact size of the S3 benchmarks: CASEFILE_S3_BENCH_MIB
// (default 256; the target is stated for 4096).
func benchMiB(b *testing.B) int {
	if v := os.Getenv("CASEFILE_S3_BENCH_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("CASEFILE_S3_BENCH_MIB=%q", v)
		}
		return n
	}
	return 256
}

// benchParallel is how many requests the baselines keep in flight: as
// many as the store's uploads and read-ahead.
const benchParallel = 16

// BenchmarkS3 measures, against one versitygw in one run, the ingest of
// an artefact into the bucket against plain parallel PutObject of the same
// bytes with the same client, and verify of the published copy (ReadCopy
// and Verify, as verify --from) against parallel GetObject and SHA-256 of
// the same objects. It reports the ratios (1 is as fast as the baseline).
func BenchmarkS3(b *testing.B) {
	mib := benchMiB(b)
	srv := s3test.Start(b)
	ctx := context.Background()
	var tIngest, tPut, tVerify, tGet time.Duration
	for i := 0; b.Loop(); i++ {
		bucket := fmt.Sprintf("bench%d", i)
		h := newCase(b, srv, bucket, true, nil)
		client := h.Blobs.Client()
		src := func() io.Reader { return io.LimitReader(mathrand.NewChaCha8([32]byte{byte(i)}), int64(mib)<<20) }

		// Baseline: the same bytes, 1 MiB objects, benchParallel PUTs at a time.
		start := time.Now()
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(benchParallel)
		r := src()
		for n := 0; ; n++ {
			buf := make([]byte, evidence.ChunkSize)
			k, err := io.ReadFull(r, buf)
			if k == 0 {
				break
			}
			g.Go(func() error {
				_, err := client.PutObject(gctx, bucket, fmt.Sprintf("plain/%d", n), bytes.NewReader(buf[:k]), int64(k), minio.PutObjectOptions{})
				return err
			})
			if err != nil {
				break
			}
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		tPut += time.Since(start)

		start = time.Now()
		if _, err := h.Ingest(ctx, src(), evidence.ArtefactMeta{Name: "bench.bin"}, evidence.IngestOptions{Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
		tIngest += time.Since(start)
		if _, err := h.PublishBlobs(ctx); err != nil {
			b.Fatal(err)
		}

		// Baseline: GET and SHA-256 every plain object, benchParallel at a time.
		start = time.Now()
		g, gctx = errgroup.WithContext(ctx)
		g.SetLimit(benchParallel)
		for o := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "plain/", Recursive: true}) {
			g.Go(func() error {
				obj, err := client.GetObject(gctx, bucket, o.Key, minio.GetObjectOptions{})
				if err != nil {
					return err
				}
				defer obj.Close()
				hh := sha256.New()
				_, err = io.Copy(hh, obj)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		tGet += time.Since(start)

		start = time.Now()
		cp := readCopy(b, h)
		rep, err := cp.Verify(ctx, evidence.VerifyOptions{})
		if err != nil || !rep.OK || rep.Bytes != int64(mib)<<20 {
			b.Fatalf("verify of the copy: %v %+v", err, rep)
		}
		tVerify += time.Since(start)
		cp.Close()
		h.Close()
	}
	mb := float64(mib) * float64(b.N) * 1.048576
	b.ReportMetric(mb/tIngest.Seconds(), "ingest-MB/s")
	b.ReportMetric(mb/tPut.Seconds(), "put-MB/s")
	b.ReportMetric(tPut.Seconds()/tIngest.Seconds(), "ingest/put")
	b.ReportMetric(mb/tVerify.Seconds(), "verify-MB/s")
	b.ReportMetric(mb/tGet.Seconds(), "get-MB/s")
	b.ReportMetric(tGet.Seconds()/tVerify.Seconds(), "verify/get")
	b.ReportMetric(0, "ns/op")
}
