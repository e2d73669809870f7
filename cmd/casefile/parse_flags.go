package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/evidence/parse"
)

// parseFlags are the ingest options that steer parsing.
type parseFlags struct {
	format string
	year   int
	tz     string
	loc    *time.Location
}

func (p *parseFlags) register(fl *pflag.FlagSet) {
	var names []string
	for _, q := range parse.Parsers() {
		names = append(names, q.Name())
	}
	fl.StringVar(&p.format, "format", "auto", "log format: auto, none (preserve only), or one of "+strings.Join(names, ", "))
	fl.IntVar(&p.year, "year", 0, "year of syslog lines that do not state one (default: from the file's modification time)")
	fl.StringVar(&p.tz, "tz", "", "time zone of logs that do not state one, e.g. Europe/Berlin (default: UTC, noted in each event)")
}

func (p *parseFlags) check() error {
	if p.format != "auto" && p.format != "none" {
		if _, ok := parse.ByName(p.format); !ok {
			return usagef("unknown --format %q", p.format)
		}
	}
	if p.year != 0 && (p.year < 1970 || p.year > 2100) {
		return usagef("--year %d is out of range", p.year)
	}
	if p.tz != "" {
		loc, err := time.LoadLocation(p.tz)
		if err != nil {
			return usagef("--tz %q: %v", p.tz, err)
		}
		p.loc = loc
	}
	return nil
}

// parseLine reports one parse run in ingest output.
type parseLine struct {
	Run       string `json:"run,omitempty"`
	Parser    string `json:"parser,omitempty"`
	Events    int64  `json:"events"`
	Malformed int64  `json:"malformed"`
	Entry     uint64 `json:"entry,omitempty"`
	Status    string `json:"status"` // parsed, already-parsed, not-parsed
	Detail    string `json:"detail,omitempty"`
	// Events dated after the file's mtime or after it was received.
	AfterModTime  int64 `json:"after_mtime,omitempty"`
	AfterReceived int64 `json:"after_received,omitempty"`
}

func (p *parseLine) text() string {
	switch p.Status {
	case "parsed":
		return fmt.Sprintf("parsed with %s: %d events, %d malformed%s%s; entry #%d", p.Parser, p.Events, p.Malformed, p.Detail, p.dates(), p.Entry)
	case "already-parsed":
		return fmt.Sprintf("already parsed with %s (%d events)", p.Parser, p.Events)
	default:
		return "not parsed: " + p.Detail
	}
}

// dates warns of events dated later than the file or its receipt.
func (p *parseLine) dates() string {
	var w []string
	if p.AfterModTime > 0 {
		w = append(w, fmt.Sprintf("%d dated after the file's modification time", p.AfterModTime))
	}
	if p.AfterReceived > 0 {
		w = append(w, fmt.Sprintf("%d dated after it was received (in the future)", p.AfterReceived))
	}
	if len(w) == 0 {
		return ""
	}
	return "; WARNING: " + strings.Join(w, ", ") + " (see each event's time note: a wrong year, time zone or clock)"
}

// parseLineOf reports how an ingest's parse went. An artefact no parser
// reads is not an error (it stays preserved) unless a format was named;
// neither is a twin left unparsed.
func (a *app) parseLineOf(out *intake.Outcome, f parseFlags) (*parseLine, error) {
	if f.format == "none" {
		return nil, nil
	}
	run, entry, err := out.Run, out.ParseEntry, out.ParseErr
	switch {
	case errors.Is(err, intake.ErrTwin):
		return &parseLine{Status: "not-parsed", Detail: "the same content is already in the case (see the twin); --force parses it too"}, nil
	case errors.Is(err, eventstore.ErrAlreadyParsed):
		return &parseLine{Run: run.ID, Parser: fmt.Sprintf("%s/%d", run.Parser, run.ParserVersion), Events: run.Events, Malformed: run.Malformed, Status: "already-parsed"}, nil
	case errors.Is(err, parse.ErrUnknownFormat) && f.format == "auto":
		return &parseLine{Status: "not-parsed", Detail: "no parser recognises the format (the artefact is preserved)"}, nil
	case err != nil:
		return &parseLine{Status: "not-parsed", Detail: err.Error()}, err
	}
	pl := &parseLine{Run: run.ID, Parser: fmt.Sprintf("%s/%d", run.Parser, run.ParserVersion), Events: run.Events, Malformed: run.Malformed, Entry: entry.Index, Status: "parsed",
		AfterModTime: run.AfterModTime, AfterReceived: run.AfterReceived}
	if len(run.FirstProblems) > 0 {
		var ls []string
		for i, m := range run.FirstProblems {
			if i == 5 {
				ls = append(ls, "…")
				break
			}
			where := fmt.Sprintf("line %d", m.Line)
			switch {
			case m.Record != 0:
				where = fmt.Sprintf("record %d", m.Record)
			case m.Line == 0:
				where = fmt.Sprintf("byte %d", m.Offset)
			}
			ls = append(ls, where+": "+m.Reason)
		}
		pl.Detail = " (" + strings.Join(ls, "; ") + ")"
		if strings.Contains(run.FirstProblems[0].Reason, "year") && run.Events == 0 {
			a.hint("the log does not say the year: pass --year YYYY and ingest again")
		}
	}
	return pl, nil
}
