package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/eventstore"
)

// searchFlags are the flags of `events` that search the index: a query,
// its order and page, and saved searches.
type searchFlags struct {
	query, sort, saved, save string
	offset                   int
	listSaved                bool
}

func (f *searchFlags) flags(fl *pflag.FlagSet) {
	fl.StringVar(&f.query, "query", "", `search: words, "phrases", field:value (src, dst, user, kind, status, method, signature, …), -negation, after:/before: times`)
	fl.StringVar(&f.sort, "sort", "", "order of a search: time (oldest first, the default), -time (newest first) or stored (as preserved)")
	fl.IntVar(&f.offset, "offset", 0, "skip this many matching events (paging a search)")
	fl.StringVar(&f.saved, "saved", "", "run the saved search of this name")
	fl.StringVar(&f.save, "save", "", "save --query under this name (a custody entry; an empty --query removes the name)")
	fl.BoolVar(&f.listSaved, "list-saved", false, "list the case's saved searches")
}

// wanted tells whether the command is a search rather than a listing.
func (f *searchFlags) wanted(cmd *cobra.Command) bool {
	for _, n := range []string{"query", "sort", "offset", "saved", "save", "list-saved"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// searchEvents answers `events --query` (and the saved-search flags) from
// the search index. The listing flags (--kind, --outcome, --artefact,
// --from, --to) narrow the query; --limit pages it.
func (a *app) searchEvents(cmd *cobra.Command, f *searchFlags, lq eventstore.Query, from, to string) error {
	if lq.Indicator != "" {
		return usagef("--indicator lists events by indicator; with --query, search for the value itself (src:1.2.3.4, or the bare word)")
	}
	if f.save != "" && f.saved != "" {
		return usagef("--save and --saved: give one")
	}
	switch f.sort {
	case "", "time":
		f.sort = eventstore.SortTime
	case "-time", "stored":
		if f.sort == "stored" {
			f.sort = eventstore.SortStored
		}
	default:
		return usagef("--sort: use time, -time or stored")
	}
	if f.offset < 0 || lq.Limit < 0 {
		return usagef("--offset and --limit cannot be negative")
	}
	h, err := a.openCase(cmd, f.save != "")
	if err != nil {
		return err
	}
	defer func() { h.Close() }()
	if f.save == "" && !f.listSaved {
		// Runs parsed before the search index existed are indexed once,
		// by a store open for writing (derived data: no key needed).
		old, err := eventstore.New(h.Case).Unindexed()
		if err != nil {
			return err
		}
		if len(old) > 0 {
			h.Close()
			if h, err = a.openCaseWith(casedir.OpenOptions{Writable: true}); err != nil {
				return err
			}
			fmt.Fprintf(a.err, "casefile: indexing %d runs parsed before the search index existed (once)\n", len(old))
			for _, r := range old {
				if err := eventstore.New(h.Case).BuildIndex(ctx(cmd), r); err != nil {
					return err
				}
			}
		}
	}
	switch {
	case f.listSaved:
		all, err := eventstore.SavedSearches(h.Case)
		if err != nil {
			return err
		}
		for _, s := range all {
			if a.json {
				b, _ := json.Marshal(s)
				fmt.Fprintln(a.out, string(b))
			} else {
				fmt.Fprintf(a.out, "%-24s %s  (entry %d, %s, %s)\n", s.Name, s.Query, s.Entry, s.Actor, s.Time.UTC().Format(time.RFC3339))
			}
		}
		if len(all) == 0 && !a.json {
			fmt.Fprintln(a.err, "casefile: no saved searches")
		}
		return nil
	case f.save != "":
		e, err := eventstore.SaveSearch(ctx(cmd), h.Case, f.save, f.query, a.actor())
		if err != nil {
			return usagef("%v", err)
		}
		fmt.Fprintf(a.out, "saved search %q recorded as entry %d\n", f.save, e.Index)
		return nil
	case f.saved != "":
		s, err := eventstore.SavedSearchNamed(h.Case, f.saved)
		if err != nil {
			return withHint(err, "list them with 'casefile events --list-saved'")
		}
		f.query = s.Query
	}
	text := f.query
	for flag, v := range map[string]string{"kind": lq.Kind, "outcome": lq.Outcome, "artefact": lq.Artefact, "after": from} {
		if v != "" {
			text += fmt.Sprintf(" %s:%q", flag, v)
		}
	}
	q, err := eventstore.ParseSearch(text)
	if err != nil {
		return usagef("--query: %v", err)
	}
	if to != "" {
		t, err := parseWhen(to)
		if err != nil {
			return usagef("--to: %v", err)
		}
		if len(to) == len("2006-01-02") {
			t = t.Add(24 * time.Hour) // the whole day
		} else {
			t = t.Add(time.Nanosecond) // at or before
		}
		if q.Before.IsZero() || t.Before(q.Before) {
			q.Before = t.UTC()
		}
	}
	s := eventstore.New(h.Case)
	limit := lq.Limit
	if limit == 0 {
		limit = 1 << 30
	}
	res, err := s.Search(ctx(cmd), q, eventstore.SearchOptions{Sort: f.sort, Offset: f.offset, Limit: limit})
	if err != nil {
		return err
	}
	names, err := artefactNames(s)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	for _, hit := range res.Hits {
		if a.json {
			err = enc.Encode(hit.Event)
		} else {
			_, err = fmt.Fprintln(a.out, eventText(hit.Event, names[hit.Event.Citation.Artefact]))
		}
		if err != nil {
			return err
		}
	}
	if !a.json {
		switch {
		case res.Total == 0:
			fmt.Fprintln(a.err, "casefile: no events match")
		case len(res.Hits) < int(res.Total):
			fmt.Fprintf(a.err, "casefile: %d events match; shown %d–%d (page with --offset and --limit)\n", res.Total, f.offset+min(1, len(res.Hits)), f.offset+len(res.Hits))
		default:
			fmt.Fprintf(a.err, "casefile: %d events match\n", res.Total)
		}
	}
	return nil
}
