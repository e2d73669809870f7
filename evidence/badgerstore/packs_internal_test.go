package badgerstore

import (
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
	defer exec.Command("umount", mnt).Run()
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
