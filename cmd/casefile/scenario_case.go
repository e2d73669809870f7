package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/enrich/whois/whoistest"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/graph/pipeline"
	"github.com/casefile/casefile/graph/scenario"
)

// incident is a generated scenario directory (casefile simulate).
type incident struct {
	dir   string
	truth *scenario.Truth
}

func readIncident(dir string) (*incident, error) {
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a generated incident (no truth.json): %w", dir, err)
	}
	var t scenario.Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s/truth.json: %w", dir, err)
	}
	return &incident{dir: dir, truth: &t}, nil
}

// investigate runs the analyst's pipeline (graph/pipeline) on an incident
// directory: preserve and parse every log (the examiner states the year of
// year-less syslog and which logs were recorded behind a CDN), then
// preserve and consult every dataset, and ask WHOIS and RDAP through
// servers on 127.0.0.1 that serve the incident's recorded answers, then
// assess. o says who acts, with which model, whether to record the
// assessment and whom to tell of each step; investigate fills in the logs
// and the enrichment.
func investigate(ctx context.Context, c *evidence.Case, in *incident, o pipeline.Options) (*pipeline.Result, error) {
	behind := map[string]bool{}
	for _, l := range in.truth.VantageProxy {
		behind[l] = true
	}
	logs := make([]string, 0, len(in.truth.Logs))
	for l := range in.truth.Logs {
		logs = append(logs, l)
	}
	sort.Strings(logs)
	o.Logs = nil
	for _, l := range logs {
		meta := evidence.ArtefactMeta{Name: filepath.Base(l), Path: l, Source: "victim systems (generated incident " + in.truth.Scenario + ")"}
		if behind[l] {
			meta.Vantage = "recorded behind the CDN; no trusted X-Forwarded-For"
		}
		o.Logs = append(o.Logs, pipeline.Log{Path: filepath.Join(in.dir, l), Meta: meta,
			Ingest: evidence.IngestOptions{LegacyHashes: true},
			Parse:  eventstore.ParseOptions{Format: in.truth.Logs[l], Year: in.truth.Year}})
	}
	var opt observe.Options
	root := filepath.Join(in.dir, "datasets")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			opt.Datasets = append(opt.Datasets, observe.DatasetFile{Path: p})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if ents, _ := os.ReadDir(filepath.Join(in.dir, "whois")); len(ents) > 0 {
		srv, err := whoistest.Start(whoistest.Replay(filepath.Join(in.dir, "whois")))
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		opt.WHOIS, opt.WHOISServer, opt.WHOISRate = true, srv.Addr, -1 // our own loopback server: no need to be polite
		opt.WHOISAsOf = in.truth.Collected                             // the answers were recorded then
	}
	if files, _ := filepath.Glob(filepath.Join(in.dir, "rdap", "*.json")); len(files) > 0 {
		srv, err := rdaptest.NewReplay(files...)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		opt.RDAP, opt.RDAPServer, opt.RDAPRate = true, srv.URL, -1 // our own loopback server
	}
	o.Enrich = opt
	return pipeline.Run(ctx, c, o)
}
