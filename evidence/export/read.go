package export

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Bounds on what Verify reads.
const (
	maxFiles      = 1 << 20
	maxSignedFile = 256 << 20 // manifest.json, SHA256SUMS and their signatures and key
	maxSmallFile  = 512 << 20 // any listed file but an artefact is read into memory…
	maxKept       = 1 << 30   // … up to this much in all
	maxPathLen    = 1024
)

// pfile is one file of a package as read: its hash, size, and (for all
// but artefacts) its bytes. A file that was not read (not listed in the
// signed manifest) has size -2; an unreadable one -1.
type pfile struct {
	sum  [32]byte
	size int64
	data []byte
}

// unsafePath reports why an archive path may not be used.
func unsafePath(p string) string {
	switch {
	case p == "" || len(p) > maxPathLen:
		return "empty or too long path"
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, ":"):
		return "absolute path or a path with \\ or :"
	case path.Clean(p) != strings.TrimSuffix(p, "/"):
		return "path is not clean"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "path with . or .."
		}
		for _, r := range seg {
			if r < 0x20 || r == 0x7f {
				return "control character in path"
			}
		}
	}
	return ""
}

// entryFunc is called for each regular file of a package, in archive
// order, with its path inside the package, the size its header states and
// a way to read its bytes (valid only during the call).
type entryFunc func(name string, size int64, open func() (io.ReadCloser, error)) error

// walker calls fn for each regular file of a package; it reports unsafe
// paths, links and devices through bad, never calling fn for them.
type walker func(ctx context.Context, fn entryFunc, bad func(string)) error

// openPackage returns a walker over a directory, a .tar.gz or a .zip.
// Archives may hold everything under one top directory. The walker may
// be called more than once.
func openPackage(p string) (walker, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return func(ctx context.Context, fn entryFunc, bad func(string)) error { return walkDir(ctx, p, fn, bad) }, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return nil, fmt.Errorf("%s: not a package (too short)", p)
	}
	var w func(ctx context.Context, f *os.File, fn entryFunc, bad func(string)) error
	switch {
	case magic[0] == 0x1f && magic[1] == 0x8b:
		w = walkTarGz
	case string(magic[:]) == "PK\x03\x04":
		w = walkZip
	default:
		return nil, fmt.Errorf("%s: not a package directory, .tar.gz or .zip", p)
	}
	return func(ctx context.Context, fn entryFunc, bad func(string)) error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		err = w(ctx, f, fn, bad)
		if err != nil && ctx.Err() == nil && !errors.Is(err, errTooMany) {
			// A damaged archive is a finding, not a failure to check.
			bad(filepath.Base(p) + ": damaged archive: " + err.Error())
			err = nil
		}
		return err
	}, nil
}

var errTooMany = fmt.Errorf("more than %d files", maxFiles)

func walkDir(ctx context.Context, root string, fn entryFunc, bad func(string)) error {
	n := 0
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			bad(rel + ": symbolic link (not followed)")
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			bad(rel + ": not a regular file")
			return nil
		}
		if n++; n > maxFiles {
			return errTooMany
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return fn(rel, info.Size(), func() (io.ReadCloser, error) { return os.Open(p) })
	})
}

// stripper removes the archive's top directory from names.
type stripper struct{ top string }

func (s *stripper) name(n string, isDir bool) (string, bool) {
	if s.top == "" {
		if i := strings.IndexByte(n, '/'); isDir && i == len(n)-1 {
			s.top = n
			return "", false
		}
		s.top = "\x00" // no top directory
	}
	if s.top != "\x00" {
		rest, ok := strings.CutPrefix(n, s.top)
		if !ok {
			return n, true
		}
		n = rest
	}
	return n, true
}

func walkTarGz(ctx context.Context, f *os.File, fn entryFunc, bad func(string)) error {
	gz, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("not a .tar.gz: %w", err)
	}
	tr := tar.NewReader(gz)
	var s stripper
	for n := 0; ; {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if why := unsafePath(h.Name); why != "" {
			bad(fmt.Sprintf("%q: unsafe archive entry: %s", h.Name, why))
			continue
		}
		name, ok := s.name(h.Name, h.Typeflag == tar.TypeDir)
		switch {
		case !ok || h.Typeflag == tar.TypeDir:
			continue
		case h.Typeflag != tar.TypeReg:
			bad(fmt.Sprintf("%s: not a regular file (link or device)", h.Name))
			continue
		}
		if n++; n > maxFiles {
			return errTooMany
		}
		if err := fn(name, h.Size, func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }); err != nil {
			return err
		}
	}
}

func walkZip(ctx context.Context, f *os.File, fn entryFunc, bad func(string)) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if len(zr.File) > maxFiles {
		return errTooMany
	}
	var s stripper
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if why := unsafePath(zf.Name); why != "" {
			bad(fmt.Sprintf("%q: unsafe archive entry: %s", zf.Name, why))
			continue
		}
		mode := zf.Mode()
		name, ok := s.name(zf.Name, mode.IsDir())
		switch {
		case !ok || mode.IsDir():
			continue
		case !mode.IsRegular():
			bad(fmt.Sprintf("%s: not a regular file (link or device)", zf.Name))
			continue
		case zf.UncompressedSize64 > 1<<50:
			bad(zf.Name + ": implausible size")
			continue
		}
		if err := fn(name, int64(zf.UncompressedSize64), zf.Open); err != nil {
			return err
		}
	}
	return nil
}

// signedFiles are read first: they say which other files to read.
var signedFiles = map[string]bool{fileManifest: true, fileSig: true, filePublicKey: true, fileSums: true, fileSumsSig: true}

// reader collects what Verify read of a package: every file's hash and
// size, and the bytes of all but artefacts. Only the signed files and
// the files the signed manifest lists are read.
type reader struct {
	files    map[string]*pfile
	problems []string // unsafe entries and unreadable files, in order
	bytes    int64
	kept     int64
}

func newReader() *reader { return &reader{files: map[string]*pfile{}} }

func (r *reader) bad(s string) { r.problems = append(r.problems, s) }

// read hashes a file's bytes (at most limit+1 of them), keeping them when
// keep is set.
func (r *reader) read(ctx context.Context, name string, size, limit int64, keep bool, open func() (io.ReadCloser, error)) error {
	body, err := open()
	if err != nil {
		r.bad(fmt.Sprintf("%s: unreadable: %v", name, err))
		r.files[name] = &pfile{size: -1}
		return nil
	}
	defer body.Close()
	h := sha256.New()
	var w io.Writer = h
	var buf bytes.Buffer
	if keep {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.CopyBuffer(w, ctxReader{ctx, io.LimitReader(body, limit+1)}, make([]byte, 256<<10))
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.bad(fmt.Sprintf("%s: unreadable: %v", name, err))
		r.files[name] = &pfile{size: -1}
		return nil
	}
	if size >= 0 && n != size && n <= limit {
		r.bad(fmt.Sprintf("%s: archive says %d bytes, holds %d", name, size, n))
	}
	f := &pfile{size: n}
	copy(f.sum[:], h.Sum(nil))
	if keep {
		f.data = buf.Bytes()
		r.kept += n
	}
	r.files[name] = f
	r.bytes += n
	return nil
}

// readSigned is the first pass: it reads the signed files only.
func (r *reader) readSigned(ctx context.Context) entryFunc {
	return func(name string, size int64, open func() (io.ReadCloser, error)) error {
		if !signedFiles[name] {
			return nil
		}
		if _, dup := r.files[name]; dup {
			r.bad(name + ": appears twice")
			return nil
		}
		if size > maxSignedFile {
			r.bad(fmt.Sprintf("%s: %d bytes, more than the %d allowed", name, size, maxSignedFile))
			r.files[name] = &pfile{size: -1}
			return nil
		}
		return r.read(ctx, name, size, maxSignedFile, true, open)
	}
}

// readListed is the second pass: it hashes the files the signed manifest
// lists, reading no more of each than the manifest's size and one byte,
// and notes the others without reading them.
func (r *reader) readListed(ctx context.Context, listed map[string]ManifestFile) entryFunc {
	return func(name string, size int64, open func() (io.ReadCloser, error)) error {
		if signedFiles[name] {
			return nil
		}
		if _, dup := r.files[name]; dup {
			r.bad(name + ": appears twice")
			return nil
		}
		lf, ok := listed[name]
		if !ok {
			r.files[name] = &pfile{size: -2}
			return nil
		}
		keep := !strings.HasPrefix(name, dirArtefacts)
		if keep && (lf.Size > maxSmallFile || r.kept+lf.Size > maxKept) {
			r.bad(fmt.Sprintf("%s: %d bytes, more than can be checked in memory", name, lf.Size))
			r.files[name] = &pfile{size: -1}
			return nil
		}
		return r.read(ctx, name, size, lf.Size, keep, open)
	}
}
