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

// stepReport tells what one pipeline step did, for the demo's narration.
type stepReport func(format string, args ...any)

// investigate runs the analyst's pipeline on an incident directory: ingest
// and parse every log (the examiner states the year of year-less syslog
// and which logs were recorded behind a CDN), then preserve and consult
// every dataset, and ask WHOIS and RDAP through servers on 127.0.0.1 that
// serve the incident's recorded answers.
func investigate(ctx context.Context, c *evidence.Case, in *incident, actor string, say stepReport) (*observe.Report, error) {
	if say == nil {
		say = func(string, ...any) {}
	}
	events := eventstore.New(c)
	behind := map[string]bool{}
	for _, l := range in.truth.VantageProxy {
		behind[l] = true
	}
	logs := make([]string, 0, len(in.truth.Logs))
	for l := range in.truth.Logs {
		logs = append(logs, l)
	}
	sort.Strings(logs)
	for _, l := range logs {
		f, err := os.Open(filepath.Join(in.dir, l))
		if err != nil {
			return nil, err
		}
		meta := evidence.ArtefactMeta{Name: filepath.Base(l), Path: l, Source: "victim systems (generated incident " + in.truth.Scenario + ")"}
		if behind[l] {
			meta.Vantage = "recorded behind the CDN; no trusted X-Forwarded-For"
		}
		res, err := c.Ingest(ctx, f, meta, evidence.IngestOptions{Actor: actor, LegacyHashes: true})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ingest %s: %w", l, err)
		}
		run, _, err := events.Parse(ctx, res.Digest, eventstore.ParseOptions{Format: in.truth.Logs[l], Year: in.truth.Year, Name: meta.Name, Actor: actor})
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", l, err)
		}
		say("%-16s %8s  %s  %d events (%s/%d), %d malformed", meta.Name, evidence.HumanBytes(res.Size), res.Digest.String()[:19]+"…", run.Events, run.Parser, run.ParserVersion, run.Malformed)
	}
	var opt observe.Options
	opt.Actor = actor
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
	return observe.Run(ctx, c, opt)
}
