package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/evidence/rawtext"
)

type ingestFlags struct {
	source, note, stdinName, vantage string
	legacy, all, force               bool
	parse                            parseFlags
}

// ingestLine is one file's outcome in `ingest --json` (JSON Lines).
type ingestLine struct {
	Path      string     `json:"path"`
	Artefact  string     `json:"artefact,omitempty"`
	Size      int64      `json:"size,omitempty"`
	MD5       string     `json:"md5,omitempty"`
	SHA1      string     `json:"sha1,omitempty"`
	Entry     uint64     `json:"entry,omitempty"`
	Duplicate bool       `json:"duplicate,omitempty"`
	Skipped   string     `json:"skipped,omitempty"`
	Warnings  []string   `json:"warnings,omitempty"`
	Error     string     `json:"error,omitempty"`
	Parse     *parseLine `json:"parse,omitempty"`
	// Twin is the artefact of the case this one repeats under another
	// encoding (gzip, Zeek JSON for TSV): preserved, not parsed again.
	Twin *intake.Twin `json:"twin,omitempty"`
}

func (a *app) ingestCmd() *cobra.Command {
	var f ingestFlags
	cmd := &cobra.Command{
		Use:   "ingest --case DIR [--source TEXT] [--note TEXT] PATH…",
		Short: "Preserve files (directories recursively, - for stdin) in the case",
		Long: `Preserve files in the case: each is read once, hashed (SHA-256, and MD5 and
SHA-1 with --legacy-hashes) and stored verbatim; a custody entry records what it
is, where it came from, who ingested it and when. Directories are walked
recursively; symbolic links inside them are not followed. An error on one file
is reported and recorded, and the rest are still ingested (exit code 3).
Inside directories, documentation that ships with a collection (README,
LICENSE, COPYING, CHANGELOG, NOTICE, AUTHORS, *.md) and .git folders are
skipped and listed as skipped; name such a file, or use --all, to preserve it.
The same content under another encoding (a .gz of a file already in the case,
or the other way round; a Zeek JSON log of a TSV log already parsed) is
preserved but not parsed again, with a warning naming its twin: --force
parses it too.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if len(paths) == 0 {
				return usagef("nothing to ingest: name files, directories or - for standard input")
			}
			a.boundMemory(ingestMemoryLimit)
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			if err := f.parse.check(); err != nil {
				return err
			}
			return a.ingestPaths(cmd, h, paths, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.source, "source", "", "where the artefacts were obtained (host, path, method, by whom)")
	fl.StringVar(&f.note, "note", "", "why they are ingested, anything counsel should know")
	fl.BoolVar(&f.all, "all", false, "inside directories, also preserve documentation files (README, LICENSE, *.md, …) and .git folders")
	fl.BoolVar(&f.force, "force", false, "parse a file even when the case holds the same content under another encoding (its events are then counted twice)")
	fl.BoolVar(&f.legacy, "legacy-hashes", false, "also record MD5 and SHA-1 (for tools that still check them)")
	fl.StringVar(&f.stdinName, "stdin-name", "stdin", "the name to record for data read from -")
	fl.StringVar(&f.vantage, "behind-proxy", "", "state that these logs were recorded behind a proxy or CDN whose addresses are not the clients' (say which), so that no logged address is attributed")
	f.parse.register(fl)
	return cmd
}

func (a *app) ingestPaths(cmd *cobra.Command, h *casedir.Handle, paths []string, f ingestFlags) error {
	actor := a.actor()
	svc := intake.New(h.Case, eventstore.New(h.Case))
	enc := json.NewEncoder(a.out)
	failed := 0
	var took, twins, skipped int
	report := func(l ingestLine) {
		show := rawtext.Display
		switch {
		case a.json:
			enc.Encode(l)
		case l.Error != "":
			fmt.Fprintf(a.err, "casefile: error: %s: %s\n", show(l.Path), show(l.Error))
		case l.Skipped != "":
			skipped++
			fmt.Fprintf(a.err, "casefile: skipped %s: %s\n", show(l.Path), show(l.Skipped))
		case l.Duplicate:
			fmt.Fprintf(a.out, "preserved %s  %s  %s  entry #%d (same bytes already in the case: stored once, custody recorded)\n", show(l.Path), l.Artefact, evidence.HumanBytes(l.Size), l.Entry)
		default:
			fmt.Fprintf(a.out, "preserved %s  %s  %s  entry #%d\n", show(l.Path), l.Artefact, evidence.HumanBytes(l.Size), l.Entry)
		}
	}
	fail := func(path string, err error) {
		failed++
		report(ingestLine{Path: path, Error: err.Error()})
		// The attempt itself is custody: counsel sees what could not be preserved.
		if rerr := svc.RecordFailure(ctx(cmd), actor, path, f.source, rawtext.Encode(err.Error())); rerr != nil {
			fmt.Fprintf(a.err, "casefile: error: %v\n", rerr)
		}
	}
	one := func(path string, r io.Reader, meta evidence.ArtefactMeta, size int64, check func(int64) []string) {
		meta.Source, meta.Note, meta.Vantage = f.source, f.note, f.vantage
		opt := evidence.IngestOptions{Actor: actor, LegacyHashes: f.legacy, Check: check}
		if bar := a.progress(size, meta.Name); bar != nil {
			opt.Progress = func(n int64) { bar.Add64(n) }
			defer bar.Finish()
		}
		po := eventstore.ParseOptions{Format: f.parse.format, Year: f.parse.year, Location: f.parse.loc, ModTime: meta.ModTime, Name: meta.Name, Actor: actor}
		out, err := svc.Ingest(ctx(cmd), intake.Request{Body: r, Meta: meta, Options: opt, Parse: po, Force: f.force})
		if err != nil {
			failed++
			report(ingestLine{Path: path, Error: err.Error()})
			if pe := (*intake.PreserveError)(nil); errors.As(err, &pe) && pe.RecordErr != nil {
				fmt.Fprintf(a.err, "casefile: error: %v\n", pe.RecordErr)
			}
			return
		}
		took++
		res := out.IngestResult
		line := ingestLine{Path: path, Artefact: res.Digest.String(), Size: res.Size, MD5: res.MD5, SHA1: res.SHA1, Entry: res.Entry.Index, Duplicate: res.Duplicate, Warnings: res.Warnings, Twin: out.Twin}
		// The artefact is preserved; the parser read it back from the store.
		pl, perr := a.parseLineOf(out, f.parse)
		line.Parse = pl
		report(line)
		for _, w := range res.Warnings {
			if !a.json {
				fmt.Fprintf(a.err, "casefile: warning: %s: %s\n", rawtext.Display(path), rawtext.Display(w))
			}
		}
		if out.Twin != nil {
			twins++
			if !a.json {
				fmt.Fprintf(a.err, "casefile: warning: %s: %s\n", rawtext.Display(path), rawtext.Display(out.Twin.Warning()))
			}
		}
		if pl != nil && !a.json {
			fmt.Fprintf(a.out, "  %s\n", rawtext.Display(pl.text()))
		}
		if perr != nil {
			failed++
			fmt.Fprintf(a.err, "casefile: error: %s: %s\n", rawtext.Display(path), rawtext.Display(perr.Error()))
		}
	}
	walked := false
	for _, p := range paths {
		if ctx(cmd).Err() != nil {
			return ctx(cmd).Err()
		}
		if p == "-" {
			one("-", a.in, evidence.ArtefactMeta{Name: f.stdinName, Path: "(standard input)"}, -1, nil)
			continue
		}
		st, err := os.Stat(p) // a path named on the command line is followed if it is a link
		if err != nil {
			fail(p, err)
			continue
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				fail(p, notRegular(st.Mode())) // never opened: a FIFO would block, a device could change as it is read
				continue
			}
			a.ingestFile(p, fail, one)
			continue
		}
		walked = true
		werr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if ctx(cmd).Err() != nil {
				return ctx(cmd).Err()
			}
			switch {
			case err != nil:
				fail(path, err) // unreadable directory, or vanished while walking
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
			case d.Type()&fs.ModeSymlink != 0:
				report(ingestLine{Path: path, Skipped: "symbolic link, not followed (ingest its target explicitly if it is evidence)"})
			case !f.all && d.IsDir() && d.Name() == ".git":
				report(ingestLine{Path: path, Skipped: "version-control folder, not evidence (use --all to preserve it)"})
				return fs.SkipDir
			case d.IsDir():
			case !f.all && documentation(d.Name()):
				report(ingestLine{Path: path, Skipped: "documentation of the collection, not evidence (name it, or use --all, to preserve it)"})
			case !d.Type().IsRegular():
				report(ingestLine{Path: path, Skipped: "not a regular file (" + d.Type().String() + ")"})
			default:
				a.ingestFile(path, fail, one)
			}
			return nil
		})
		if werr != nil {
			return werr
		}
	}
	if walked && !a.json {
		fmt.Fprintf(a.out, "took %d file(s) (%d twin(s) not parsed again), skipped %d, failed %d\n", took, twinsNotParsed(twins, f.force), skipped, failed)
	}
	if failed > 0 {
		return fmt.Errorf("%d path(s) could not be ingested; everything else was preserved", failed)
	}
	return nil
}

// twinsNotParsed is how many twins were left unparsed.
func twinsNotParsed(twins int, force bool) int {
	if force {
		return 0
	}
	return twins
}

func (a *app) ingestFile(path string, fail func(string, error), one func(string, io.Reader, evidence.ArtefactMeta, int64, func(int64) []string)) {
	if a.beforeOpen != nil {
		a.beforeOpen(path)
	}
	// Non-blocking, so that a file replaced by a FIFO since it was listed
	// does not hang the ingest; it is refused below.
	file, err := os.OpenFile(path, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		fail(path, err)
		return
	}
	defer file.Close()
	st, err := file.Stat() // times of the file actually opened
	if err != nil {
		fail(path, err)
		return
	}
	if !st.Mode().IsRegular() {
		fail(path, notRegular(st.Mode()))
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	meta := evidence.ArtefactMeta{Name: filepath.Base(path), Path: abs, ModTime: st.ModTime()}
	meta.AccessTime, meta.ChangeTime = fileTimes(st)
	one(path, file, meta, st.Size(), a.readCheck(path, file, st))
}

// readCheck returns the check, run once a file was read, that it did not
// change meanwhile: its size, mtime and ctime then against before the
// read, and the bytes read against its size. A change is a warning
// recorded in the ingest entry: the preserved bytes may be torn.
func (a *app) readCheck(path string, file *os.File, before os.FileInfo) func(int64) []string {
	return func(read int64) []string {
		if a.afterRead != nil {
			a.afterRead(path)
		}
		after, err := file.Stat()
		if err != nil {
			return []string{"the file could not be examined again after it was read: " + err.Error()}
		}
		var what []string
		if before.Size() != after.Size() {
			what = append(what, fmt.Sprintf("size %d → %d bytes", before.Size(), after.Size()))
		}
		if !before.ModTime().Equal(after.ModTime()) {
			what = append(what, "mtime "+fmtTime(before.ModTime())+" → "+fmtTime(after.ModTime()))
		}
		_, c1 := fileTimes(before)
		_, c2 := fileTimes(after)
		if !c1.Equal(c2) {
			what = append(what, "ctime "+fmtTime(c1)+" → "+fmtTime(c2))
		}
		if read != before.Size() {
			what = append(what, fmt.Sprintf("%d bytes read of %d", read, before.Size()))
		}
		if len(what) == 0 {
			return nil
		}
		return []string{"the file changed while it was read (" + strings.Join(what, "; ") + "): the preserved bytes may mix old and new content; preserve a stable copy (a snapshot) as well"}
	}
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// progress returns a byte progress bar on stderr for long ingests, or nil
// when stderr is not a terminal or the input is small.
func (a *app) progress(size int64, name string) *progressbar.ProgressBar {
	f, ok := a.err.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || (size >= 0 && size < 64<<20) {
		return nil
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}

// notRegular is the error for a path that is not a regular file.
func notRegular(m fs.FileMode) error {
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s, not a regular file: refused (to preserve what it yields, copy it to a file first, or pipe it to 'casefile ingest -')", what)
}

// docNames are the documentation files that ship with collections of logs
// (sample sets, exports of other tools): walking a directory skips them.
var docNames = []string{"readme", "license", "licence", "copying", "changelog", "changes", "notice", "authors", "contributing"}

// documentation reports whether a file name inside a directory is such
// documentation: one of docNames, alone or with a suffix ("LICENSE-2.0",
// "README_FIRST") and a documentation extension (none, .txt, .md, .rst,
// .html, .pdf, or a version number), or any Markdown file. A log that
// happens to share a name (Zeek's notice.log) is evidence, not
// documentation.
func documentation(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, ".md") || strings.HasSuffix(n, ".markdown") {
		return true
	}
	for _, d := range docNames {
		if rest, ok := strings.CutPrefix(n, d); ok && (rest == "" || rest[0] == '.' || rest[0] == '-' || rest[0] == '_') {
			return docExtension(filepath.Ext(rest))
		}
	}
	return false
}

// docExtension reports whether a documentation file may end in ext.
func docExtension(ext string) bool {
	switch ext {
	case "", ".txt", ".rst", ".html", ".htm", ".pdf", ".adoc", ".org":
		return true
	}
	return strings.Trim(ext[1:], "0123456789") == "" // LICENSE-2.0
}
