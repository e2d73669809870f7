package s3blobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/s3blobs"
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
// the same objects. It reports the ratios (1 is as fast as the baseline),
// and the processor time each write side cost the client (this process)
// and the server: on a small machine they share the cores, so a side's
// extra CPU time shows in its throughput.
//
// The two write sides leave the server's disk in the same state for each
// other: every timed phase starts after a sync, so neither pays for the
// write-back of the other's gigabytes (the second side to run did, and it
// was always the ingest), and the order of the two alternates from one
// iteration to the next (-benchtime 2x runs each first once).
func BenchmarkS3(b *testing.B) {
	mib := benchMiB(b)
	srv := s3test.Start(b)
	ctx := context.Background()
	var ingest, put, verify, get benchPhase
	for i := 0; b.Loop(); i++ {
		bucket := fmt.Sprintf("bench%d", i)
		h := newCase(b, srv, bucket, true, nil)
		client := h.Blobs.Client()
		src := func() io.Reader { return io.LimitReader(mathrand.NewChaCha8([32]byte{byte(i)}), int64(mib)<<20) }

		writes := []func(){
			// Baseline: the same bytes, 1 MiB objects, benchParallel PUTs at a time.
			func() {
				put.run(b, srv, "put", func(ctx context.Context) error { return putPlain(ctx, client, bucket, src()) })
			},
			func() {
				ingest.run(b, srv, "ingest", func(ctx context.Context) error {
					_, err := h.Ingest(ctx, src(), evidence.ArtefactMeta{Name: "bench.bin"}, evidence.IngestOptions{Actor: "bench"})
					return err
				})
			},
		}
		if i%2 == 1 {
			writes[0], writes[1] = writes[1], writes[0]
		}
		for _, w := range writes {
			w()
		}
		if _, err := h.PublishBlobs(ctx); err != nil {
			b.Fatal(err)
		}

		// Baseline: GET and SHA-256 every plain object, benchParallel at a time.
		get.run(b, srv, "get", func(ctx context.Context) error {
			g, gctx := errgroup.WithContext(ctx)
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
			return g.Wait()
		})

		var cp *s3blobs.Copy
		verify.run(b, srv, "verify", func(ctx context.Context) error {
			cp = readCopy(b, h)
			rep, err := cp.Verify(ctx, evidence.VerifyOptions{})
			if err == nil && (!rep.OK || rep.Bytes != int64(mib)<<20) {
				err = fmt.Errorf("verify of the copy: %+v", rep)
			}
			return err
		})
		cp.Close()
		h.Close()
	}
	mb := float64(mib) * float64(b.N) * 1.048576
	gib := float64(mib) * float64(b.N) / 1024
	b.ReportMetric(mb/ingest.wall.Seconds(), "ingest-MB/s")
	b.ReportMetric(mb/put.wall.Seconds(), "put-MB/s")
	b.ReportMetric(put.wall.Seconds()/ingest.wall.Seconds(), "ingest/put")
	b.ReportMetric(ingest.client.Seconds()/gib, "ingest-client-cpu-s/GiB")
	b.ReportMetric(ingest.server.Seconds()/gib, "ingest-server-cpu-s/GiB")
	b.ReportMetric(put.client.Seconds()/gib, "put-client-cpu-s/GiB")
	b.ReportMetric(put.server.Seconds()/gib, "put-server-cpu-s/GiB")
	b.ReportMetric(mb/verify.wall.Seconds(), "verify-MB/s")
	b.ReportMetric(mb/get.wall.Seconds(), "get-MB/s")
	b.ReportMetric(get.wall.Seconds()/verify.wall.Seconds(), "verify/get")
	b.ReportMetric(0, "ns/op")
}

// benchPhase sums what the runs of one side of BenchmarkS3 took: elapsed
// time, and processor time of the client and of the server.
type benchPhase struct{ wall, client, server time.Duration }

// run times fn after a sync (no side pays for the write-back of another's
// bytes), under the profiler label phase=name (go tool pprof -tagfocus).
func (p *benchPhase) run(b *testing.B, srv *s3test.Server, name string, fn func(context.Context) error) {
	b.Helper()
	syscall.Sync()
	cpu := func() (client, server time.Duration) {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		server, err := srv.CPU()
		if err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), server
	}
	c0, s0 := cpu()
	start := time.Now()
	var err error
	pprof.Do(context.Background(), pprof.Labels("phase", name), func(ctx context.Context) { err = fn(ctx) })
	p.wall += time.Since(start)
	c1, s1 := cpu()
	p.client, p.server = p.client+c1-c0, p.server+s1-s0
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
}

// putPlain writes r as plain/<n> objects of evidence.ChunkSize bytes,
// benchParallel PUTs at a time, with the client's default options.
func putPlain(ctx context.Context, client *minio.Client, bucket string, r io.Reader) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(benchParallel)
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
	return g.Wait()
}
