package ui

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
)

// catalog is an in-memory index of the custody log: one line per entry and
// what the entries say about each artefact. It is brought up to date from
// the log before each use, reading only the entries added since.
type catalog struct {
	c         *evidence.Case
	mu        sync.Mutex
	entries   []entryLine
	arts      *evidence.ArtefactIndex  // what the ingest entries say
	artefacts map[string]*artefactInfo // by hex SHA-256, with what the other entries add
	order     []string                 // artefact hexes, first ingest first
	actors    map[string]bool
	kinds     map[string]int
	// byKind and byArtefact list, in log order, the entries of each kind
	// and those naming each artefact, so that a filtered list (the exports,
	// an artefact's history) does not walk a log of many views.
	byKind     map[string][]uint64
	byArtefact map[string][]uint64
	users      *userClaims // what the entries say the user and token records are
	// content is the log size after the last entry that is not an
	// activity entry (activityKinds).
	content uint64
}

// activityKinds are the entries that record what people did without
// changing the case: views, logins and logouts, downloads. Only the pages
// that list them (the custody log, the evidence with its views, the
// overview, the users and their last login) change with them.
var activityKinds = map[string]bool{
	KindEvidenceViewed: true, KindUserLogin: true, KindUserLoginFailed: true, KindUserLogout: true,
	KindExportDownloaded: true, KindVerifyStarted: true,
}

// parseRuns counts the parse runs recorded (events.parsed entries): the
// events change with them only. -1 when the log cannot be read.
func (k *catalog) parseRuns() int {
	n := -1
	k.with(func(k *catalog) error {
		n = k.kinds[eventstore.KindEventsParsed]
		return nil
	})
	return n
}

// contentSize is the log size after its last entry that is not an
// activity entry, caught up with the log of size size; size itself when
// the log cannot be read.
func (k *catalog) contentSize(size uint64) uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return size
	}
	return k.content
}

// entryLine is one custody entry as lists show it.
type entryLine struct {
	Index    uint64    `json:"index"`
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	Actor    string    `json:"actor"`
	Prev     string    `json:"prev"`
	Hash     string    `json:"hash"`
	Summary  string    `json:"summary"`
	Artefact string    `json:"artefact,omitempty"` // hex of the artefact it concerns
	User     string    `json:"user,omitempty"`     // the user it concerns
}

// artefactInfo is what the log says about one artefact.
type artefactInfo struct {
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	Names   []string  `json:"names"`
	Sources []string  `json:"sources,omitempty"`
	Notes   []string  `json:"notes,omitempty"`
	MD5     string    `json:"md5,omitempty"`
	SHA1    string    `json:"sha1,omitempty"`
	First   time.Time `json:"ingested"`
	Actor   string    `json:"ingested_by"`
	Entry   uint64    `json:"entry"`
	Escaped bool      `json:"name_escaped,omitempty"`
	Entries []uint64  `json:"entries"` // every entry that concerns it
	Dataset bool      `json:"dataset,omitempty"`
	Viewed  int       `json:"views"`
}

func newCatalog(c *evidence.Case) *catalog {
	return &catalog{c: c, arts: evidence.NewArtefactIndex(), artefacts: map[string]*artefactInfo{}, actors: map[string]bool{}, kinds: map[string]int{},
		byKind: map[string][]uint64{}, byArtefact: map[string][]uint64{}, users: newUserClaims()}
}

// refresh reads the entries added since the last call. Callers hold mu.
func (k *catalog) refresh() error {
	next := uint64(len(k.entries))
	if next >= k.c.Log().Size() {
		return nil
	}
	return k.c.Entries(next, func(e *evidence.Entry) error {
		sum := e.Hash()
		// The payload is decoded once, for the summary and the references.
		var pm map[string]any
		decoded := json.Unmarshal(e.Payload, &pm) == nil
		l := entryLine{Index: e.Index, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Prev: e.Prev,
			Hash: hex.EncodeToString(sum[:]), Summary: describe(e, pm, decoded)}
		str := func(k string) string { v, _ := pm[k].(string); return v }
		ref := str("artefact")
		if ref == "" {
			ref = str("dataset")
		}
		if h := strings.TrimPrefix(ref, "sha256:"); isHex64(h) {
			l.Artefact = h
		}
		l.User = str("user")
		k.arts.Add(e) // a bad ingest entry is verification's to report
		if l.Artefact != "" {
			a := k.artefacts[l.Artefact]
			if a == nil && e.Kind == evidence.KindArtefactIngested {
				if ia := k.indexed(l.Artefact); ia != nil {
					f := ia.First()
					a = &artefactInfo{SHA256: l.Artefact, Size: f.Size, First: f.Time, Actor: f.Actor, Entry: f.Entry, MD5: f.MD5, SHA1: f.SHA1}
					k.artefacts[l.Artefact] = a
					k.order = append(k.order, l.Artefact)
				}
			}
			if a != nil {
				a.Entries = append(a.Entries, e.Index)
				switch e.Kind {
				case evidence.KindArtefactIngested:
					if ia := k.indexed(l.Artefact); ia != nil {
						a.Names, a.Sources, a.Notes, a.Escaped = ia.Names(), ia.Sources(), ia.Notes(), ia.Escaped()
					}
				case KindEvidenceViewed:
					a.Viewed++
				}
				if str("dataset") != "" {
					a.Dataset = true
				}
			}
		}
		k.users.note(e) // a bad user entry is verification's to report
		k.entries = append(k.entries, l)
		if !activityKinds[e.Kind] {
			k.content = e.Index + 1
		}
		k.actors[e.Actor] = true
		k.kinds[e.Kind]++
		k.byKind[e.Kind] = append(k.byKind[e.Kind], e.Index)
		if l.Artefact != "" {
			k.byArtefact[l.Artefact] = append(k.byArtefact[l.Artefact], e.Index)
		}
		return nil
	})
}

// indexed returns what the ingest entries say about the artefact with hex
// SHA-256 h.
func (k *catalog) indexed(h string) *evidence.IndexedArtefact {
	d, err := evidence.ParseDigest(h)
	if err != nil {
		return nil
	}
	return k.arts.Get(d)
}

// userBound says why the stored user u (or, with t, the token stored under
// hex SHA-256 h and its user u) may not be trusted: its record differs from
// the entries that made it. "" means it matches.
func (k *catalog) userBound(u *User, h string, t *Token) string {
	var problem string
	err := k.with(func(k *catalog) error {
		_, problem = k.users.checkUser(u.Name, u)
		if problem == "" && t != nil {
			_, problem = k.users.checkToken(h, t)
		}
		return nil
	})
	if err != nil {
		return err.Error()
	}
	return problem
}

// with runs fn on the up-to-date catalog.
func (k *catalog) with(fn func(k *catalog) error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return err
	}
	return fn(k)
}

// artefact returns a copy of what the log says about one artefact.
func (k *catalog) artefact(h string) (*artefactInfo, error) {
	var out *artefactInfo
	err := k.with(func(k *catalog) error {
		if a := k.artefacts[h]; a != nil {
			c := *a
			c.Entries = append([]uint64(nil), a.Entries...)
			out = &c
		}
		return nil
	})
	return out, err
}

// listArtefacts returns copies of every artefact, first ingested first.
func (k *catalog) listArtefacts() ([]artefactInfo, error) {
	var out []artefactInfo
	err := k.with(func(k *catalog) error {
		for _, h := range k.order {
			a := *k.artefacts[h]
			a.Entries = nil
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// logFilter selects custody entries.
type logFilter struct {
	Kind, Actor, Artefact, Text string
	Since, Until                time.Time
	Offset, Limit               int
	Newest                      bool // newest first
}

// query returns one page of matching entries and the total number matching.
func (k *catalog) query(f logFilter) (page []entryLine, total int, err error) {
	text := strings.ToLower(f.Text)
	err = k.with(func(k *catalog) error {
		// The entries that can match: those of the artefact or the kind
		// asked for, or all.
		var of []uint64
		n := len(k.entries)
		switch {
		case f.Artefact != "":
			of = k.byArtefact[f.Artefact]
			n = len(of)
		case f.Kind != "":
			of = k.byKind[f.Kind]
			n = len(of)
		}
		for i := 0; i < n; i++ {
			j := i
			if f.Newest {
				j = n - 1 - i
			}
			if of != nil {
				j = int(of[j])
			}
			e := &k.entries[j]
			if f.Kind != "" && e.Kind != f.Kind || f.Actor != "" && e.Actor != f.Actor || f.Artefact != "" && e.Artefact != f.Artefact {
				continue
			}
			if !f.Since.IsZero() && e.Time.Before(f.Since) || !f.Until.IsZero() && e.Time.After(f.Until) {
				continue
			}
			if text != "" && !strings.Contains(strings.ToLower(e.Summary), text) && !strings.Contains(strings.ToLower(e.Actor), text) && !strings.HasPrefix(e.Hash, text) {
				continue
			}
			if total >= f.Offset && (f.Limit <= 0 || len(page) < f.Limit) {
				page = append(page, *e)
			}
			total++
		}
		return nil
	})
	return page, total, err
}

// line returns the list line of entry i, false when the log has no such
// entry.
func (k *catalog) line(i uint64) (l entryLine, ok bool, err error) {
	err = k.with(func(k *catalog) error {
		if i < uint64(len(k.entries)) {
			l, ok = k.entries[i], true
		}
		return nil
	})
	return l, ok, err
}

// facets lists the kinds and actors seen, sorted.
func (k *catalog) facets() (kinds, actors []string, err error) {
	err = k.with(func(k *catalog) error {
		for x := range k.kinds {
			kinds = append(kinds, x)
		}
		for x := range k.actors {
			actors = append(actors, x)
		}
		return nil
	})
	sort.Strings(kinds)
	sort.Strings(actors)
	return
}

// describe says what an entry records, given its payload p decoded (ok
// false when it could not be); the kinds this package writes get
// sentences of their own.
func describe(e *evidence.Entry, p map[string]any, ok bool) string {
	if !ok {
		return evidence.Describe(e)
	}
	str := func(k string) string { v, _ := p[k].(string); return v }
	switch e.Kind {
	case KindUserLogin:
		return fmt.Sprintf("%s (%s) logged in to the workbench from %s", str("user"), str("role"), str("remote"))
	case KindUserLoginFailed:
		if str("user") != "" { // one failure per entry, as recorded before summaries
			return fmt.Sprintf("failed login as %q from %s: %s", str("user"), str("remote"), str("reason"))
		}
		var names []string
		if l, ok := p["users"].([]any); ok {
			for _, n := range l {
				s, _ := n.(string)
				names = append(names, strconv.Quote(s))
			}
		}
		if m := num(p["more_users"]); m > 0 {
			names = append(names, fmt.Sprintf("%d more", m))
		}
		return fmt.Sprintf("%d failed and %d refused logins from %s between %s and %s, as %s", num(p["failed"]), num(p["refused"]),
			str("remote"), str("from"), str("to"), strings.Join(names, ", "))
	case KindUserLogout:
		return fmt.Sprintf("%s logged out", str("user"))
	case KindUserAdded:
		return fmt.Sprintf("user %s added with role %s", str("user"), str("role"))
	case KindUserToken:
		if e := str("expires"); e != "" {
			return fmt.Sprintf("API token %s created for %s (%s), valid until %s", str("token_id"), str("user"), str("role"), e)
		}
		return fmt.Sprintf("API token %s… created for %s (%s)", str("token_id"), str("user"), str("role"))
	case KindUserTokenRevoked:
		return fmt.Sprintf("API token %s of %s revoked", str("token_id"), str("user"))
	case KindEvidenceViewed:
		what := fmt.Sprintf("bytes %d–%d", num(p["offset"]), num(p["offset"])+num(p["bytes"]))
		if l := str("lines"); l != "" {
			what = "lines " + l
		}
		return fmt.Sprintf("%s (%s) viewed %s of %s as %s", str("user"), str("role"), what, str("artefact"), str("mode"))
	}
	return evidence.Describe(e)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}
