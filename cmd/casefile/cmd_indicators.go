package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/rawtext"
)

// indicatorJSON is one indicator in `indicators --json` (CLI.md).
type indicatorJSON struct {
	Value        string               `json:"value"`
	Type         string               `json:"type"`
	Count        int64                `json:"count"`
	FirstSeen    string               `json:"first_seen"`
	LastSeen     string               `json:"last_seen"`
	Special      string               `json:"special"`
	Artefacts    []string             `json:"artefacts"`
	Observations []enrich.Observation `json:"observations"`
}

func (a *app) indicatorsCmd() *cobra.Command {
	var typ string
	cmd := &cobra.Command{
		Use:   "indicators --case DIR [--json]",
		Short: "Indicators found in the events, with counts and first/last seen",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.openCase(cmd, false)
			if err != nil {
				return err
			}
			defer h.Close()
			observed, err := observe.Lookup(h.Case)
			if err != nil {
				return err
			}
			// Each indicator is written as it is made, with its observations
			// read for it: on a case of a million sources the whole listing,
			// or every observation, would be another copy of the index (6 GB
			// for a million enriched sources). The summaries come sorted, a
			// bounded number held at a time (eventstore.EachIndicator).
			each := func(fn func(indicatorJSON) error) error {
				return eventstore.New(h.Case).EachIndicator(func(i *eventstore.Summary) error {
					if typ != "" && string(i.Type) != typ {
						return nil
					}
					j := indicatorJSON{Value: i.Value, Type: string(i.Type), Count: i.Count, Special: i.Special,
						Artefacts: i.Artefacts}
					var err error
					if j.Observations, err = observed(i.Value); err != nil {
						return err
					}
					if j.Observations == nil {
						j.Observations = []enrich.Observation{}
					}
					if !i.FirstSeen.IsZero() {
						j.FirstSeen, j.LastSeen = i.FirstSeen.Format(timeJSON), i.LastSeen.Format(timeJSON)
					}
					return fn(j)
				})
			}
			if a.json {
				return writeIndicatorsJSON(a.out, each)
			}
			fmt.Fprintf(a.out, "%-10s %-40s %8s  %-20s  %-20s  %s\n", "TYPE", "VALUE", "EVENTS", "FIRST SEEN", "LAST SEEN", "WHAT SOURCES SAY")
			return each(func(j indicatorJSON) error {
				_, err := fmt.Fprintf(a.out, "%-10s %-40s %8d  %-20s  %-20s  %s\n", rawtext.Display(j.Type), clip(rawtext.Display(j.Value), 40), j.Count, clip(j.FirstSeen, 20), clip(j.LastSeen, 20), rawtext.Display(obsSummary(j)))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "only this type: ip, domain, url, email, user, ssh-key, user-agent, hash, service")
	return cmd
}

// writeIndicatorsJSON writes `indicators --json` one indicator at a time,
// byte for byte what a json.Encoder (SetEscapeHTML(false)) writes for
// {"indicators": [...]}.
func writeIndicatorsJSON(w io.Writer, each func(func(indicatorJSON) error) error) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if _, err := io.WriteString(w, `{"indicators":[`); err != nil {
		return err
	}
	n := 0
	err := each(func(j indicatorJSON) error {
		buf.Reset()
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		if err := enc.Encode(j); err != nil {
			return err
		}
		_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// obsSummary says in a few words what the sources said.
func obsSummary(j indicatorJSON) string {
	var parts []string
	if j.Special != "" {
		parts = append(parts, j.Special)
	}
	for _, o := range j.Observations {
		f := o.Fields
		switch o.SourceType {
		case enrich.TypeTorExits:
			parts = append(parts, "Tor exit")
		case enrich.TypeCloudRanges:
			parts = append(parts, fmt.Sprintf("%v %v %v", f[enrich.FieldProvider], f[enrich.FieldService], f[enrich.FieldRegion]))
		case enrich.TypeWarninglist:
			parts = append(parts, o.Source)
		case enrich.TypeScan:
			parts = append(parts, fmt.Sprintf("open ports %v", f[enrich.FieldPorts]))
		case enrich.TypeWHOIS:
			if v := f[enrich.FieldOrg]; v != nil {
				parts = append(parts, fmt.Sprintf("org %v", v))
			}
		case enrich.TypeRDAP:
			if v := f[enrich.FieldAbuseEmail]; v != nil {
				parts = append(parts, fmt.Sprintf("abuse %v", v))
			}
		case enrich.TypeMMDB:
			for _, k := range []string{enrich.FieldCountryISOCode, enrich.FieldCityName, enrich.FieldASOrg, enrich.FieldConnectionType} {
				if v, ok := f[k]; ok && v != "" {
					parts = append(parts, fmt.Sprint(v))
				}
			}
			if fl, ok := f[enrich.FieldFlags].([]any); ok && len(fl) > 0 {
				names := make([]string, len(fl))
				for i, v := range fl {
					names[i] = fmt.Sprint(v)
				}
				parts = append(parts, strings.Join(names, ","))
			}
		}
	}
	return strings.Join(parts, "; ")
}

const timeJSON = "2006-01-02T15:04:05Z07:00"

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
