package export

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/keys"
)

const largeChildEnv = "CASEFILE_EXPORT_LARGE_CHILD"

// TestMain lets the test binary act as the child process of the streaming
// test.
func TestMain(m *testing.M) {
	if v := os.Getenv(largeChildEnv); v != "" {
		step, dir, _ := strings.Cut(v, ":")
		if err := largeChild(step, dir); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const largeSize = 1 << 30

// largeChild either creates a case holding one 1 GiB artefact (step
// "ingest"), or exports it and verifies the package (step "export").
func largeChild(step, dir string) error {
	ctx := context.Background()
	b, err := badgerstore.Open(filepath.Join(dir, "store"), badgerstore.Options{})
	if err != nil {
		return err
	}
	closeStore := b.Close
	defer func() { closeStore() }()
	keyFile := filepath.Join(dir, "key.pem")
	privPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	s, err := keys.LoadSigner(privPEM, nil, testOrigin)
	if err != nil {
		return err
	}
	v, _ := keys.Verifier(s.Public(), testOrigin)
	c, err := evidence.Open(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		return err
	}
	closeStore = c.Close // closes b once the last commit's index is written
	der, _ := x509.MarshalPKIXPublicKey(s.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	switch step {
	case "ingest":
		if _, err := c.Create(ctx, testExaminer, evidence.CaseInfo{Title: "large", CaseID: "00000000000000000000000000000001"}); err != nil {
			return err
		}
		src := io.LimitReader(rand.NewChaCha8([32]byte{1}), largeSize)
		_, err := c.Ingest(ctx, src, evidence.ArtefactMeta{Name: "disk.img"}, evidence.IngestOptions{Actor: testExaminer})
		return err
	case "export":
		out := filepath.Join(dir, "pkg")
		res, err := Build(ctx, c, Options{Out: out, Signer: s, PublicKeyPEM: pubPEM, Actor: testExaminer, Recipient: "test"})
		if err != nil {
			return err
		}
		r, err := Verify(ctx, out)
		if err != nil {
			return err
		}
		if !r.OK || res.Bytes < largeSize {
			return fmt.Errorf("package does not verify: %+v", r.Problems)
		}
		fmt.Printf("exported %d bytes\n", res.Bytes)
	}
	return nil
}

// TestLargeExportStreams exports a 1 GiB artefact in a child process and
// checks its peak RSS stays under 200 MiB (export and verification).
func TestLargeExportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB export: skipped with -short")
	}
	dir := t.TempDir()
	_, _, privPEM := newTestKeyPEM(t)
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(step string) int64 {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), largeChildEnv+"="+step+":"+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", step, err, out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		t.Logf("%s: peak RSS %d MiB; %s", step, ru.Maxrss>>10, strings.TrimSpace(string(out)))
		return ru.Maxrss << 10
	}
	run("ingest")
	if rss := run("export"); rss > 200<<20 {
		t.Fatalf("export of 1 GiB peaked at %d MiB RSS, want ≤ 200 MiB", rss>>20)
	}
}
