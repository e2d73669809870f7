package casedir_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
)

const crashChildEnv = "CASEFILE_CRASH_CHILD"

// TestMain lets the test binary act as the child process of the crash test.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if dir := os.Getenv(largeChildEnv); dir != "" {
		largeChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild ingests and appends in a loop until it is killed, printing
// "committed <sha256> <size>" after every ingest that returned.
func crashChild(dir string) {
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass), Command: "crash child"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	ctx := context.Background()
	for i := 0; ; i++ {
		size := rng.IntN(3 * evidence.ChunkSize)
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		res, err := h.Ingest(ctx, strings.NewReader(string(data)), evidence.ArtefactMeta{Name: fmt.Sprint(i)}, evidence.IngestOptions{Actor: "child", LegacyHashes: i%2 == 0})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("committed %s %d\n", res.Digest.Hex(), res.Size)
		if i%2 == 1 {
			// Derived data too: a log parsed into events, and observations
			// recorded with their index (checked by VerifyDerived).
			crashDerived(ctx, h, i, rng)
		}
		drafts := make([]evidence.Draft, 1+rng.IntN(50))
		for k := range drafts {
			drafts[k] = evidence.Draft{Kind: "note.added", Actor: "child", Payload: map[string]int{"i": i, "k": k}}
		}
		if _, err := h.Append(ctx, drafts...); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
}

// crashDerived ingests and parses a small log and records observations of
// its addresses, as enrich would.
func crashDerived(ctx context.Context, h *casedir.Handle, i int, rng *rand.Rand) {
	var log strings.Builder
	byInd := map[string][]enrich.Observation{}
	ds := fmt.Sprintf("sha256:%064x", i)
	for k := range 1 + rng.IntN(300) {
		ip := fmt.Sprintf("198.51.%d.%d", rng.IntN(256), 1+rng.IntN(250))
		fmt.Fprintf(&log, "Nov 20 09:%02d:%02d web01 sshd[%d]: Failed password for root from %s port 22 ssh2\n", k/60%60, k%60, i, ip)
		byInd[ip] = []enrich.Observation{{Dataset: ds, Indicator: ip, Source: "crash-test", SourceType: enrich.TypeMMDB,
			Fields: map[string]any{"i": i, "k": k}}}
	}
	res, err := h.Ingest(ctx, strings.NewReader(log.String()), evidence.ArtefactMeta{Name: fmt.Sprintf("auth-%d.log", i)}, evidence.IngestOptions{Actor: "child"})
	if err == nil {
		_, _, err = eventstore.New(h.Case).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026, Actor: "child"})
	}
	if err == nil {
		_, err = observe.NewRecorder(h.Case, "child", nil).Record(ctx, observe.Source{Dataset: ds, Name: "crash-test", Type: enrich.TypeMMDB}, byInd)
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
}

// TestCrashSafety kills a child process that is ingesting at random moments
// and checks, after every kill, that the case verifies and that every
// artefact whose ingest returned reads back with its hash.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	dir := create(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	committed := map[string]int64{}
	rng := rand.New(rand.NewPCG(1, 2))
	const kills = 20
	for round := range kills {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the child's first commit, then kill it at a random moment.
		var deadline <-chan time.Time
		started := false
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("child: %s", l)
				}
				var sum string
				var size int64
				if _, err := fmt.Sscanf(l, "committed %s %d", &sum, &size); err == nil {
					committed[sum] = size
					if !started {
						started = true
						deadline = time.After(time.Duration(rng.IntN(600)) * time.Millisecond)
					}
				}
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // lines printed before the kill were committed
			var sum string
			var size int64
			if _, err := fmt.Sscanf(l, "committed %s %d", &sum, &size); err == nil {
				committed[sum] = size
			}
		}
		cmd.Wait()

		// A killed writer leaves Badger's log to replay: a read-only open
		// says so (and changes nothing); recovery replays it.
		if _, err := casedir.Open(dir, casedir.OpenOptions{}); !errors.Is(err, badgerstore.ErrNeedsRecovery) {
			t.Fatalf("round %d: read-only open after kill: %v, want ErrNeedsRecovery", round, err)
		}
		h, err := casedir.Open(dir, casedir.OpenOptions{Recover: true})
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		r, err := h.Verify(context.Background(), evidence.VerifyOptions{})
		if err == nil && onlyUnindexedEntries(r) {
			// Killed between an entries-only commit's entry file sync
			// and its batch: its entries are durable but only an open
			// that can sign indexes them.
			h.Close()
			if h, err = casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)}); err != nil {
				t.Fatalf("round %d: open with the key after kill: %v", round, err)
			}
			r, err = h.Verify(context.Background(), evidence.VerifyOptions{})
		}
		if err == nil {
			_, err = observe.VerifyDerived(context.Background(), h.Case, r)
		}
		if err != nil || !r.OK {
			h.Close()
			t.Fatalf("round %d: case does not verify after SIGKILL: %v %+v", round, err, r.Problems)
		}
		for sum, size := range committed {
			d, _ := evidence.ParseDigest(sum)
			ar, err := h.OpenArtefact(d)
			if err != nil {
				h.Close()
				t.Fatalf("round %d: committed artefact %s is gone: %v", round, sum, err)
			}
			hs := sha256.New()
			n, err := io.Copy(hs, ar)
			if err != nil || n != size || hex.EncodeToString(hs.Sum(nil)) != sum {
				h.Close()
				t.Fatalf("round %d: artefact %s reads back wrong: %d bytes, %v", round, sum, n, err)
			}
		}
		h.Close()
	}
	t.Logf("%d kills, %d artefacts committed and intact", kills, len(committed))
}

// onlyUnindexedEntries says whether the one problem r reports is entries
// made durable but not yet indexed.
func onlyUnindexedEntries(r *evidence.Report) bool {
	return len(r.Problems) == 1 && strings.Contains(r.Problems[0].Detail, "made durable but are not yet indexed")
}
