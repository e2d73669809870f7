package main

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
)

// demoData is a small synthetic incident: web01.acme.example's SSH and web
// logs of 20 November 2026.
//
//go:embed demodata
var demoData embed.FS

const demoExaminer = "Demo Examiner <demo@casefile.invalid>"

func (a *app) demoCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Build a demo case from embedded sample data and show what Casefile does",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				d, err := os.MkdirTemp("", "casefile-demo-")
				if err != nil {
					return err
				}
				dir = filepath.Join(d, "case")
			}
			return a.runDemo(cmd, dir)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "where to create the demo case (default: a new temporary directory)")
	return cmd
}

func (a *app) runDemo(cmd *cobra.Command, dir string) error {
	// A fresh random passphrase: the demo key is as protected as a real one.
	var raw [18]byte
	rand.Read(raw[:])
	pass := base64.RawURLEncoding.EncodeToString(raw[:])
	examiner := a.examiner
	if examiner == "" {
		examiner = demoExaminer
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Casefile demo: a synthetic intrusion at web01.acme.example (20 Nov 2026)\n\n")
	fmt.Fprintf(a.out, "1. Create the case in %s\n", abs)
	h, err := casedir.Create(ctx(cmd), abs, casedir.CreateOptions{
		Title: "Demo: intrusion at web01.acme.example (synthetic data)", Examiner: examiner,
		Passphrase: []byte(pass), Command: "casefile demo",
	})
	if err != nil {
		return err
	}
	defer h.Close()
	info, _ := h.Info()
	fmt.Fprintf(a.out, "   signing key fingerprint %s\n\n", info.KeyFingerprint)

	fmt.Fprintf(a.out, "2. Preserve the artefacts (streamed, hashed, stored verbatim, custody recorded)\n")
	err = fs.WalkDir(demoData, "demodata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := demoData.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		res, err := h.Ingest(ctx(cmd), bytes.NewReader(data), evidence.ArtefactMeta{
			Name: name, Path: "/var/log/" + name,
			Source: "web01.acme.example:/var/log/" + name + " (embedded demo data, synthetic)",
			Note:   "demo: logs of the night of the intrusion",
		}, evidence.IngestOptions{Actor: examiner, LegacyHashes: true})
		if err != nil {
			return fmt.Errorf("ingest %s: %w", name, err)
		}
		fmt.Fprintf(a.out, "   %-12s %9s  %s  entry #%d\n", name, evidence.HumanBytes(res.Size), res.Digest, res.Entry.Index)
		return nil
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(a.out, "\n3. Verify everything from the stored bytes\n")
	r, err := h.Verify(ctx(cmd), evidence.VerifyOptions{})
	if err != nil {
		return err
	}
	printReport(a, abs, r, false)
	if !r.OK {
		return verifyError{fmt.Errorf("the demo case does not verify: %s", r.First().Detail)}
	}

	fmt.Fprintf(a.out, "\n4. The custody log\n")
	h.Entries(0, func(e *evidence.Entry) error {
		fmt.Fprintf(a.out, "   #%-3d %s  %s\n", e.Index, e.Time.Format("15:04:05"), evidence.Describe(e))
		return nil
	})
	fmt.Fprintf(a.out, "\nThe case is in %s. To go on with it:\n", abs)
	fmt.Fprintf(a.out, "  export CASEFILE_CASE=%s\n", abs)
	fmt.Fprintf(a.out, "  export CASEFILE_PASSPHRASE=%s   # the demo key's passphrase, made up for this run\n", pass)
	fmt.Fprintf(a.out, "  casefile log; casefile verify\n")
	return nil
}
