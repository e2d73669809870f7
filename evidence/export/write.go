package export

import (
	"archive/tar"
	"archive/zip"
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

	"github.com/casefile/casefile/evidence"
)

// write puts the package at o.Out: first under a temporary name beside it,
// then renamed, so that a failed export leaves nothing behind. It never
// overwrites an existing path.
func (p *pkg) write(ctx context.Context, c *evidence.Case, o Options) error {
	if _, err := os.Lstat(o.Out); err == nil {
		return fmt.Errorf("export: %s already exists: refusing to overwrite it", o.Out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export: %w", err)
	}
	parent := filepath.Dir(o.Out)
	var tmp string
	var err error
	if o.Format == FormatDir {
		tmp, err = os.MkdirTemp(parent, ".casefile-export-*")
		if err == nil {
			err = p.writeDir(ctx, c, tmp)
		}
	} else {
		var f *os.File
		f, err = os.CreateTemp(parent, ".casefile-export-*")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		tmp = f.Name()
		if o.Format == FormatTarGz {
			err = p.writeTarGz(ctx, c, f)
		} else {
			err = p.writeZip(ctx, c, f)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp, 0o644)
		}
	}
	if err == nil {
		if _, serr := os.Lstat(o.Out); serr == nil {
			err = fmt.Errorf("%s appeared while the package was written: refusing to overwrite it", o.Out)
		} else {
			err = os.Rename(tmp, o.Out)
		}
	}
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// copyArtefact streams an artefact from the store to w, checking its
// SHA-256 and size on the way.
func copyArtefact(ctx context.Context, c *evidence.Case, a *artefact, w io.Writer) error {
	r, err := c.OpenArtefact(a.digest)
	if err != nil {
		return fmt.Errorf("artefact %s: %w", a.digest, err)
	}
	h := sha256.New()
	buf := make([]byte, evidence.ChunkSize)
	n, err := io.CopyBuffer(io.MultiWriter(w, h), ctxReader{ctx, r}, buf)
	if err != nil {
		return fmt.Errorf("artefact %s: %w", a.digest, err)
	}
	if n != a.size || evidence.Digest(h.Sum(nil)) != a.digest {
		return fmt.Errorf("artefact %s: the stored bytes do not match their hash (run casefile verify)", a.digest)
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (p *pkg) writeDir(ctx context.Context, c *evidence.Case, dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, f := range p.files {
		dst := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if f.art != nil {
			err = copyArtefact(ctx, c, f.art, out)
		} else {
			_, err = out.Write(f.data)
		}
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dirsBefore returns the directories to create before f (its parents not
// yet written), given the previous file's path.
func dirsBefore(prev, cur string) []string {
	pd, cd := path.Dir(prev), path.Dir(cur)
	if cd == "." || cd == pd {
		return nil
	}
	return []string{cd + "/"}
}

func (p *pkg) writeTarGz(ctx context.Context, c *evidence.Case, w io.Writer) error {
	gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	hdr := func(name string, dir bool, size int64) *tar.Header {
		h := &tar.Header{Name: p.root + "/" + name, ModTime: p.mtime, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}
		if dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		return h
	}
	if err := tw.WriteHeader(hdr("", true, 0)); err != nil {
		return err
	}
	prev := ""
	for _, f := range p.files {
		for _, d := range dirsBefore(prev, f.path) {
			if err := tw.WriteHeader(hdr(d, true, 0)); err != nil {
				return err
			}
		}
		prev = f.path
		if err := tw.WriteHeader(hdr(f.path, false, f.size)); err != nil {
			return err
		}
		if f.art != nil {
			err = copyArtefact(ctx, c, f.art, tw)
		} else {
			_, err = tw.Write(f.data)
		}
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func (p *pkg) writeZip(ctx context.Context, c *evidence.Case, w io.Writer) error {
	zw := zip.NewWriter(w)
	create := func(name string, dir bool) (io.Writer, error) {
		h := &zip.FileHeader{Name: p.root + "/" + name, Method: zip.Deflate, Modified: p.mtime}
		h.SetMode(0o644)
		if dir {
			h.Method = zip.Store
			h.SetMode(fs.ModeDir | 0o755)
		}
		return zw.CreateHeader(h)
	}
	if _, err := create("", true); err != nil {
		return err
	}
	prev := ""
	for _, f := range p.files {
		for _, d := range dirsBefore(prev, f.path) {
			if _, err := create(d, true); err != nil {
				return err
			}
		}
		prev = f.path
		fw, err := create(f.path, false)
		if err != nil {
			return err
		}
		if f.art != nil {
			err = copyArtefact(ctx, c, f.art, fw)
		} else {
			_, err = fw.Write(f.data)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}
