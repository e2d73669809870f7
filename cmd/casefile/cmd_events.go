package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/rawtext"
)

func (a *app) eventsCmd() *cobra.Command {
	var q eventstore.Query
	var from, to string
	var sf searchFlags
	cmd := &cobra.Command{
		Use:   "events --case DIR [--indicator X | --query Q | --saved NAME] [--json]",
		Short: "Parsed events, each citing its artefact, byte offset and line; search and timeline with --query",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if sf.wanted(cmd) {
				return a.searchEvents(cmd, &sf, q, from, to)
			}
			if q.From, err = parseWhen(from); err != nil {
				return usagef("--from: %v", err)
			}
			if q.To, err = parseWhen(to); err != nil {
				return usagef("--to: %v", err)
			}
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			s := eventstore.New(h.Case)
			names, err := artefactNames(s)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(a.out)
			enc.SetEscapeHTML(false)
			n := 0
			err = s.Events(q, func(e *parse.Event) error {
				n++
				if a.json {
					return enc.Encode(e)
				}
				_, err := fmt.Fprintln(a.out, eventText(e, names[e.Citation.Artefact]))
				return err
			})
			if err == nil && n == 0 && !a.json {
				fmt.Fprintln(a.err, "casefile: no events match")
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&q.Indicator, "indicator", "", "only events that mention this indicator (address, user, domain, …)")
	fl.StringVar(&q.Artefact, "artefact", "", "only events of this artefact (sha256)")
	fl.StringVar(&q.Kind, "kind", "", "only this kind: auth, http, api, flow, alert, dns, process, other")
	fl.StringVar(&q.Outcome, "outcome", "", "only this outcome: success, failure, unknown")
	fl.StringVar(&from, "from", "", "only events at or after this time (RFC 3339 or YYYY-MM-DD)")
	fl.StringVar(&to, "to", "", "only events at or before this time")
	fl.IntVar(&q.Limit, "limit", 0, "at most this many events")
	sf.flags(fl)
	return cmd
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// eventText is one event as a person reads it, ending with where it is.
func eventText(e *parse.Event, name string) string {
	var b strings.Builder
	if e.Time.IsZero() {
		b.WriteString("(no time)           ")
	} else {
		b.WriteString(e.Time.UTC().Format("2006-01-02 15:04:05Z"))
		if _, off := e.Time.Zone(); off != 0 {
			b.WriteString(e.Time.Format(" (-07:00)")) // the offset the log gave
		}
	}
	show := rawtext.Display
	fmt.Fprintf(&b, "  %-5s %-8s %-7s", show(e.Kind), show(e.Action), show(e.Outcome))
	src := e.Src
	if src == "" {
		src = e.SrcService
	}
	if src != "" {
		fmt.Fprintf(&b, " %s", show(src))
		if e.Dst != "" {
			fmt.Fprintf(&b, " → %s", show(e.Dst))
			if e.DstPort != 0 {
				fmt.Fprintf(&b, ":%d", e.DstPort)
			}
		}
	}
	if e.User != "" {
		fmt.Fprintf(&b, " user \"%s\"", show(e.User))
	}
	c := e.Citation
	where := fmt.Sprintf("line %d", c.Line)
	if c.Line == 0 {
		where = fmt.Sprintf("record %d", c.Record)
	}
	if name == "" {
		name = c.Artefact
	}
	fmt.Fprintf(&b, "  [%s %s, byte %d; %s]", show(name), where, c.Offset, show(c.Parser))
	return b.String()
}

// artefactNames names each parsed artefact by the name it was ingested
// under, for event lines.
func artefactNames(s *eventstore.Store) (map[string]string, error) {
	runs, err := s.Runs()
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(runs))
	for _, r := range runs {
		names[r.Artefact] = r.Name
	}
	return names, nil
}
