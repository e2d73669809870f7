package evidence

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrArtefactPayload is wrapped by ArtefactIndex.Add's error for an
// artefact.ingested entry whose payload cannot be read or names no valid
// SHA-256: the index leaves the entry out.
var ErrArtefactPayload = errors.New("artefact payload unreadable")

// ErrArtefactSize is wrapped by ArtefactIndex.Add's error for an entry that
// records another size than the artefact's first entry: the index keeps
// the entry, and the first size.
var ErrArtefactSize = errors.New("artefact size differs between entries")

// Ingest is one artefact.ingested entry, as the index keeps it.
type Ingest struct {
	Entry uint64
	Time  time.Time
	Actor string
	IngestPayload
}

// IndexedArtefact is what the custody log says about one artefact: every
// artefact.ingested entry that names it, in log order.
type IndexedArtefact struct {
	Digest Digest
	// Number is the rank of its first ingest among the case's artefacts,
	// from 1: its exhibit number, the same in every package of the case.
	Number  int
	Ingests []Ingest
}

// First is its first ingest entry.
func (a *IndexedArtefact) First() *Ingest { return &a.Ingests[0] }

// Size is its size as its first entry records it.
func (a *IndexedArtefact) Size() int64 { return a.Ingests[0].Size }

// Entries are the indexes of its ingest entries.
func (a *IndexedArtefact) Entries() []uint64 {
	out := make([]uint64, len(a.Ingests))
	for i := range a.Ingests {
		out[i] = a.Ingests[i].Entry
	}
	return out
}

// Names are the distinct names it was received under, first recorded
// first (escaped as recorded when Escaped).
func (a *IndexedArtefact) Names() []string {
	return a.distinct(func(in *Ingest) string { return in.Name })
}

// Paths are the distinct original paths, first recorded first.
func (a *IndexedArtefact) Paths() []string {
	return a.distinct(func(in *Ingest) string { return in.Path })
}

// Sources are the distinct statements of where it came from.
func (a *IndexedArtefact) Sources() []string {
	return a.distinct(func(in *Ingest) string { return in.Source })
}

// Notes are the distinct notes the examiners wrote.
func (a *IndexedArtefact) Notes() []string {
	return a.distinct(func(in *Ingest) string { return in.Note })
}

// Escaped reports whether any recorded name or path holds %XX escapes.
func (a *IndexedArtefact) Escaped() bool {
	return slices.ContainsFunc(a.Ingests, func(in Ingest) bool { return in.NameEscaped })
}

// Vantage is the latest vantage statement recorded for it ("" for none).
func (a *IndexedArtefact) Vantage() string {
	for i := len(a.Ingests) - 1; i >= 0; i-- {
		if v := a.Ingests[i].Vantage; v != "" {
			return v
		}
	}
	return ""
}

func (a *IndexedArtefact) distinct(field func(*Ingest) string) []string {
	var out []string
	for i := range a.Ingests {
		if v := field(&a.Ingests[i]); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// ArtefactIndex maps artefact digests to what the artefact.ingested entries
// say about them. It is built by adding entries in log order (any kind:
// the others are ignored), so a reader can keep it up to date by adding
// only the entries appended since.
type ArtefactIndex struct {
	by    map[Digest]*IndexedArtefact
	order []*IndexedArtefact
}

// NewArtefactIndex returns an empty index.
func NewArtefactIndex() *ArtefactIndex {
	return &ArtefactIndex{by: map[Digest]*IndexedArtefact{}}
}

// Add indexes e if it is an artefact.ingested entry. Its payload must name
// one SHA-256 in both artefact and sha256; a size other than the first
// entry's is recorded and reported (ErrArtefactSize).
func (x *ArtefactIndex) Add(e *Entry) error {
	if e.Kind != KindArtefactIngested {
		return nil
	}
	var p IngestPayload
	if err := e.DecodePayload(&p); err != nil {
		return fmt.Errorf("%w: %v", ErrArtefactPayload, err)
	}
	d, err := ParseDigest(p.SHA256)
	if err != nil || p.Artefact != d.String() {
		return &classed{"artefact payload names no valid SHA-256", ErrArtefactPayload}
	}
	a := x.by[d]
	if a == nil {
		a = &IndexedArtefact{Digest: d, Number: len(x.order) + 1}
		x.by[d] = a
		x.order = append(x.order, a)
	}
	a.Ingests = append(a.Ingests, Ingest{Entry: e.Index, Time: e.Time, Actor: e.Actor, IngestPayload: p})
	if first := a.First(); p.Size != first.Size {
		return &classed{fmt.Sprintf("artefact %s: size %d differs from %d in entry %d", d, p.Size, first.Size, first.Entry), ErrArtefactSize}
	}
	return nil
}

// Get returns what the log says about artefact d, nil when no entry names it.
func (x *ArtefactIndex) Get(d Digest) *IndexedArtefact { return x.by[d] }

// All returns the artefacts in custody order (by Number).
func (x *ArtefactIndex) All() []*IndexedArtefact { return x.order }

// Len is the number of artefacts.
func (x *ArtefactIndex) Len() int { return len(x.order) }

// EntryArtefact returns the artefact an entry's payload names in its
// "artefact" member (ingests, parse runs, content views), if any.
func EntryArtefact(e *Entry) (Digest, bool) {
	var p struct {
		Artefact string `json:"artefact"`
	}
	if e.DecodePayload(&p) != nil || p.Artefact == "" {
		return Digest{}, false
	}
	d, err := ParseDigest(p.Artefact)
	return d, err == nil
}

// classed is an error whose text says it all and that errors.Is matches
// to the sentinel of its class.
type classed struct {
	msg   string
	class error
}

func (e *classed) Error() string { return e.msg }
func (e *classed) Unwrap() error { return e.class }
