// Package observe looks up a case's indicators in preserved datasets and
// WHOIS, and records what each source said as custody entries.
//
// Every dataset is first preserved as an artefact; it is then opened from
// the preserved bytes (never from the file the examiner named), so every
// observation cites bytes that verification covers. Observations are
// recorded in observations.recorded entries, one dataset per entry and at
// most a few hundred observations each, committed atomically with the
// index that lets them be found by indicator. Looking up the same
// indicator in the same dataset twice records nothing new; a newer dataset
// adds its own observations beside the old ones, which stay.
package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence"
)

// KindObservations is the entry kind that records observations.
const KindObservations = "observations.recorded"

// perEntry bounds the observations recorded in one entry.
const perEntry = 400

// prefixObs indexes observations: o/<indicator>\x00<dataset digest> →
// JSON array of the observations that dataset gave for the indicator.
var prefixObs = []byte("o/")

// Payload is the payload of an observations.recorded entry.
type Payload struct {
	Dataset      string               `json:"dataset"` // "sha256:…" of the dataset or WHOIS response artefact
	Source       string               `json:"source"`
	SourceType   string               `json:"source_type"`
	DatasetDate  string               `json:"dataset_date,omitempty"`
	Observations []enrich.Observation `json:"observations"`
	Summary      string               `json:"summary"`
}

// Recorder records observations into a case.
type Recorder struct {
	c           *evidence.Case
	actor       string
	reliability map[string]string // source name or source type → Admiralty letter
}

// NewRecorder returns a recorder acting as actor. reliability overrides the
// default Admiralty rating, keyed by source name or source type.
func NewRecorder(c *evidence.Case, actor string, reliability map[string]string) *Recorder {
	return &Recorder{c: c, actor: actor, reliability: reliability}
}

func (r *Recorder) rating(o *enrich.Observation) string {
	if v := r.reliability[o.Source]; v != "" {
		return v
	}
	if v := r.reliability[o.SourceType]; v != "" {
		return v
	}
	if o.Reliability != "" {
		return o.Reliability
	}
	return enrich.DefaultReliability(o.SourceType)
}

func obsKey(indicator, dataset string) []byte {
	k := make([]byte, 0, len(prefixObs)+len(indicator)+1+len(dataset))
	k = append(k, prefixObs...)
	k = append(k, indicator...)
	k = append(k, 0)
	return append(k, dataset...)
}

// Known reports whether dataset was already consulted for indicator.
func (r *Recorder) Known(indicator, dataset string) (bool, error) {
	return r.c.Derived().Has(obsKey(indicator, dataset))
}

// Record records what one source said about a set of indicators. byInd
// maps each indicator looked up to its observations (possibly none: a miss
// is recorded too, as an empty list, so that "looked up, not listed" is
// itself on record). Indicators already recorded for this dataset are
// skipped. It returns the number of observations recorded.
func (r *Recorder) Record(ctx context.Context, src Source, byInd map[string][]enrich.Observation) (int, error) {
	if src.Key == "" {
		src.Key = src.Dataset
	}
	inds := make([]string, 0, len(byInd))
	for ind := range byInd {
		known, err := r.Known(ind, src.Key)
		if err != nil {
			return 0, err
		}
		if !known {
			inds = append(inds, ind)
		}
	}
	sort.Strings(inds)
	total := 0
	for len(inds) > 0 {
		var (
			ops   []evidence.Op
			obs   []enrich.Observation
			taken int
		)
		for _, ind := range inds {
			list := byInd[ind]
			if len(obs) > 0 && len(obs)+len(list) > perEntry {
				break
			}
			for i := range list {
				list[i].Reliability = r.rating(&list[i])
			}
			if list == nil {
				list = []enrich.Observation{}
			}
			v, err := json.Marshal(list)
			if err != nil {
				return total, err
			}
			ops = append(ops, evidence.Op{Key: obsKey(ind, src.Key), Value: v})
			obs = append(obs, list...)
			taken++
			if len(ops) >= 2*perEntry {
				break
			}
		}
		inds = inds[taken:]
		p := Payload{Dataset: src.Dataset, Source: src.Name, SourceType: src.Type, Observations: obs,
			Summary: fmt.Sprintf("%s said something about %d of %d indicators looked up", src.Name, countIndicators(obs), taken)}
		if !src.Date.IsZero() {
			p.DatasetDate = src.Date.UTC().Format(time.RFC3339)
		}
		if _, err := r.c.AppendAtomic(ctx, ops, evidence.Draft{Kind: KindObservations, Actor: r.actor, Payload: p}); err != nil {
			return total, err
		}
		total += len(obs)
	}
	return total, nil
}

func countIndicators(obs []enrich.Observation) int {
	seen := map[string]bool{}
	for _, o := range obs {
		seen[o.Indicator] = true
	}
	return len(seen)
}

// Source names what is being recorded: a dataset or a WHOIS response.
type Source struct {
	Dataset string // "sha256:…" of the artefact ("" for the builtin table)
	Key     string // index key of the source; default Dataset
	Name    string
	Type    string
	Date    time.Time
}

// Observations returns what every source said about one indicator, in
// dataset order.
func Observations(c *evidence.Case, indicator string) ([]enrich.Observation, error) {
	var out []enrich.Observation
	prefix := obsKey(indicator, "")
	err := c.Derived().Scan(prefix, nil, func(_, v []byte) error {
		var list []enrich.Observation
		if err := json.Unmarshal(v, &list); err != nil {
			return err
		}
		out = append(out, list...)
		return nil
	})
	return out, err
}

// All returns every recorded observation, by indicator.
func All(c *evidence.Case) (map[string][]enrich.Observation, error) {
	out := map[string][]enrich.Observation{}
	err := c.Derived().Scan(prefixObs, nil, func(k, v []byte) error {
		ind, _, ok := bytes.Cut(k[len(prefixObs):], []byte{0})
		if !ok {
			return errors.New("malformed observation key")
		}
		var list []enrich.Observation
		if err := json.Unmarshal(v, &list); err != nil {
			return err
		}
		if len(list) > 0 {
			out[string(ind)] = append(out[string(ind)], list...)
		}
		return nil
	})
	return out, err
}

// Consulted lists, for one indicator, the datasets that were asked about
// it (including those that had nothing to say).
func Consulted(c *evidence.Case, indicator string) ([]string, error) {
	var out []string
	prefix := obsKey(indicator, "")
	err := c.Derived().Keys(prefix, nil, func(k []byte) error {
		out = append(out, strings.TrimPrefix(string(k), string(prefix)))
		return nil
	})
	return out, err
}
