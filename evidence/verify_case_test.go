package evidence_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

func TestVerifyEmptyStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		_, v := testKeys(t)
		c, err := openOn(bk.open(t), evidence.Config{Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wantFirst(t, mustVerify(t, c), evidence.ProblemStore, "entries", "holds no entries")
	})
}

func TestVerifyEntryZeroNotCaseCreated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		s, v := testKeys(t)
		c, err := openOn(bk.open(t), evidence.Config{Signer: s, Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: "T"}); err != nil {
			t.Fatal(err)
		}
		wantFirst(t, mustVerify(t, c), evidence.ProblemEntry, "entry 0", `is "note.added", not case.created`)
	})
}

func TestVerifyExpectations(t *testing.T) {
	c, _, _ := fixture(t, backends[0])
	ok := &evidence.CaseExpect{Title: "test"}
	if r, _ := c.Verify(context.Background(), evidence.VerifyOptions{SkipContent: true, Expect: ok}); !r.OK {
		t.Fatalf("expected title: %+v", r.Problems)
	}
	r, _ := c.Verify(context.Background(), evidence.VerifyOptions{SkipContent: true, Expect: &evidence.CaseExpect{Title: "forged title"}})
	wantFirst(t, r, evidence.ProblemEntry, "casefile.json", `title "forged title" differs`)
	r, _ = c.Verify(context.Background(), evidence.VerifyOptions{SkipContent: true, Expect: &evidence.CaseExpect{Title: "test", KeyFingerprint: "sha256:other"}})
	wantFirst(t, r, evidence.ProblemSignature, "public-key.pem", "re-keyed")
}

func trustedNow(t *testing.T, c *evidence.Case) evidence.TrustedCheckpoint {
	t.Helper()
	tc, err := evidence.ParseTrustedCheckpointNote(c.Log().Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// TestVerifyTruncationNeedsTrustedCheckpoint drops the newest entries
// with their checkpoints and tree hashes, as an attacker with write access
// (but without the key) can: the rest is a whole, signed log. Verification
// alone cannot see it and says so; a checkpoint kept outside finds it.
func TestVerifyTruncationNeedsTrustedCheckpoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		kept := trustedNow(t, c)
		n := c.Log().Size()
		cut := n - 2
		for i := cut; i < n; i++ {
			removeStoredEntry(t, b, i)
			b.Delete(key("k/", i+1))
		}
		dropStoredHashesFrom(t, b, uint64(tlog.StoredHashCount(int64(cut))))
		dropUnindexedEntryRecords(t, b)
		r := mustVerify(t, reopen(t, c, b))
		if !r.OK || r.Entries != cut {
			t.Fatalf("truncated log: %+v", r)
		}
		if len(r.NotProven) == 0 || !strings.Contains(r.NotProven[0], "no entries were removed from the end") {
			t.Fatalf("the report does not say what it cannot prove: %q", r.NotProven)
		}
		r, err := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{Trusted: &kept})
		if err != nil {
			t.Fatal(err)
		}
		wantFirst(t, r, evidence.ProblemCheckpoint, "trusted checkpoint 8", "the log holds only 6: entries 6 to 7 were removed")
		// SIZE:ROOT as written down works the same.
		tc, err := evidence.ParseTrustedCheckpoint("8:" + base64.StdEncoding.EncodeToString(kept.Root[:]))
		if err != nil {
			t.Fatal(err)
		}
		r, _ = reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{Trusted: &tc, SkipContent: true})
		wantFirst(t, r, evidence.ProblemCheckpoint, "trusted checkpoint 8", "were removed")
	})
}

func TestVerifyTrustedCheckpointExtendedAndFork(t *testing.T) {
	c, b, _ := fixture(t, backends[1])
	old, err := evidence.ParseTrustedCheckpoint("3:" + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := c.Verify(context.Background(), evidence.VerifyOptions{Trusted: &old, SkipContent: true})
	wantFirst(t, r, evidence.ProblemCheckpoint, "trusted checkpoint 3", "a fork")
	msg, err := b.Get(key("k/", 3))
	if err != nil {
		t.Fatal(err)
	}
	good, err := evidence.ParseTrustedCheckpointNote(msg)
	if err != nil {
		t.Fatal(err)
	}
	r, _ = c.Verify(context.Background(), evidence.VerifyOptions{Trusted: &good})
	if !r.OK || !r.Trusted.Extended || !r.Trusted.Consistent || !r.Trusted.Signed {
		t.Fatalf("a true earlier checkpoint: %+v %+v", r.Problems, r.Trusted)
	}
	for _, bad := range []string{"", "3", "0:" + base64.StdEncoding.EncodeToString(make([]byte, 32)), "3:abc", "x:y"} {
		if _, err := evidence.ParseTrustedCheckpoint(bad); err == nil {
			t.Errorf("ParseTrustedCheckpoint(%q) accepted", bad)
		}
	}
	other := strings.Replace(string(msg), testOrigin, "casefile.invalid/case/other", 1)
	tc, err := evidence.ParseTrustedCheckpointNote([]byte(other))
	if err != nil {
		t.Fatal(err)
	}
	r, _ = c.Verify(context.Background(), evidence.VerifyOptions{Trusted: &tc, SkipContent: true})
	wantFirst(t, r, evidence.ProblemCheckpoint, "trusted checkpoint 3", "not this case")
}
