package badgerstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"

	"github.com/casefile/casefile/evidence"
)

// checkFiles reads what Badger would read when opening dbDir, in this
// goroutine and under recover: Badger opens tables in goroutines of its
// own, where a panic of its decoders on a damaged file (it has some, e.g.
// a nil block in Table.VerifyChecksum) would kill the process instead of
// being reported. It checks that the MANIFEST replays to its last byte,
// that it names exactly the tables on disk, and that each table's index
// (and, with full, every block) matches its checksum.
func checkFiles(dbDir string, full bool) error {
	man, err := replayManifest(dbDir)
	if err != nil {
		return err
	}
	onDisk, err := filepath.Glob(filepath.Join(dbDir, "*.sst"))
	if err != nil {
		return err
	}
	sort.Strings(onDisk)
	seen := map[uint64]bool{}
	for _, p := range onDisk {
		id, ok := table.ParseFileID(filepath.Base(p))
		if !ok {
			return fmt.Errorf("%w: unexpected table file %s", evidence.ErrStoreDamaged, filepath.Base(p))
		}
		tm, ok := man.Tables[id]
		if !ok {
			return fmt.Errorf("%w: table %s is not in the MANIFEST (planted, or left by a command killed while it compacted: then 'casefile verify --recover')", evidence.ErrStoreDamaged, filepath.Base(p))
		}
		seen[id] = true
		if err := checkTable(p, tm.Compression, full); err != nil {
			return err
		}
	}
	for id := range man.Tables {
		if !seen[id] {
			return fmt.Errorf("%w: table %s named by the MANIFEST is missing", evidence.ErrStoreDamaged, table.IDToFilename(id))
		}
	}
	return nil
}

func replayManifest(dbDir string) (m badger.Manifest, err error) {
	defer recoverPanic(&err, "MANIFEST")
	f, err := os.Open(filepath.Join(dbDir, badger.ManifestFilename))
	if err != nil {
		return m, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return m, err
	}
	m, end, err := badger.ReplayManifestFile(f, 0, badgerOptions(dbDir, true))
	if err != nil {
		return m, fmt.Errorf("%w: MANIFEST: %v", evidence.ErrStoreDamaged, clean(err))
	}
	if end != st.Size() {
		return m, fmt.Errorf("%w: MANIFEST: %d bytes after its last complete change do not read as one", evidence.ErrStoreDamaged, st.Size()-end)
	}
	return m, nil
}

func checkTable(path string, compression options.CompressionType, full bool) (err error) {
	name := filepath.Base(path)
	defer recoverPanic(&err, "table "+name)
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if errors.Is(err, z.NewFile) || err == nil && len(mf.Data) == 0 {
		return fmt.Errorf("%w: table %s is empty", evidence.ErrStoreDamaged, name)
	}
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	mode := options.NoVerification
	if full {
		mode = options.OnTableRead
	}
	// On error the mapping is left to the process (OpenTable closes it on
	// some paths and not on others; unmapping twice is worse).
	d := badgerOptions(filepath.Dir(path), true)
	pool := z.NewAllocatorPool(1)
	defer pool.Release()
	// Each table is read with the compression the MANIFEST records for it:
	// tables written before compression was turned off are Snappy.
	opts := table.Options{ReadOnly: true, ChkMode: mode, BlockSize: d.BlockSize, Compression: compression,
		ZSTDCompressionLevel: d.ZSTDCompressionLevel, AllocPool: pool}
	if _, err := table.OpenTable(mf, opts); err != nil {
		return fmt.Errorf("%w: table %s: %s", evidence.ErrStoreDamaged, name, firstLine(err.Error()))
	}
	return mf.Close(-1)
}
