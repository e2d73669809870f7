package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/enrich/rdap"
)

func (a *app) enrichCmd() *cobra.Command {
	var reliab []string
	files := make([][]string, len(observe.Kinds)) // per kind, the files given
	var o observe.Options
	cmd := &cobra.Command{
		Use:   "enrich --case DIR [--mmdb FILE]… [--tor-exits FILE]… [--ranges FILE]… [--warninglist FILE]… [--scan FILE]… [--whois] [--rdap]",
		Short: "Preserve datasets and record what they (and WHOIS) say about every indicator",
		Long: `Preserve each dataset file as an artefact, open it from the preserved bytes,
look up every indicator of the case in it and record the observations, each
citing the dataset and its own date. Offline unless --whois or --rdap is
given. --rdap asks each address's registry (found through the IANA
bootstrap) for the network and its abuse contact, which casefile notify
addresses its reports to; each answer is preserved.
Running it again with the same datasets records nothing new.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for i, k := range observe.Kinds {
				for _, f := range files[i] {
					o.Datasets = append(o.Datasets, observe.DatasetFile{Path: f, Want: k.Type})
				}
			}
			o.Reliability = map[string]string{}
			for _, r := range reliab {
				k, v, ok := strings.Cut(r, "=")
				if !ok || len(v) != 1 || !strings.Contains("ABCDEF", v) {
					return usagef("--reliability %q: want SOURCE=A…F, e.g. mmdb=B or tor-exit-addresses=A", r)
				}
				o.Reliability[k] = v
			}
			if o.WHOISServer != "" {
				o.WHOIS = true
			}
			if o.RDAPServer != "" {
				o.RDAP = true
			}
			if o.RDAPRate <= 0 {
				return usagef("--rdap-rate %v: want a positive number of requests per second", o.RDAPRate)
			}
			if len(o.Datasets) == 0 && !o.WHOIS && !o.RDAP {
				a.hint("no dataset given: only the special-purpose ranges are recognised; add --mmdb, --tor-exits, --ranges or --warninglist")
			}
			if o.WHOIS && o.WHOISServer == "" {
				a.hint("--whois queries public WHOIS servers over the network; each answer is preserved")
			}
			if o.RDAP && o.RDAPServer == "" {
				a.hint("--rdap queries the registries' RDAP servers over the network, about one address a second; each answer is preserved")
			}
			h, err := a.openCase(cmd, true)
			if err != nil {
				return err
			}
			defer h.Close()
			o.Actor = a.actor()
			o.Progress = func(s string) { fmt.Fprintf(a.err, "casefile: %s\n", s) }
			rep, err := observe.Run(ctx(cmd), h.Case, o)
			if a.json && rep != nil {
				json.NewEncoder(a.out).Encode(rep)
			} else if rep != nil {
				printEnrich(a, rep)
			}
			return err
		},
	}
	fl := cmd.Flags()
	for i, k := range observe.Kinds {
		fl.StringArrayVar(&files[i], k.Flag, nil, k.Label)
	}
	fl.StringArrayVar(&reliab, "reliability", nil, "Admiralty rating for a source name or type, e.g. --reliability whois=D")
	fl.BoolVar(&o.WHOIS, "whois", false, "also ask WHOIS (contacts servers over the network)")
	fl.StringVar(&o.WHOISServer, "whois-server", "", "send every WHOIS query to this HOST:PORT (implies --whois)")
	fl.BoolVar(&o.RDAP, "rdap", false, "also ask RDAP for each address's network and abuse contact (contacts registries over the network)")
	fl.StringVar(&o.RDAPServer, "rdap-server", "", "send every RDAP request to this base URL, bypassing the IANA bootstrap (implies --rdap)")
	fl.Float64Var(&o.RDAPRate, "rdap-rate", rdap.DefaultRateLimit, "RDAP requests per second at most")
	return cmd
}

func printEnrich(a *app, rep *observe.Report) {
	fmt.Fprintf(a.out, "%d indicators in the case\n", rep.Indicators)
	if rep.Special > 0 {
		fmt.Fprintf(a.out, "  special-purpose ranges  %d addresses recognised without a dataset\n", rep.Special)
	}
	for _, d := range rep.Datasets {
		state := "already preserved"
		if d.Preserved {
			state = "preserved now"
		}
		date := "undated"
		if !d.Date.IsZero() {
			date = "dated " + d.Date.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(a.out, "  %-24s %s (%s, %s, %s)\n", d.Source, d.Path, d.Type, date, state)
		fmt.Fprintf(a.out, "  %-24s looked up %d, matched %d, recorded %d observations\n", "", d.Looked, d.Matched, d.Recorded)
	}
	if w := rep.WHOIS; w != nil {
		fmt.Fprintf(a.out, "  whois                    asked %d, answered %d, failed %d, recorded %d observations\n", w.Asked, w.Answered, w.Failed, w.Recorded)
	}
	if r := rep.RDAP; r != nil {
		fmt.Fprintf(a.out, "  rdap                     asked %d, answered %d (%d with an abuse e-mail), failed %d, recorded %d observations\n", r.Asked, r.Answered, r.Abuse, r.Failed, r.Recorded)
	}
}
