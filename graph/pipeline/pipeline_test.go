package pipeline_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/graph/pipeline"
)

const authLog = "Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2\n"

// TestRepeatedLogGoesOn: the same log twice is preserved twice (custody),
// parsed once, and the pipeline goes on to assess; without Record nothing
// is recorded.
func TestRepeatedLogGoesOn(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	logs := []pipeline.Log{
		{Path: "a/auth.log", Body: strings.NewReader(authLog), Parse: eventstore.ParseOptions{Year: 2026}},
		{Path: "b/auth.log", Body: strings.NewReader(authLog), Parse: eventstore.ParseOptions{Year: 2026}},
	}
	var stages []pipeline.Stage
	res, err := pipeline.Run(ctx, c, pipeline.Options{Logs: logs, Actor: "T", Progress: func(st pipeline.Step) { stages = append(stages, st.Stage) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Logs) != 2 || res.Logs[0].Run == nil || res.Logs[0].Run.Events != 1 || !errors.Is(res.Logs[1].ParseErr, eventstore.ErrAlreadyParsed) {
		t.Fatalf("logs: %+v %+v", res.Logs[0].Outcome, res.Logs[1].Outcome)
	}
	if len(res.Assessment.Sources) != 1 || res.Recorded != nil {
		t.Fatalf("%d sources, recorded %v", len(res.Assessment.Sources), res.Recorded)
	}
	if want := []pipeline.Stage{pipeline.StageIngest, pipeline.StageIngest, pipeline.StageEnrich, pipeline.StageAssess}; !slices.Equal(stages, want) {
		t.Fatalf("progress: %v", stages)
	}
}

// TestMissingLogStops: a log that cannot be read stops the pipeline before
// any assessment, naming the file.
func TestMissingLogStops(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(ctx, c, pipeline.Options{Actor: "T", Logs: []pipeline.Log{
		{Path: "auth.log", Body: strings.NewReader(authLog)},
		{Path: t.TempDir() + "/missing.log"},
	}})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.log") {
		t.Fatalf("error %v", err)
	}
	if len(res.Logs) != 1 || res.Enrichment != nil || res.Assessment != nil {
		t.Fatalf("result %+v", res)
	}
}
