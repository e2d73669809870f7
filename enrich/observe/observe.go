// Package observe looks up a case's indicators in preserved datasets,
// WHOIS and RDAP, and records what each source said as custody entries.
//
// Every dataset is first preserved as an artefact; it is then opened from
// the preserved bytes (never from the file the examiner named), so every
// observation cites bytes that verification covers. Observations are
// recorded in observations.recorded entries, one dataset per entry and at
// most a few thousand observations (640 KB) each, committed atomically with
// the index that lets them be found by indicator. The entry commits to its
// observations per observation: observations_root is the RFC 6962 root
// over one leaf per observation (its canonical JSON, in the entry's order),
// and the observations themselves are in the index, under the indicator
// they are of (index.go), so that each can be shown and proven without the
// others and the entry names no indicator. Looking up the same
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

// prefixObs indexes observations: o/<indicator>\x00<source key> → the
// observations that source gave for the indicator, with the entry that
// commits to them and their place among its leaves (see index.go).
// prefixConsulted marks each source that has been consulted at all.
var (
	prefixObs       = []byte("o/")
	prefixConsulted = []byte("q/")
)

// Payload is the payload of an observations.recorded entry. Its fields are
// in the alphabetical order of their JSON names (canonical order), so that
// recording needs no re-encoding. Entries recorded before the per-leaf
// commitment hold Observations themselves instead of ObservationCount and
// ObservationsRoot; they are still read.
type Payload struct {
	Dataset          string               `json:"dataset"` // "sha256:…" of the dataset, WHOIS or RDAP response artefact
	DatasetDate      string               `json:"dataset_date,omitempty"`
	LookedUp         int                  `json:"looked_up"`                   // indicators this entry answers for, listed or not
	NotListed        int                  `json:"not_listed,omitempty"`        // of those, how many the source had nothing about
	ObservationCount int                  `json:"observation_count,omitempty"` // the leaves under ObservationsRoot
	Observations     []enrich.Observation `json:"observations,omitempty"`      // earlier entries
	ObservationsRoot string               `json:"observations_root,omitempty"` // base64 RFC 6962 root
	Source           string               `json:"source"`
	SourceType       string               `json:"source_type"`
	Summary          string               `json:"summary"`
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
// says KeepMisses (WHOIS, RDAP: a "no record" answer is itself evidence, and is
// not asked again). Indicators already recorded for this source are
// skipped. It returns the number of observations recorded.
func (r *Recorder) Record(ctx context.Context, src Source, byInd map[string][]enrich.Observation) (int, error) {
	rec, err := r.Begin(ctx, src)
	if err != nil {
		return 0, err
	}
	inds := make([]string, 0, len(byInd))
	for ind := range byInd {
		inds = append(inds, ind)
	}
	sort.Strings(inds)
	for _, ind := range inds {
		if err := rec.Add(ind, byInd[ind]); err != nil {
			break // Close says why
		}
	}
	return rec.Close()
}

// Recording is Record one indicator at a time, for a source consulted
// about more indicators than fit in memory at once (a million addresses
// looked up in a city database: 6 GB as one map): Add them in byte order,
// then Close. It holds the observations of one entry at a time.
type Recording struct {
	r       *Recorder
	src     Source
	key     string
	marker  []byte
	seen    bool // the source was consulted before: skip what it already said
	date    string
	begun   bool
	last    string // the indicator added last
	commits chan obsBatch
	result  chan error
	total   int // observations committed (the committing goroutine's until Close)
	sent    bool
	err     error
	// the entry being built
	elems                  [][]byte // each observation's canonical JSON
	spans                  []obsSpan
	taken, n, size, misses int
}

type obsBatch struct {
	ops []evidence.Op
	p   json.RawMessage
	n   int
}

type obsSpan struct {
	ind      string
	from, to int // elems[from:to] are the indicator's observations
}

// Begin starts recording what src said. Entries are encoded by the caller
// of Add and committed by a second goroutine without waiting for the disk;
// one durable barrier at Close covers them all (after a power failure the
// log would end, whole, before them).
func (r *Recorder) Begin(ctx context.Context, src Source) (*Recording, error) {
	key := src.key()
	// A source consulted for the first time needs no per-indicator check.
	marker := append(bytes.Clone(prefixConsulted), key...)
	seen, err := r.c.Derived().Has(marker)
	if err != nil {
		return nil, err
	}
	rec := &Recording{r: r, src: src, key: key, marker: marker, seen: seen,
		commits: make(chan obsBatch, 2), result: make(chan error, 1)}
	if !src.Date.IsZero() {
		rec.date = src.Date.UTC().Format(time.RFC3339)
	}
	go func() {
		var err error
		for b := range rec.commits {
			if err == nil {
				var es []*evidence.Entry
				es, err = r.c.AppendLazy(ctx, b.ops, evidence.Draft{Kind: KindObservations, Actor: r.actor, Payload: b.p})
				if err == nil && (len(es) != 1 || !bytes.Equal(es[0].Payload, b.p)) {
					// The index's offsets hold only for the payload as built.
					err = errors.New("observations: the log stored the payload other than built; the index written with it is wrong (casefile verify names the entry)")
				}
				if err == nil {
					rec.total += b.n
				}
			}
		}
		if err == nil {
			err = r.c.WriteDerived(nil, true) // one durable barrier for every batch
		}
		rec.result <- err
	}()
	return rec, nil
}

// Add records what the source said about ind (nothing: a miss). Indicators
// come in byte order, each once.
func (rec *Recording) Add(ind string, list []enrich.Observation) error {
	if rec.err != nil {
		return rec.err
	}
	if rec.begun && ind <= rec.last {
		rec.err = fmt.Errorf("observations: %q recorded after %q: indicators must come once each, in order", ind, rec.last)
		return rec.err
	}
	rec.begun, rec.last = true, ind
	if len(list) == 0 && !rec.src.KeepMisses {
		rec.misses++
		return nil
	}
	if rec.seen {
		known, err := rec.r.Known(ind, rec.key)
		if err != nil {
			rec.err = err
			return err
		}
		if known {
			return nil
		}
	}
	if rec.n > 0 && (rec.n+len(list) > perEntry || rec.size > entryBytes) {
		if err := rec.flush(); err != nil {
			return err
		}
	}
	start := len(rec.elems)
	for i := range list {
		list[i].Reliability = rec.r.rating(&list[i])
		b, err := canonicalObservation(&list[i])
		if err != nil {
			rec.err = err
			return err
		}
		rec.elems = append(rec.elems, b)
		rec.size += len(b) + 1
	}
	rec.spans = append(rec.spans, obsSpan{ind, start, len(rec.elems)})
	rec.n += len(list)
	rec.taken++
	return nil
}

// flush sends the entry built so far to be committed.
func (rec *Recording) flush() error {
	p, err := payloadJSON(rec.src, rec.date, rec.taken, rec.misses, rec.elems)
	if err != nil {
		rec.err = err
		return err
	}
	// The index holds the observations (the entry only their root):
	// the commit stamps each value with the entry's log index.
	ops := make([]evidence.Op, 0, 1+len(rec.spans))
	ops = append(ops, evidence.Op{Key: rec.marker, Value: []byte{1}})
	for _, sp := range rec.spans {
		op := evidence.Op{Key: obsKey(sp.ind, rec.key), Value: []byte("[]")}
		if sp.to > sp.from {
			op.Value, op.StampIndex = leavesValue(sp.from, rec.elems[sp.from:sp.to]), true
		}
		ops = append(ops, op)
	}
	rec.commits <- obsBatch{ops, p, rec.n}
	rec.sent = true
	rec.elems, rec.spans = nil, nil
	rec.taken, rec.n, rec.size, rec.misses = 0, 0, 0, 0
	return nil
}

// Close commits the last entry, waits for every entry to be committed and
// made durable, and returns the number of observations recorded. A source
// consulted for the first time gets an entry even when it said nothing (its
// misses are counted there); one consulted before gets none when it said
// nothing new.
func (rec *Recording) Close() (int, error) {
	if rec.err == nil && (rec.taken > 0 || !rec.sent && !rec.seen || rec.misses > 0 && rec.sent) {
		rec.flush()
	}
	close(rec.commits)
	err := <-rec.result
	if rec.err != nil {
		err = rec.err
	}
	return rec.total, err
}

// canonicalObservation encodes o as canonical JSON. Observation writes its
// keys in order, so AppendJSON's output almost always is canonical already;
// the rare value that is not (U+2028 in a WHOIS remark, an exponent) is
// re-encoded, so that the entry payload is canonical as built and the
// offsets the index records stay true.
func canonicalObservation(o *enrich.Observation) ([]byte, error) {
	b, err := o.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	if evidence.CheckCanonical(b) == nil {
		return b, nil
	}
	return evidence.Canonical(json.RawMessage(b))
}

// payloadJSON assembles the entry payload (in canonical key order, as
// Payload declares them): the observations' root and count, not the
// observations.
func payloadJSON(src Source, date string, taken, misses int, elems [][]byte) (json.RawMessage, error) {
	str := func(s string) []byte { b, _ := evidence.Canonical(s); return b }
	t, err := evidence.NewLeafTree(elems)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(512 + len(src.Dataset) + len(src.Name))
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
	fmt.Fprintf(&b, `,"observation_count":%d,"observations_root":`, len(elems))
	b.Write(str(evidence.EncodeRoot(t.Root())))
	b.WriteString(`,"source":`)
	b.Write(str(src.Name))
	b.WriteString(`,"source_type":`)
	b.Write(str(src.Type))
	b.WriteString(`,"summary":`)
	b.Write(str(fmt.Sprintf("%s: %d observations about %d indicators; %d looked up and not listed", src.Name, len(elems), taken, misses)))
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Source names what is being recorded: a dataset or a WHOIS response.
type Source struct {
	Dataset    string // "sha256:…" of the artefact ("" for the builtin table)
	KeepMisses bool   // index indicators the source had nothing about
	Name       string
	Type       string
	Date       time.Time
}

// key is the index key of the source: the builtin table's name, the WHOIS
// or RDAP answer's digest under "whois/" or "rdap/" (so that an indicator
// asked is known to be asked), or the dataset's digest. Verify derives it from an
// entry's payload the same way.
func (s Source) key() string {
	switch s.Type {
	case enrich.TypeBuiltin:
		return builtinKey
	case enrich.TypeWHOIS:
		return whoisKeyPrefix + s.Dataset
	case enrich.TypeRDAP:
		return rdapKeyPrefix + s.Dataset
	}
	return s.Dataset
}
