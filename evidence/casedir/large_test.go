package casedir_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
)

const largeChildEnv = "CASEFILE_LARGE_CHILD"

// largeInput is a deterministic stream of n pseudo-random bytes.
type largeInput struct {
	rng *rand.ChaCha8
	n   int64
}

func (l *largeInput) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	l.rng.Read(p)
	l.n -= int64(len(p))
	return len(p), nil
}

// largeChild ingests 1 GiB from a generated stream and prints its digest.
func largeChild(dir string) {
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	defer h.Close()
	res, err := h.Ingest(context.Background(), &largeInput{rand.NewChaCha8([32]byte{42}), largeSize()}, evidence.ArtefactMeta{Name: "big.bin"}, evidence.IngestOptions{Actor: "T"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	// The peak is read here: a parent's rusage of a child started with
	// vfork+exec also counts the parent's own memory at exec time.
	st, _ := os.ReadFile("/proc/self/status")
	var peak int64
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Sscan(strings.TrimPrefix(l, "VmHWM:"), &peak)
		}
	}
	fmt.Println(res.Digest.Hex(), res.Size, peak/1024)
}

// TestLargeIngestFlatMemory ingests a 1 GiB stream in a child process and
// checks its peak resident memory (loosely: the benchmark script reports
// the exact figure).
func TestLargeIngestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB ingest: skipped with -short")
	}
	dir := create(t)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), largeChildEnv+"="+dir)
	out, err := cmd.Output()
	if err != nil || strings.HasPrefix(string(out), "error") {
		t.Fatalf("child: %v %s", err, out)
	}
	var sum string
	var size, peak int64
	fmt.Sscan(string(out), &sum, &size, &peak)
	if size != largeSize() {
		t.Fatalf("ingested %d bytes", size)
	}
	t.Logf("1 GiB ingest: peak RSS %d MiB", peak)
	if peak == 0 || peak > 150 {
		t.Fatalf("peak RSS %d MiB for a 1 GiB ingest; memory must stay flat (target 150 MiB)", peak)
	}
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r, err := h.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil || !r.OK || r.Bytes != largeSize() {
		t.Fatalf("verify after 1 GiB: %v %+v", err, r)
	}
}

func largeSize() int64 {
	if s := os.Getenv("CASEFILE_LARGE_SIZE"); s != "" {
		var n int64
		fmt.Sscan(s, &n)
		return n
	}
	return 1 << 30
}
