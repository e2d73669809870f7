package evidence_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// Open a case on a backend (memory here; evidence/badgerstore on disk),
// write its case.created entry, preserve an artefact and verify the whole
// case from the stored bytes.
func Example() {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "casefile.invalid/case/example")
	if err != nil {
		panic(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)

	c, err := evidence.Open(memstore.New(), evidence.Config{Signer: signer, Verifier: verifier})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	const examiner = "Ann Analyst <ann@example.org>"
	if _, err := c.Create(ctx, examiner, evidence.CaseInfo{Title: "Example", Origin: verifier.Name()}); err != nil {
		panic(err)
	}
	log := "Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2\n"
	res, err := c.Ingest(ctx, strings.NewReader(log), evidence.ArtefactMeta{Name: "auth.log", Source: "web01, via SSH"}, evidence.IngestOptions{Actor: examiner})
	if err != nil {
		panic(err)
	}
	fmt.Println("preserved", res.Digest, "as entry", res.Entry.Index)

	r, err := c.Verify(ctx, evidence.VerifyOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("ok=%v entries=%d artefacts=%d problems=%d\n", r.OK, r.Entries, r.Artefacts, len(r.Problems))
	// Output:
	// preserved sha256:e52b18626487aacea4ad0fc374dae107952aa0e3b89d27cd57f1eea66d7009ce as entry 1
	// ok=true entries=2 artefacts=1 problems=0
}
