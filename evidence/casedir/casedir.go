// Package casedir lays out a case on disk and opens it: the Badger store,
// the encrypted signing key, the public key, and a lock that names the
// process holding the case.
//
//	DIR/casefile.json     case id, checkpoint origin and, for a case whose
//	                      artefacts are in object storage, the bucket (no secrets)
//	DIR/private-key.pem   Ed25519 key, encrypted with the passphrase, mode 0600
//	DIR/public-key.pem    the public key (PKIX PEM, readable by OpenSSL)
//	DIR/checkpoint.vkey   the signed-note verifier key for checkpoints
//	DIR/store/            the Badger database
//	DIR/casefile.lock     who holds the case open
package casedir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/s3blobs"
)

// File names inside a case directory.
const (
	ConfigFile     = "casefile.json"
	PrivateKeyFile = "private-key.pem"
	PublicKeyFile  = "public-key.pem"
	VerifierFile   = "checkpoint.vkey"
	StoreDir       = "store"
	LockFile       = "casefile.lock"
	formatVersion  = "casefile/1"
)

// ErrNotACase is returned when a directory holds no case.
var ErrNotACase = errors.New("not a case directory")

// Config is the content of casefile.json.
type Config struct {
	Format string `json:"format"`
	CaseID string `json:"case_id"`
	Origin string `json:"origin"`
	Title  string `json:"title"`
	// Blobs, when set, keeps artefact chunks in S3-compatible object
	// storage instead of the pack files, and the log is published beside
	// them (no credentials: those come from the AWS environment).
	Blobs *s3blobs.Config `json:"blobs,omitempty"`
}

// Handle is an open case directory.
type Handle struct {
	*evidence.Case
	Dir            string
	Config         Config
	Signer         *keys.Signer   // nil when opened read-only
	KeyFingerprint string         // of public-key.pem, which checkpoints are verified with
	Warnings       []string       // things the examiner should know (e.g. key file readable by others)
	Blobs          *s3blobs.Store // the bucket holding the chunks, nil for pack files
	lock           *os.File
	borrowed       bool // Close leaves the case open (Borrow)
}

// CreateOptions describe a new case.
type CreateOptions struct {
	Title      string
	Examiner   string
	Passphrase []byte
	Command    string // for the lock file, e.g. "casefile init"
	// Blobs puts the artefact chunks in an S3 bucket (checked for Object
	// Lock before anything is created).
	Blobs *s3blobs.Config
}

// Create makes a new case in dir, which must not exist or be empty. It
// never overwrites anything: every file is created with O_EXCL.
func Create(ctx context.Context, dir string, o CreateOptions) (*Handle, error) {
	if err := keys.CheckPassphrase(o.Passphrase); err != nil {
		return nil, err // before anything is created
	}
	if o.Blobs != nil { // before anything is created
		st, err := s3blobs.Open(ctx, *o.Blobs)
		if err != nil {
			return nil, err
		}
		if err := st.CheckUnused(ctx); err != nil {
			return nil, err
		}
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s already exists and is not empty: refusing to overwrite it", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := acquire(dir, o.Command)
	if err != nil {
		return nil, err
	}
	h, err := create(ctx, dir, lock, o)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return h, nil
}

func create(ctx context.Context, dir string, lock *os.File, o CreateOptions) (*Handle, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	cfg := Config{Format: formatVersion, CaseID: hex.EncodeToString(id[:]), Title: o.Title, Blobs: o.Blobs}
	cfg.Origin = "casefile.invalid/case/" + cfg.CaseID
	privPEM, pubPEM, err := keys.Generate(o.Passphrase)
	if err != nil {
		return nil, err
	}
	pub, err := keys.PublicKey(pubPEM)
	if err != nil {
		return nil, err
	}
	vkey, err := keys.VerifierKey(pub, cfg.Origin)
	if err != nil {
		return nil, err
	}
	cfgJSON, _ := json.MarshalIndent(cfg, "", "  ")
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{PrivateKeyFile, privPEM, 0o600},
		{PublicKeyFile, pubPEM, 0o644},
		{VerifierFile, []byte(vkey + "\n"), 0o644},
		{ConfigFile, append(cfgJSON, '\n'), 0o644},
	} {
		if err := writeExcl(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return nil, err
		}
	}
	signer, err := keys.LoadSigner(privPEM, o.Passphrase, cfg.Origin)
	if err != nil {
		return nil, err
	}
	h, err := open(dir, cfg, signer, lock, badgerstore.Options{})
	if err != nil {
		return nil, err
	}
	fp, _ := keys.Fingerprint(pub)
	_, err = h.Create(ctx, o.Examiner, evidence.CaseInfo{
		Title: o.Title, Origin: cfg.Origin, CaseID: cfg.CaseID, KeyFingerprint: fp,
		KeyAlgorithm: "Ed25519", ToolVersion: evidence.ToolName + " " + evidence.ToolVersion,
	})
	if err != nil {
		h.Close()
		return nil, err
	}
	// The published case.created claims the prefix for this case.
	if _, err := h.PublishBlobs(ctx); err != nil {
		h.Close()
		return nil, fmt.Errorf("publishing the case to %s: %w", h.Blobs.Config().URL(), err)
	}
	return h, nil
}

func writeExcl(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// OpenOptions say how to open a case.
type OpenOptions struct {
	// Passphrase is called once to unlock the signing key. Nil opens the
	// case read-only (list, verify): nothing in the directory is created,
	// changed or deleted, so a write-protected copy can be read.
	Passphrase func() ([]byte, error)
	// Recover opens the store writable (even without a passphrase) and
	// lets Badger repair what a killed command left (see
	// badgerstore.Options.Recover); unindexed pack tails, and records of
	// the entry files never acknowledged, are cut. No entry is added:
	// entries a commit made durable in the entry files but did not index
	// wait for an open with the passphrase, which indexes them.
	Recover bool
	// Writable opens the store writable without unlocking the key: for
	// data kept beside the log that needs no signature (the cosignatures
	// witnesses returned for a checkpoint already signed).
	Writable bool
	// CheckFiles reads every block of the database against its checksum
	// at open (verification).
	CheckFiles bool
	Command    string // for the lock file, e.g. "casefile ingest"
}

// Open opens an existing case.
func Open(dir string, o OpenOptions) (*Handle, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no %s; create one with casefile init)", dir, ErrNotACase, ConfigFile)
	}
	if err != nil {
		return nil, err
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Format != formatVersion || cfg.Origin == "" {
		return nil, fmt.Errorf("%s: %w (unreadable %s)", dir, ErrNotACase, ConfigFile)
	}
	readOnly := o.Passphrase == nil && !o.Recover && !o.Writable
	var lock *os.File
	if readOnly {
		lock, err = acquireShared(dir)
	} else {
		lock, err = acquire(dir, o.Command)
	}
	if err != nil {
		return nil, err
	}
	var signer *keys.Signer
	var warnings []string
	if o.Passphrase != nil {
		kp := filepath.Join(dir, PrivateKeyFile)
		if st, err := os.Stat(kp); err == nil && st.Mode().Perm()&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("%s is readable by other users (mode %v): chmod 600 it", kp, st.Mode().Perm()))
		}
		privPEM, err := os.ReadFile(kp)
		if err != nil {
			closeLock(lock)
			return nil, fmt.Errorf("signing key: %w", err)
		}
		pass, err := o.Passphrase()
		if err == nil {
			signer, err = keys.LoadSigner(privPEM, pass, cfg.Origin)
		}
		if err != nil {
			closeLock(lock)
			return nil, fmt.Errorf("%s: %w", kp, err)
		}
	}
	h, err := open(dir, cfg, signer, lock, badgerstore.Options{ReadOnly: readOnly, CheckFiles: o.CheckFiles, Recover: o.Recover})
	if err != nil {
		closeLock(lock)
		return nil, err
	}
	h.Warnings = warnings
	return h, nil
}

func closeLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

func open(dir string, cfg Config, signer *keys.Signer, lock *os.File, so badgerstore.Options) (*Handle, error) {
	pubPEM, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing: no checkpoint can be checked", evidence.ErrStoreDamaged, PublicKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, err := keys.PublicKey(pubPEM)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", evidence.ErrStoreDamaged, PublicKeyFile, err)
	}
	v, err := keys.Verifier(pub, cfg.Origin)
	if err != nil {
		return nil, err
	}
	fp, err := keys.Fingerprint(pub)
	if err != nil {
		return nil, err
	}
	st, err := badgerstore.Open(filepath.Join(dir, StoreDir), so)
	if err != nil {
		return nil, err
	}
	ecfg := evidence.Config{Verifier: v}
	if signer != nil {
		ecfg.Signer = signer
	}
	var blobs *s3blobs.Store
	if cfg.Blobs != nil {
		if blobs, err = s3blobs.Open(context.Background(), *cfg.Blobs); err != nil {
			st.Close()
			return nil, fmt.Errorf("artefact storage %s: %w", cfg.Blobs.URL(), err)
		}
		ecfg.Chunks = blobs
		ecfg.MaxEntry = evidence.MaxTileEntry // the log is published in tlog-tiles
	}
	c, err := evidence.Open(st, ecfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Handle{Case: c, Dir: dir, Config: cfg, Signer: signer, KeyFingerprint: fp, Blobs: blobs, lock: lock}, nil
}

// Verify verifies the case (evidence.Case.Verify) and also checks what the
// directory claims against case.created: the title and id in
// casefile.json, and that public-key.pem, which every checkpoint is
// verified with, is the key case.created names.
func (h *Handle) Verify(ctx context.Context, opt evidence.VerifyOptions) (*evidence.Report, error) {
	if opt.Expect == nil {
		opt.Expect = h.Expect()
	}
	return h.Case.Verify(ctx, opt)
}

// Expect is what the directory claims about the case, for checking
// against case.created: title, origin and id in casefile.json, and the
// fingerprint of public-key.pem.
func (h *Handle) Expect() *evidence.CaseExpect {
	return &evidence.CaseExpect{Title: h.Config.Title, Origin: h.Config.Origin, CaseID: h.Config.CaseID, KeyFingerprint: h.KeyFingerprint}
}

// Close closes the store and releases the lock; a borrowed handle's Close
// does nothing.
func (h *Handle) Close() error {
	if h.borrowed {
		return nil
	}
	err := h.Case.Close()
	if h.lock != nil {
		h.lock.Close()
	}
	return err
}

// InUseError says which process holds a case.
type InUseError struct {
	Dir    string
	Holder string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("case %s is in use by another process (%s)", e.Dir, e.Holder)
}

func holderInfo(command string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("pid %d, %q on %s, since %s", os.Getpid(), strings.TrimSpace(command), host, time.Now().UTC().Format(time.RFC3339))
}
