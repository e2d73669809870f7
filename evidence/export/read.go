package export

import (
	"archive/tar"
	"archive/zip"
	"bufio"
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
	maxFiles     = 1 << 20
	maxSmallFile = 512 << 20 // any file but an artefact is read into memory
	maxPathLen   = 1024
)

// pfile is one file of a package as read: its hash, size, and (for all
// but artefacts) its bytes.
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

// reader collects a package's files, hashing everything and keeping the
// bytes of everything but artefacts.
type reader struct {
	files    map[string]*pfile
	problems []string // unsafe entries, in order
	bytes    int64
}

func (r *reader) add(ctx context.Context, name string, size int64, body io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(r.files) >= maxFiles {
		return fmt.Errorf("more than %d files", maxFiles)
	}
	if _, dup := r.files[name]; dup {
		r.problems = append(r.problems, name+": appears twice")
		return nil
	}
	keep := !strings.HasPrefix(name, dirArtefacts)
	if keep && size > maxSmallFile {
		r.problems = append(r.problems, fmt.Sprintf("%s: %d bytes, more than the %d allowed", name, size, maxSmallFile))
		return nil
	}
	f := &pfile{}
	h := sha256.New()
	var w io.Writer = h
	var buf *strings.Builder
	if keep {
		buf = &strings.Builder{}
		w = io.MultiWriter(h, buf)
	}
	n, err := io.CopyBuffer(w, ctxReader{ctx, io.LimitReader(body, size+1)}, make([]byte, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.problems = append(r.problems, fmt.Sprintf("%s: unreadable: %v", name, err))
		r.files[name] = &pfile{size: -1}
		return nil
	}
	if size >= 0 && n != size {
		r.problems = append(r.problems, fmt.Sprintf("%s: archive says %d bytes, holds %d", name, size, n))
	}
	f.size = n
	copy(f.sum[:], h.Sum(nil))
	if keep {
		f.data = []byte(buf.String())
	}
	r.files[name] = f
	r.bytes += n
	return nil
}

// readPackage reads a directory, a .tar.gz or a .zip package. Archives
// may hold everything under one top directory.
func readPackage(ctx context.Context, p string) (*reader, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	r := &reader{files: map[string]*pfile{}}
	if st.IsDir() {
		return r, r.readDir(ctx, p)
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
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	switch {
	case magic[0] == 0x1f && magic[1] == 0x8b:
		err = r.readTarGz(ctx, f)
	case string(magic[:]) == "PK\x03\x04":
		err = r.readZip(ctx, f, st.Size())
	default:
		return nil, fmt.Errorf("%s: not a package directory, .tar.gz or .zip", p)
	}
	if err != nil && ctx.Err() == nil {
		// A damaged archive is a finding, not a failure to check.
		r.problems = append(r.problems, filepath.Base(p)+": damaged archive: "+err.Error())
		err = nil
	}
	return r, err
}

func (r *reader) readDir(ctx context.Context, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
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
			r.problems = append(r.problems, rel+": symbolic link (not followed)")
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			r.problems = append(r.problems, rel+": not a regular file")
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return r.add(ctx, rel, info.Size(), f)
	})
}

// strip removes the archive's top directory from name.
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

func (r *reader) readTarGz(ctx context.Context, f io.Reader) error {
	gz, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("not a .tar.gz: %w", err)
	}
	tr := tar.NewReader(gz)
	var s stripper
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if why := unsafePath(h.Name); why != "" {
			r.problems = append(r.problems, fmt.Sprintf("%q: unsafe archive entry: %s", h.Name, why))
			continue
		}
		name, ok := s.name(h.Name, h.Typeflag == tar.TypeDir)
		switch {
		case !ok || h.Typeflag == tar.TypeDir:
			continue
		case h.Typeflag != tar.TypeReg:
			r.problems = append(r.problems, fmt.Sprintf("%s: not a regular file (link or device)", h.Name))
			continue
		}
		if err := r.add(ctx, name, h.Size, tr); err != nil {
			return err
		}
	}
}

func (r *reader) readZip(ctx context.Context, f io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if len(zr.File) > maxFiles {
		return fmt.Errorf("more than %d files", maxFiles)
	}
	var s stripper
	for _, zf := range zr.File {
		if why := unsafePath(zf.Name); why != "" {
			r.problems = append(r.problems, fmt.Sprintf("%q: unsafe archive entry: %s", zf.Name, why))
			continue
		}
		mode := zf.Mode()
		name, ok := s.name(zf.Name, mode.IsDir())
		switch {
		case !ok || mode.IsDir():
			continue
		case !mode.IsRegular():
			r.problems = append(r.problems, fmt.Sprintf("%s: not a regular file (link or device)", zf.Name))
			continue
		case zf.UncompressedSize64 > 1<<50:
			r.problems = append(r.problems, zf.Name+": implausible size")
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			r.problems = append(r.problems, fmt.Sprintf("%s: %v", zf.Name, err))
			continue
		}
		err = r.add(ctx, name, int64(zf.UncompressedSize64), rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
