package evidence

import (
	"context"
	"io"

	"golang.org/x/mod/sumdb/note"
)

// IngestWithoutRecordHash preserves r as binaries before record_sha256
// did: the entry names the content's SHA-256 but not its record, so
// verify proves it by the whole-content hash.
func (c *Case) IngestWithoutRecordHash(ctx context.Context, r io.Reader, name string) (Digest, error) {
	sums, err := storeContent(c.chunks, r, true, nil)
	if err != nil {
		return Digest{}, err
	}
	rec, err := Canonical(sums.record())
	if err != nil {
		return Digest{}, err
	}
	p := IngestPayload{Artefact: sums.sha256.String(), SHA256: sums.sha256.Hex(), MD5: sums.md5, SHA1: sums.sha1, Size: sums.size, Name: name}
	ops := []Op{{Key: hashKey(prefixArtefact, sums.sha256), Value: rec}}
	_, err = c.log.appendWith(ctx, ops, []Draft{{Kind: KindArtefactIngested, Actor: "T", Payload: p}})
	return sums.sha256, err
}

// LoseBatches makes c's commits to the entry files stop once the records
// are on disk, as a power cut before their batch reached the disk would:
// the commit fails, and the case must be closed and opened again.
func LoseBatches(c *Case) { c.log.loseBatches = true }

// Settle waits for the index of c's last commit, written after its
// Append returned, as c's own readers do.
func Settle(c *Case) { c.log.settle() }

// SignerOf is the key c signs checkpoints with, to open its backend
// again for writing.
func SignerOf(c *Case) note.Signer { return c.log.signer }
