package graph_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// Assess a case's sources with the default model, then record the
// assessment: the entry commits to one leaf per source and names the log
// size it rests on.
func ExampleAssess() {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "Example", "Ann Analyst <ann@example.org>")
	if err != nil {
		panic(err)
	}
	log := "Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2\n" +
		"Nov 20 09:20:00 web01 sshd[31099]: Accepted publickey for deploy from 89.160.20.130 port 51514 ssh2\n"
	res, err := c.Ingest(ctx, strings.NewReader(log), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{Actor: "Ann Analyst <ann@example.org>"})
	if err != nil {
		panic(err)
	}
	if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026}); err != nil {
		panic(err)
	}

	size := c.Log().Size() // what the assessment rests on
	result, err := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
	if err != nil {
		panic(err)
	}
	for _, s := range result.Sources {
		fmt.Println(s.Indicator)
	}
	e, err := graph.Record(ctx, c, result, size, nil, "Ann Analyst <ann@example.org>")
	if err != nil {
		panic(err)
	}
	var p graph.AssessmentPayload
	if err := e.DecodePayload(&p); err != nil {
		panic(err)
	}
	fmt.Println(e.Kind, "over", p.TreeSize, "entries,", p.Sources, "sources")
	// Output:
	// 185.220.101.4
	// 89.160.20.130
	// assessment.recorded over 3 entries, 2 sources
}
