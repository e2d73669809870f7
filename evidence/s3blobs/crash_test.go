package s3blobs_test

import (
	"context"
	"io"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/s3blobs"
	"github.com/casefile/casefile/evidence/s3blobs/s3test"
)

// The child process of TestCrash: it opens the case and is killed
// (SIGKILL, by itself, at a chosen point) while writing to the bucket.
const crashEnv = "S3BLOBS_CRASH_CHILD"

func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("child process of TestCrash")
	}
	h, err := casedir.Open(os.Getenv("S3BLOBS_CASE"), casedir.OpenOptions{
		Passphrase: func() ([]byte, error) { return testPass, nil }, Command: "crash child",
	})
	if err != nil {
		t.Fatal(err)
	}
	kill := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	switch mode {
	case "ingest": // killed once 5 chunks' worth was read and some are in the bucket: no entry names them
		// Uploads run in the background: wait for some to land (the
		// ingest's reader is held meanwhile), then kill.
		cfg := h.Blobs.Config()
		uploaded := func() bool {
			n := 0
			for o := range h.Blobs.Client().ListObjects(context.Background(), cfg.Bucket, minio.ListObjectsOptions{Prefix: cfg.Prefix + "/chunks/", Recursive: true}) {
				if o.Err == nil {
					n++
				}
			}
			return n >= 3 // more than first.log's chunk and page
		}
		killUploaded := func() {
			for deadline := time.Now().Add(time.Minute); !uploaded() && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			kill()
		}
		r := &killingReader{r: io.LimitReader(mathrand.NewChaCha8([32]byte{1}), 40<<20), after: 5 << 20, kill: killUploaded}
		h.Ingest(context.Background(), r, evidence.ArtefactMeta{Name: "zeros.img"}, evidence.IngestOptions{Actor: "Tess"})
	case "publish": // killed after the tiles, before the checkpoint
		for i := range 5 {
			ingest(t, h, "late.txt", []byte{byte(i)})
		}
		s3blobs.SetBeforeCheckpoint(kill)
		h.PublishBlobs(context.Background())
	}
	t.Fatal("the child was not killed")
}

type killingReader struct {
	r     io.Reader
	n     int64
	after int64
	kill  func()
}

func (k *killingReader) Read(p []byte) (int, error) {
	if k.n >= k.after {
		k.kill()
	}
	n, err := k.r.Read(p)
	k.n += int64(n)
	return n, err
}

func runChild(t *testing.T, srv *s3test.Server, dir, mode string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, "S3BLOBS_CASE="+dir)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child %s was not killed: %v\n%s", mode, err, out)
	}
}

func TestCrash(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	ingest(t, h, "first.log", []byte("first\n"))
	publish(t, h)
	dir := h.Dir
	h.Close()

	// Killed during an ingest: chunks were uploaded, no entry names them.
	runChild(t, srv, dir, "ingest")
	h, err := casedir.Open(dir, casedir.OpenOptions{Recover: true, Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := verify(t, h.Case)
	if !r.OK || r.Artefacts != 1 || r.Chunks < 3 { // first.log's chunk and page, and what the killed ingest uploaded
		t.Fatalf("verify after a crash during ingest: %+v", r)
	}
	h.Close()

	// Killed between the tiles and the checkpoint: the bucket keeps the
	// previous complete copy, and the next publication finishes it.
	runChild(t, srv, dir, "publish")
	h, err = casedir.Open(dir, casedir.OpenOptions{Recover: true, Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if cp := readCopy(t, h); cp.Checkpoint.Size != 2 {
		t.Fatalf("the bucket's checkpoint moved to size %d before the child was killed", cp.Checkpoint.Size)
	} else if r := verify(t, cp.Case); !r.OK {
		t.Fatalf("verify of the copy left by the killed publication: %+v", r.Problems)
	}
	pr := publish(t, h)
	if pr.From != 2 || pr.To != 7 {
		t.Fatalf("publication after the crash: %+v", pr)
	}
	if r := verify(t, readCopy(t, h).Case); !r.OK || r.Entries != 7 {
		t.Fatalf("verify of the finished copy: %+v", r)
	}
}
