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

// perEntry and entryBytes bound the observations recorded in one entry:
// large entries mean few durable commits, but an entry stays well under
// evidence.MaxEntrySize.
const (
	perEntry   = 5000
	entryBytes = 640 << 10
)

// prefixObs indexes observations: o/<indicator>\x00<dataset digest> →
// JSON array of the observations that dataset gave for the indicator.
// prefixConsulted marks each source that has been consulted at all.
var (
	prefixObs       = []byte("o/")
	prefixConsulted = []byte("q/")
)

// Payload is the payload of an observations.recorded entry. Its fields are
// in the alphabetical order of their JSON names (canonical order), so that
// recording needs no re-encoding.
type Payload struct {
	Dataset      string               `json:"dataset"` // "sha256:…" of the dataset or WHOIS response artefact
	DatasetDate  string               `json:"dataset_date,omitempty"`
	LookedUp     int                  `json:"looked_up"`            // indicators this entry answers for, listed or not
	NotListed    int                  `json:"not_listed,omitempty"` // of those, how many the source had nothing about
	Observations []enrich.Observation `json:"observations"`
	Source       string               `json:"source"`
	SourceType   string               `json:"source_type"`
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
// maps each indicator looked up to its observations. Misses are counted in
// the entries (looked_up) but not indexed one by one, unless the source
// says KeepMisses (WHOIS: a "no record" answer is itself evidence, and is
// not asked again). Indicators already recorded for this source are
// skipped. It returns the number of observations recorded.
func (r *Recorder) Record(ctx context.Context, src Source, byInd map[string][]enrich.Observation) (int, error) {
	if src.Key == "" {
		src.Key = src.Dataset
	}
	// A source consulted for the first time needs no per-indicator check.
	marker := append(bytes.Clone(prefixConsulted), src.Key...)
	seen, err := r.c.Derived().Has(marker)
	if err != nil {
		return 0, err
	}
	inds := make([]string, 0, len(byInd))
	misses := 0
	for ind, list := range byInd {
		if len(list) == 0 && !src.KeepMisses {
			misses++
			continue
		}
		if seen {
			known, err := r.Known(ind, src.Key)
			if err != nil {
				return 0, err
			}
			if known {
				continue
			}
		}
		inds = append(inds, ind)
	}
	if seen && len(inds) == 0 {
		return 0, nil // nothing new
	}
	sort.Strings(inds)
	date := ""
	if !src.Date.IsZero() {
		date = src.Date.UTC().Format(time.RFC3339)
	}
	// Batches are encoded here and committed by a second goroutine without
	// waiting for the disk; one durable barrier at the end covers them all
	// (after a power failure the log would end, whole, before them).
	type batch struct {
		ops []evidence.Op
		p   json.RawMessage
		n   int
	}
	commits := make(chan batch, 2)
	result := make(chan error, 1)
	total := 0
	go func() {
		var err error
		for b := range commits {
			if err == nil {
				_, err = r.c.AppendLazy(ctx, b.ops, evidence.Draft{Kind: KindObservations, Actor: r.actor, Payload: b.p})
				if err == nil {
					total += b.n
				}
			}
		}
		if err == nil {
			err = r.c.WriteDerived(nil, true) // one durable barrier for every batch
		}
		result <- err
	}()
	wait := func() error { return <-result }
	fail := func(err error) (int, error) {
		close(commits)
		wait()
		return total, err
	}
	for first := true; first || len(inds) > 0; first, misses = false, 0 {
		ops := []evidence.Op{{Key: marker, Value: []byte{1}}}
		var elems [][]byte // each observation's canonical JSON, shared by the index and the entry
		taken, n, size := 0, 0, 0
		for _, ind := range inds {
			list := byInd[ind]
			if n > 0 && (n+len(list) > perEntry || size > entryBytes) {
				break
			}
			for i := range list {
				list[i].Reliability = r.rating(&list[i])
			}
			start := len(elems)
			for i := range list {
				// Observation's fields are written in key order, so this is
				// canonical JSON already; the log checks the whole payload
				// once (and re-encodes it in the rare case it is not).
				b, err := list[i].AppendJSON(nil)
				if err != nil {
					return fail(err)
				}
				elems = append(elems, b)
				size += len(b) + 1
			}
			ops = append(ops, evidence.Op{Key: obsKey(ind, src.Key), Value: joinArray(elems[start:])})
			n += len(list)
			taken++
		}
		inds = inds[taken:]
		commits <- batch{ops, payloadJSON(src, date, taken, misses, elems), n}
	}
	close(commits)
	err = wait()
	return total, err
}

// joinArray writes a JSON array of already encoded elements.
func joinArray(elems [][]byte) []byte {
	size := 2
	for _, e := range elems {
		size += len(e) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}

// payloadJSON assembles the entry payload from the observations' encodings
// (in canonical key order, as Payload declares them).
func payloadJSON(src Source, date string, taken, misses int, elems [][]byte) json.RawMessage {
	str := func(s string) []byte { b, _ := evidence.Canonical(s); return b }
	var b bytes.Buffer
	b.WriteString(`{"dataset":`)
	b.Write(str(src.Dataset))
	if date != "" {
		b.WriteString(`,"dataset_date":`)
		b.Write(str(date))
	}
	fmt.Fprintf(&b, `,"looked_up":%d`, taken+misses)
	if misses > 0 {
		fmt.Fprintf(&b, `,"not_listed":%d`, misses)
	}
	b.WriteString(`,"observations":`)
	b.Write(joinArray(elems))
	b.WriteString(`,"source":`)
	b.Write(str(src.Name))
	b.WriteString(`,"source_type":`)
	b.Write(str(src.Type))
	b.WriteString(`,"summary":`)
	b.Write(str(fmt.Sprintf("%s: %d observations about %d indicators; %d looked up and not listed", src.Name, len(elems), taken, misses)))
	b.WriteByte('}')
	return b.Bytes()
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
	Dataset    string // "sha256:…" of the artefact ("" for the builtin table)
	Key        string // index key of the source; default Dataset
	KeepMisses bool   // index indicators the source had nothing about
	Name       string
	Type       string
	Date       time.Time
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
