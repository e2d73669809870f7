package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/memstore"
)

const (
	testOrigin   = "casefile.invalid/case/0123456789abcdef0123456789abcdef"
	testExaminer = "Test Examiner <t@example.org>"
)

// testCase is a case in memory with its key, three ingested artefacts
// (two logs, parsed, and a binary) and an observation entry.
type testCase struct {
	c      *evidence.Case
	signer *keys.Signer
	pubPEM []byte
	arts   map[string]evidence.Digest // by file name
}

func newTestKey(t testing.TB) (*keys.Signer, []byte) {
	s, pub, _ := newTestKeyPEM(t)
	return s, pub
}

// newTestKeyPEM returns a signer, its public key PEM and its unencrypted
// private key PEM.
func newTestKeyPEM(t testing.TB) (*keys.Signer, []byte, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	s, err := keys.LoadSigner(privPEM, nil, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return s, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), privPEM
}

func openTestCase(t testing.TB, b evidence.Backend) *testCase {
	t.Helper()
	s, pubPEM := newTestKey(t)
	v, err := keys.Verifier(s.Public(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	c, err := evidence.Open(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fp, _ := keys.Fingerprint(s.Public())
	if _, err := c.Create(context.Background(), testExaminer, evidence.CaseInfo{
		Title: "Intrusion at web01 (test)", Origin: testOrigin, CaseID: "0123456789abcdef0123456789abcdef",
		KeyFingerprint: fp, KeyAlgorithm: "Ed25519", ToolVersion: "Casefile test",
	}); err != nil {
		t.Fatal(err)
	}
	return &testCase{c: c, signer: s, pubPEM: pubPEM, arts: map[string]evidence.Digest{}}
}

func newTestCase(t testing.TB) *testCase {
	t.Helper()
	tc := openTestCase(t, memstore.New())
	ctx := context.Background()
	es := eventstore.New(tc.c)
	for _, name := range []string{"auth.log", "access.log", "notes.bin"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		meta := evidence.ArtefactMeta{Name: name, Path: "/var/log/" + name, Source: "web01 via SSH", ModTime: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
		if name == "notes.bin" {
			meta.Name = "notes\x1b[31m<b>.bin" // a hostile name
		}
		res, err := tc.c.Ingest(ctx, bytes.NewReader(data), meta, evidence.IngestOptions{Actor: testExaminer, LegacyHashes: name == "auth.log"})
		if err != nil {
			t.Fatal(err)
		}
		tc.arts[name] = res.Digest
		if name != "notes.bin" {
			if _, _, err := es.Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026, Name: name, Actor: testExaminer}); err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
		}
	}
	// An enrichment-like entry naming one indicator, and one naming none.
	if _, err := tc.c.Append(ctx,
		evidence.Draft{Kind: "observation.recorded", Actor: testExaminer, Payload: map[string]any{"indicator": "185.220.101.4", "source": "tor exit list", "fields": map[string]any{"exit": true}}},
		evidence.Draft{Kind: "note.added", Actor: testExaminer, Payload: map[string]any{"text": "called the hosting provider"}},
	); err != nil {
		t.Fatal(err)
	}
	return tc
}

func (tc *testCase) options(out string) Options {
	return Options{
		Out: out, Recipient: "Police, cybercrime unit", Purpose: "criminal complaint",
		Authorization: "engagement letter 2026-17", Signer: tc.signer, PublicKeyPEM: tc.pubPEM,
		Actor: testExaminer, Findings: testFindings(), Observations: observe.ForExport{},
	}
}

var loginTime = time.Date(2026, 11, 20, 9, 50, 0, 0, time.UTC)

func testFindings() []Finding {
	return []Finding{
		{
			Indicator: "185.220.101.4", Type: "ip", Role: "anonymization-relay", Probability: 0.93, Words: "very likely",
			Confidence: "high", CollateralRisk: 0.97,
			Hypotheses:     map[string]float64{"perpetrator-infrastructure": 0.02, "anonymization-relay": 0.93, "compromised-third-party": 0.03, "abused-platform": 0.01, "undetermined": 0.01},
			Statement:      "185.220.101.4 is very likely an anonymising relay (Tor exit). Confidence: high. Acting against it would almost certainly harm a third party.",
			Recommendation: "Block it at your own perimeter and report to the national CERT or police with this package.",
			WouldChange:    []string{"logs from the Tor exit operator (none are kept)"},
			Factors: []FindingFactor{
				{ID: "tor-exit", Text: "Listed as a Tor exit at the time of the events", Nats: map[string]float64{"anonymization-relay": 3.9}, Rho: 0.95, Source: "tor exit list 2026-11-20", Evidence: []string{"entry:9"}, Diagnostic: true},
				{ID: "country", Text: "Geolocated to DE", Rho: 1, Source: "GeoLite2", Diagnostic: false},
			},
		},
		{
			Indicator: "130.37.1.20", Type: "ip", Role: "compromised-third-party", Probability: 0.71, Words: "likely",
			Confidence: "moderate", CollateralRisk: 0.8, Statement: "130.37.1.20 is likely a compromised third-party system (a university host).",
			Recommendation: "Notify the university's abuse contact.",
			FirstSeen:      &loginTime, LastSeen: &loginTime,
			Logins: []FindingLogin{{Account: "jsmith", First: &loginTime, Count: 1, Evidence: "entry:2"}},
		},
	}
}

func build(t testing.TB, tc *testCase, o Options) *Result {
	t.Helper()
	res, err := Build(context.Background(), tc.c, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustVerify(t testing.TB, p string) *Report {
	t.Helper()
	r, err := Verify(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonIndent(t testing.TB, v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }

// readPackage reads every file of a package, as a test looks at it:
// hashes for all, bytes for all but artefacts.
func readPackage(ctx context.Context, p string) (*reader, error) {
	walk, err := openPackage(p)
	if err != nil {
		return nil, err
	}
	r := newReader()
	err = walk(ctx, func(name string, size int64, open func() (io.ReadCloser, error)) error {
		return r.read(ctx, name, size, 1<<30, !strings.HasPrefix(name, dirArtefacts), open)
	}, r.bad)
	return r, err
}
