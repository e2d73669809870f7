package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/graph/pipeline"
)

// Run the whole pipeline on a new case: preserve and parse an sshd log,
// preserve a Tor exit list and record what it says about the log's
// addresses, then assess every source and record the assessment.
func ExampleRun() {
	ctx := context.Background()
	const actor = "Ann Analyst <ann@example.org>"
	c, err := memstore.NewCase(ctx, "Example", actor)
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "pipeline-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	exits := filepath.Join(dir, "exit-addresses")
	err = os.WriteFile(exits, []byte("@type tordnsel 1.0\nDownloaded 2026-11-20 12:00:00\n"+
		"ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\nPublished 2026-11-19 13:07:19\nLastStatus 2026-11-20 08:00:00\n"+
		"ExitAddress 185.220.101.4 2026-11-20 08:10:51\n"), 0o644)
	if err != nil {
		panic(err)
	}
	log := "Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2\n" +
		"Nov 20 09:20:00 web01 sshd[31099]: Accepted publickey for deploy from 89.160.20.130 port 51514 ssh2\n"

	res, err := pipeline.Run(ctx, c, pipeline.Options{
		Logs: []pipeline.Log{{
			Path: "/evidence/web01/auth.log", Body: strings.NewReader(log), // read from Body, recorded under Path
			Meta:  evidence.ArtefactMeta{Source: "web01"},
			Parse: eventstore.ParseOptions{Year: 2026},
		}},
		Enrich: observe.Options{Datasets: []observe.DatasetFile{{Path: exits}}},
		Actor:  actor,
		Record: true,
		Progress: func(st pipeline.Step) {
			if st.Stage == pipeline.StageIngest {
				fmt.Printf("%s: %d events\n", st.Log.Name, st.Log.Run.Events)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	for _, d := range res.Enrichment.Datasets {
		fmt.Printf("%s: %d of %d addresses listed\n", d.Type, d.Matched, d.Looked)
	}
	for _, s := range res.Assessment.Sources {
		fmt.Println(s.Indicator, s.Role)
	}
	fmt.Println("recorded as", res.Recorded.Kind)
	// Output:
	// auth.log: 2 events
	// tor-exits: 1 of 2 addresses listed
	// 185.220.101.4 anonymization-relay
	// 89.160.20.130 undetermined
	// recorded as assessment.recorded
}
