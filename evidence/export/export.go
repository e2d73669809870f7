package export

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/keys"
)

// KindExportCreated is the kind of the custody entry recording an export.
const KindExportCreated = "export.created"

// Package formats.
const (
	FormatDir   = "dir"
	FormatTarGz = "tar.gz"
	FormatZip   = "zip"
)

// formatVersion names the package layout in manifest.json. Version 2 adds
// SHA256SUMS.sig (the case key's signature over SHA256SUMS) and verify.sh;
// version 3 adds the findings' leaves of the assessment entry with their
// proofs (leaves/, proofs/entry-N-leaf-I.txt, the manifest's "leaves").
// Verify still accepts versions 1 and 2, which have none.
const (
	formatVersion   = "casefile-export/3"
	formatVersionV2 = "casefile-export/2"
	formatVersionV1 = "casefile-export/1"
)

// BlobSigner signs bytes with the case key: a raw Ed25519 signature
// (keys.Signer implements it).
type BlobSigner interface {
	SignBlob(msg []byte) ([]byte, error)
}

// Options say what to export, for whom and where. Out, Signer,
// PublicKeyPEM and Actor are required.
type Options struct {
	Out    string // path of the package: a directory, or a .tar.gz / .zip file
	Format string // dir, tar.gz or zip; "" infers it from Out's extension

	// Expect is what the case directory claims (title, id, origin, key
	// fingerprint), checked against case.created before anything is
	// exported, as 'casefile verify' checks it.
	Expect *evidence.CaseExpect

	Recipient     string // to whom the package goes
	Purpose       string // why
	Authorization string // under which authorization (warrant, court order, engagement letter)
	TLP           string // Traffic Light Protocol marking: white, green, amber (default) or red

	// Selection. Both empty exports the whole case. Otherwise the package
	// holds entry 0, the artefacts named (and those whose events mention an
	// indicator), their ingest and parse entries, and the other entries
	// whose payload names a selected indicator or artefact.
	Indicators []string
	Artefacts  []evidence.Digest

	// Findings is the attribution assessment to include (may be empty).
	// Leaves, when set, are the leaves of the assessment they come from:
	// the canonical JSON of each assessed source, sorted by indicator, as
	// the case's latest assessment.recorded entry commits to them (its
	// result_root); the package then shows and proves the leaf of each of
	// its findings, and Build refuses findings that are not the recorded
	// ones. Assess, when set, supplies both instead, once the case has
	// verified (so that no assessment is recorded from data that fails
	// verify).
	Findings []Finding
	Leaves   [][]byte
	Assess   func(ctx context.Context) ([]Finding, [][]byte, error)

	// Observations are the observations kept beside the log: export checks
	// them as casefile verify does and shows those of the package's
	// sources. evidence never imports enrich, so the caller gives them
	// (enrich/observe.ForExport); nil for a case without any.
	Observations Observations

	Signer       BlobSigner
	PublicKeyPEM []byte // the case's public key (PKIX PEM, Ed25519)
	Actor        string // who exports, "Name <email>"

	// TSA is the URL of an RFC 3161 time-stamping authority; when set, the
	// checkpoint is timestamped. HTTPClient is used for it (nil: a client
	// with a 30 s timeout).
	TSA        string
	HTTPClient *http.Client

	// ConsistencyFrom names tree sizes the recipient holds a checkpoint
	// of: the package proves consistency from each to its checkpoint, as it
	// does from the checkpoint of every earlier export.
	ConsistencyFrom []uint64

	// AsOf exports the case as it was at this checkpoint size (it must have
	// been signed); 0 means the latest checkpoint. Exporting again as of the
	// size an earlier package names reproduces that package.
	AsOf uint64

	// NoRecord skips the export.created entry (for a dry run). The CLI
	// always records.
	NoRecord bool

	// Storage, when set, is one sentence for the report's verification
	// section on where the artefacts are kept and under which lock and
	// legal hold (a case in object storage).
	Storage string
}

// Finding is one source's attribution assessment, as the export shows it.
// It is a neutral copy of the assessment so that this package does not
// depend on the model that produced it.
type Finding struct {
	Indicator      string             `json:"indicator"`
	Type           string             `json:"type"` // ip, domain, url, …
	Role           string             `json:"role"` // perpetrator-infrastructure, anonymization-relay, …
	Probability    float64            `json:"probability"`
	Words          string             `json:"words"`      // ICD 203 words for Probability
	Confidence     string             `json:"confidence"` // high, moderate, low
	CollateralRisk float64            `json:"collateral_risk"`
	Hypotheses     map[string]float64 `json:"hypotheses,omitempty"`
	Statement      string             `json:"statement"` // the judgement in one paragraph
	Recommendation string             `json:"recommendation"`
	WouldChange    []string           `json:"would_change,omitempty"`
	Factors        []FindingFactor    `json:"factors,omitempty"`
	Campaign       string             `json:"campaign,omitempty"`
	Model          string             `json:"model,omitempty"` // model name and digest

	// What the events say about the source, and how long a judgement of
	// it stays valid after LastSeen (the staleness of the data behind it;
	// 0: unknown). Special names a special-purpose range ("private", …).
	Special   string        `json:"special,omitempty"`
	Events    int64         `json:"events,omitempty"`
	FirstSeen *time.Time    `json:"first_seen,omitempty"`
	LastSeen  *time.Time    `json:"last_seen,omitempty"`
	ValidFor  time.Duration `json:"valid_for,omitempty"`

	// Examiner is the examiner's own verdict, shown beside the model's
	// (which Role, Statement and Hypotheses keep).
	Examiner *FindingExaminer `json:"examiner,omitempty"`

	// Logins are the accounts the source signed into successfully, earliest
	// first (LoginsOver: more than those listed).
	Logins     []FindingLogin `json:"logins,omitempty"`
	LoginsOver bool           `json:"logins_over,omitempty"`
}

// FindingLogin is an account a source signed into: the first time, how many
// times, and the log line of the first ("sha256:…#L31").
type FindingLogin struct {
	Account  string     `json:"account"`
	First    *time.Time `json:"first,omitempty"`
	Count    int64      `json:"count"`
	Evidence string     `json:"evidence"`
}

// FindingExaminer is an examiner's recorded verdict on a source.
type FindingExaminer struct {
	Role      string   `json:"role"`
	Rationale string   `json:"rationale"`
	Cites     []string `json:"cites,omitempty"`
	Actor     string   `json:"actor"`
	Time      string   `json:"time"`  // RFC 3339
	Entry     int64    `json:"entry"` // the assessment.overridden custody entry
	Text      string   `json:"text"`  // the verdict as a sentence
}

// FindingFactor is one factor of a Finding.
type FindingFactor struct {
	ID         string             `json:"id"`
	Text       string             `json:"text"`
	Nats       map[string]float64 `json:"nats,omitempty"`
	Rho        float64            `json:"rho"`
	Source     string             `json:"source,omitempty"`
	Evidence   []string           `json:"evidence,omitempty"`
	Diagnostic bool               `json:"diagnostic"`
	// Did says in a few words what the source did ("password guessing")
	// when the factor rests on rule hits over the events; "" when it is
	// about where the source sits.
	Did string `json:"did,omitempty"`
}

// Result describes a written package.
type Result struct {
	Out            string
	Format         string
	ManifestSHA256 string // hex
	Files          int
	Bytes          int64
	Entries        int // custody entries included
	Artefacts      int
	CheckpointSize uint64
	Previous       uint64          // checkpoint size of the previous export (0: none)
	ConsistentFrom []uint64        // the sizes the package proves consistency from
	Entry          *evidence.Entry // the export.created entry (nil with NoRecord)
}

// tlpLevels are the accepted TLP markings.
var tlpLevels = []string{"white", "green", "amber", "red"}

func (o *Options) normalise() error {
	if o.Out == "" {
		return errors.New("export: no output path")
	}
	if o.Signer == nil || len(o.PublicKeyPEM) == 0 {
		return errors.New("export: the case signing key and public key are required")
	}
	if o.Actor == "" {
		return errors.New("export: the examiner (actor) is required")
	}
	if o.Format == "" {
		switch l := strings.ToLower(o.Out); {
		case strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tgz"):
			o.Format = FormatTarGz
		case strings.HasSuffix(l, ".zip"):
			o.Format = FormatZip
		default:
			o.Format = FormatDir
		}
	}
	switch o.Format {
	case FormatDir, FormatTarGz, FormatZip:
	default:
		return fmt.Errorf("export: unknown format %q (want dir, tar.gz or zip)", o.Format)
	}
	o.TLP = strings.ToLower(strings.TrimPrefix(strings.ToUpper(o.TLP), "TLP:"))
	if o.TLP == "" {
		o.TLP = "amber"
	}
	if o.TLP == "clear" {
		o.TLP = "white"
	}
	ok := false
	for _, l := range tlpLevels {
		ok = ok || l == o.TLP
	}
	if !ok {
		return fmt.Errorf("export: unknown TLP %q (want white, green, amber or red)", o.TLP)
	}
	for _, s := range []string{o.Recipient, o.Purpose, o.Authorization, o.Actor} {
		if len(s) > 4096 {
			return errors.New("export: recipient, purpose, authorization and actor are limited to 4096 bytes")
		}
	}
	return nil
}

// Build writes the package described by o for case c and records an
// export.created entry. Nothing is left at o.Out when it fails.
func Build(ctx context.Context, c *evidence.Case, o Options) (*Result, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	pub, err := keys.PublicKey(o.PublicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := checkKey(c, pub, o.Signer); err != nil {
		return nil, err
	}
	if err := checkCase(ctx, c, o.Expect, o.Observations); err != nil {
		return nil, err
	}
	if o.Assess != nil {
		if o.Findings, o.Leaves, err = o.Assess(ctx); err != nil {
			return nil, fmt.Errorf("export: assessment: %w", err)
		}
	}
	st, err := readState(ctx, c, o)
	if err != nil {
		return nil, err
	}
	pkg, err := assemble(ctx, c, st, o, pub)
	if err != nil {
		return nil, err
	}
	if err := pkg.write(ctx, c, o); err != nil {
		return nil, err
	}
	res := &Result{
		Out: o.Out, Format: o.Format, ManifestSHA256: pkg.manifestSum, Files: len(pkg.files),
		Bytes: pkg.bytes(), Entries: len(st.included), Artefacts: len(st.artefacts),
		CheckpointSize: st.size, Previous: st.prevSize, ConsistentFrom: st.proved,
	}
	if o.NoRecord {
		return res, nil
	}
	e, err := record(ctx, c, st, o, res)
	if err != nil {
		return res, fmt.Errorf("export: the package was written but recording it failed: %w", err)
	}
	res.Entry = e
	return res, nil
}

// ErrCaseDamaged is returned (wrapped, naming the first problem) when the
// case fails verification: nothing is exported from a case that verify
// rejects, derived events and observations included.
var ErrCaseDamaged = errors.New("export refused: the case does not verify (run casefile verify)")

// checkCase runs what `casefile verify` runs: the log, checkpoints,
// artefacts and chunks, and the events and observations derived from
// them.
func checkCase(ctx context.Context, c *evidence.Case, expect *evidence.CaseExpect, obs Observations) error {
	r, err := c.Verify(ctx, evidence.VerifyOptions{Expect: expect})
	if err != nil {
		return fmt.Errorf("export: verifying the case: %w", err)
	}
	if obs != nil {
		if err := obs.Verify(ctx, c, r); err != nil {
			return fmt.Errorf("export: verifying the case: %w", err)
		}
	}
	if !r.OK {
		if p := r.First(); p != nil {
			return fmt.Errorf("%w: %s: %s", ErrCaseDamaged, p.Where, p.Detail)
		}
		return ErrCaseDamaged
	}
	return nil
}

// checkKey makes sure the package is signed with the case's own key.
func checkKey(c *evidence.Case, pub ed25519.PublicKey, s BlobSigner) error {
	v, err := keys.Verifier(pub, c.Verifier().Name())
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if v.KeyHash() != c.Verifier().KeyHash() {
		return errors.New("export: the public key is not the case's checkpoint key")
	}
	probe := []byte("casefile export key check")
	sig, err := s.SignBlob(probe)
	if err != nil {
		return fmt.Errorf("export: signing: %w", err)
	}
	if !ed25519.Verify(pub, probe, sig) {
		return errors.New("export: the signer does not hold the case's private key")
	}
	return nil
}

// record appends the export.created custody entry.
func record(ctx context.Context, c *evidence.Case, st *state, o Options, res *Result) (*evidence.Entry, error) {
	arts := make([]string, 0, len(st.artefacts))
	for _, a := range st.artefacts {
		arts = append(arts, a.digest.String())
	}
	out, _ := evidence.EscapeName(filepath.Base(o.Out))
	who := o.Recipient
	if who == "" {
		who = "an unnamed recipient"
	}
	summary := fmt.Sprintf("exported %d custody entries and %d artefacts for %s (package %s, manifest sha256:%s, checkpoint %d)",
		res.Entries, res.Artefacts, who, out, res.ManifestSHA256, st.size)
	p := map[string]any{
		"summary":         summary,
		"recipient":       o.Recipient,
		"purpose":         o.Purpose,
		"authorization":   o.Authorization,
		"tlp":             o.TLP,
		"format":          o.Format,
		"package":         out,
		"complete":        st.complete,
		"indicators":      nonNil(st.indicators),
		"artefacts":       arts,
		"entries":         res.Entries,
		"entry_indices":   compactRanges(st.included),
		"findings":        len(st.findings),
		"files":           res.Files,
		"bytes":           res.Bytes,
		"manifest_sha256": res.ManifestSHA256,
		"checkpoint_size": st.size,
		"checkpoint_root": st.ck.Root.String(),
		"previous_export": st.prevSize,
		"timestamped":     o.TSA != "",
	}
	es, err := c.Append(ctx, evidence.Draft{Kind: KindExportCreated, Actor: o.Actor, Payload: p})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// compactRanges writes sorted indices as "0-4,7,9-12".
func compactRanges(idx []uint64) string {
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if i == j {
			fmt.Fprintf(&b, "%d", idx[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", idx[i], idx[j])
		}
		i = j + 1
	}
	return b.String()
}

// stamp is the one time written inside a package.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
