package casedir

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/casefile/casefile/evidence/s3blobs"
)

// PublishBlobs brings the copy of the log in the case's bucket up to date
// (s3blobs.Store.Publish); nil result for a case kept in pack files.
func (h *Handle) PublishBlobs(ctx context.Context) (*s3blobs.PublishResult, error) {
	if h.Blobs == nil {
		return nil, nil
	}
	pub, err := os.ReadFile(filepath.Join(h.Dir, PublicKeyFile))
	if err != nil {
		return nil, err
	}
	return h.Blobs.Publish(ctx, h.Case, pub)
}

// SetBlobsLegalHold records in casefile.json whether new objects are
// written under legal hold (hold set / hold release). The custody entry,
// not this file, is the record of the decision.
func (h *Handle) SetBlobsLegalHold(on bool) error {
	if h.Config.Blobs == nil {
		return fmt.Errorf("case %s keeps its artefacts in pack files, not in object storage: there is nothing to hold", h.Dir)
	}
	cfg := h.Config
	b := *cfg.Blobs
	b.LegalHold = on
	cfg.Blobs = &b
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(h.Dir, ConfigFile)
	tmp := path + ".tmp"
	if err := writeExcl(tmp, append(raw, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	h.Config = cfg
	return nil
}
