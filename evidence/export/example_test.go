package export_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/memstore"
)

// Build a signed package of a whole case, then verify it offline as its
// recipient would, with nothing but the package.
func ExampleBuild() {
	ctx := context.Background()
	const origin, examiner = "casefile.invalid/case/example", "Ann Analyst <ann@example.org>"
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	signer, err := keys.LoadSigner(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, origin)
	if err != nil {
		panic(err)
	}
	pder, _ := x509.MarshalPKIXPublicKey(pub)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder})
	verifier, _ := keys.Verifier(pub, origin)

	c, err := evidence.Open(memstore.New(), evidence.Config{Signer: signer, Verifier: verifier})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if _, err := c.Create(ctx, examiner, evidence.CaseInfo{Title: "Example", Origin: origin}); err != nil {
		panic(err)
	}
	if _, err := c.Ingest(ctx, strings.NewReader("a log line\n"), evidence.ArtefactMeta{Name: "app.log"}, evidence.IngestOptions{Actor: examiner}); err != nil {
		panic(err)
	}

	dir, _ := os.MkdirTemp("", "export-example")
	defer os.RemoveAll(dir)
	res, err := export.Build(ctx, c, export.Options{
		Out: filepath.Join(dir, "package"), Recipient: "Police, cybercrime unit", Purpose: "criminal complaint",
		Signer: signer, PublicKeyPEM: pubPEM, Actor: examiner,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("package of %d entries and %d artefact(s), recorded as entry %d\n", res.Entries, res.Artefacts, res.Entry.Index)

	r, err := export.Verify(ctx, res.Out)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ok=%v entries=%d artefacts=%d problems=%d\n", r.OK, r.Entries, r.Artefacts, len(r.Problems))
	// Output:
	// package of 2 entries and 1 artefact(s), recorded as entry 2
	// ok=true entries=2 artefacts=1 problems=0
}
