package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
)

func (a *app) initCmd() *cobra.Command {
	var title string
	var wf witnessFlags
	var bf blobsFlags
	cmd := &cobra.Command{
		Use:   "init --case DIR [--title T]",
		Short: "Create a case: store, encrypted signing key, public key, first entry",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.needCase(); err != nil {
				return err
			}
			if err := singleLine("title", title); err != nil {
				return err
			}
			if err := wf.validate(cmd); err != nil {
				return err
			}
			blobs, err := bf.config(cmd)
			if err != nil {
				return err
			}
			pass, err := a.passphrase(true)()
			if err != nil {
				return err
			}
			if err := keys.CheckPassphrase(pass); err != nil {
				return withHint(err, "the passphrase protects the case key; choose a longer one (CASEFILE_PASSPHRASE or the prompt)")
			}
			h, err := casedir.Create(ctx(cmd), a.caseDir, casedir.CreateOptions{
				Title: title, Examiner: a.actor(), Passphrase: pass, Command: "casefile init", Blobs: blobs,
			})
			if err != nil {
				return err
			}
			defer h.Close()
			info, err := h.Info()
			if err != nil {
				return err
			}
			if blobs != nil && blobs.LegalHold {
				// A hold asked for at init is a custody action like any other.
				if _, _, err := a.applyHold(cmd, h, true, "asked for at case creation, init --legal-hold"); err != nil {
					return err
				}
				if _, err := h.PublishBlobs(ctx(cmd)); err != nil {
					return fmt.Errorf("publishing the case to %s: %w", h.Blobs.Config().URL(), err)
				}
			}
			if wf.changed(cmd) {
				if err := a.configureWitnessing(cmd, h, &wf); err != nil {
					return err
				}
			}
			if a.json {
				return json.NewEncoder(a.out).Encode(map[string]any{
					"case": h.Dir, "case_id": info.CaseID, "title": info.Title,
					"key_fingerprint": info.KeyFingerprint, "origin": info.Origin,
				})
			}
			abs, _ := filepath.Abs(h.Dir)
			fmt.Fprintf(a.out, "Created case %q in %s\n", title, abs)
			fmt.Fprintf(a.out, "  signing key  %s (Ed25519, encrypted with your passphrase)\n", filepath.Join(abs, casedir.PrivateKeyFile))
			fmt.Fprintf(a.out, "  public key   %s\n", filepath.Join(abs, casedir.PublicKeyFile))
			fmt.Fprintf(a.out, "  fingerprint  %s\n", info.KeyFingerprint)
			if h.Blobs != nil {
				lock := "Object Lock on"
				if !h.Blobs.Locked() {
					lock = "NO Object Lock (--allow-unlocked): objects there can be overwritten or deleted"
				}
				fmt.Fprintf(a.out, "  artefacts    %s, %s; the log is published beside them\n", h.Blobs.Config().URL(), lock)
			}
			fmt.Fprintf(a.out, "Write the fingerprint in your notes: it identifies every checkpoint and export of this case.\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "case title, e.g. \"Intrusion at ACME web01, Nov 2026\"")
	addWitnessFlags(cmd, &wf)
	addBlobsFlags(cmd, &bf)
	return cmd
}
