package badgerstore

import (
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAppendOnFullDiskCutsPartialRecord fills a 1 MiB tmpfs with a pack
// record: write(2) fails with ENOSPC part-way, and the partial record is
// cut off again.
func TestAppendOnFullDiskCutsPartialRecord(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("disk full: mounting a small tmpfs needs root; skipped")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("disk full: mounting a tmpfs is not permitted here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() }) // lazily: even while a failed test holds files
	f, err := os.OpenFile(filepath.Join(mnt, "pack-000001.dat"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := &packs{dir: mnt, cur: f, curID: 1}
	if err := p.append(make([]byte, recordHeader), make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	p.curSize = recordHeader + 1000
	err = p.append(make([]byte, recordHeader), make([]byte, 2<<20))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("append beyond the disk: %v", err)
	}
	if st, _ := f.Stat(); st.Size() != p.curSize {
		t.Fatalf("pack is %d bytes after a failed append, want %d", st.Size(), p.curSize)
	}
}

// TestDiscardKeepsChunksOthersWaitFor: two ingests put the same chunk; the
// one that fails gives back its Puts, and the chunk the other still waits
// for stays and is indexed; the failed ingest's own last chunk is cut.
func TestDiscardKeepsChunksOthersWaitFor(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := s.packs
	a, b := []byte("shared chunk"), []byte("failed ingest's own chunk")
	sa, sb := sha256.Sum256(a), sha256.Sum256(b)
	for _, put := range []struct {
		sum  [32]byte
		data []byte
	}{{sa, a}, {sa, a}, {sb, b}} { // ingest 1: a, b; ingest 2: a
		if err := p.Put(put.sum, put.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Discard([][32]byte{sa, sb}); err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Get(sa); err != nil || string(got) != string(a) {
		t.Fatalf("the shared chunk: %q %v", got, err)
	}
	if ok, _ := p.Has(sb); ok {
		t.Fatal("the failed ingest's chunk is still there")
	}
	if st, _ := p.cur.Stat(); st.Size() != recordHeader+int64(len(a)) {
		t.Fatalf("pack is %d bytes, want only the shared record", st.Size())
	}
}
