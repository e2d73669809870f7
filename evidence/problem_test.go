package evidence_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestProblemTyped: the typed fields come from the locations the module
// writes, and the JSON stays kind, where, detail.
func TestProblemTyped(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	p := evidence.NewProblem(evidence.ProblemEntry, "entry 12", "x")
	if p.Entry == nil || *p.Entry != 12 || p.Artefact != nil {
		t.Fatalf("entry: %+v", p)
	}
	if p := evidence.NewProblem(evidence.ProblemArtefact, "artefact sha256:"+hex, "x"); p.Artefact == nil || p.Artefact.Hex() != hex {
		t.Fatalf("artefact: %+v", p)
	}
	if p := evidence.NewProblem(evidence.ProblemChunk, "chunk sha256:"+hex, "x"); p.Chunk == nil || p.Artefact != nil {
		t.Fatalf("chunk: %+v", p)
	}
	if p := evidence.NewProblem("proof", "proofs/entry-7.tlog-proof", "x"); p.Entry == nil || *p.Entry != 7 {
		t.Fatalf("proof: %+v", p)
	}
	if p := evidence.NewProblem("artefact", "artefacts/"+hex, "x"); p.Artefact == nil {
		t.Fatalf("package artefact: %+v", p)
	}
	if p := evidence.NewProblem(evidence.ProblemCheckpoint, "checkpoint 3", "x"); p.Entry != nil {
		t.Fatalf("a checkpoint is no entry: %+v", p)
	}
	p.Err = evidence.ErrChainBroken
	b, _ := json.Marshal(p)
	if string(b) != `{"kind":"entry","where":"entry 12","detail":"x"}` {
		t.Fatalf("JSON changed: %s", b)
	}
	if !errors.Is(p, evidence.ErrChainBroken) || p.Error() != "entry 12: x" {
		t.Fatalf("as an error: %v", p)
	}
}
