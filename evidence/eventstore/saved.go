package eventstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence"
)

// KindSearchSaved is the entry kind of a saved search. Saving a name again
// records a new entry; the latest entry of a name is its query, and an
// empty query removes the name. Nothing is edited in place.
const KindSearchSaved = "search.saved"

// prefixSaved keys, for each name, the index of its latest entry (stamped
// by the commit), so that listing reads a few entries, not the whole log.
// Verify checks them against the entries.
var prefixSaved = []byte("ss/") // ss/<name> → index of the latest search.saved entry (BE64)

// SavedSearch is a named query of the case, as its latest entry says.
type SavedSearch struct {
	Name  string    `json:"name"`
	Query string    `json:"query"`
	Actor string    `json:"actor"`
	Time  time.Time `json:"time"`
	Entry uint64    `json:"entry"`
}

type savedPayload struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// SaveSearch records a named query (checked first: a query that does not
// parse is not saved). An empty query removes the name.
func SaveSearch(ctx context.Context, c *evidence.Case, name, query, actor string) (*evidence.Entry, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
		return nil, fmt.Errorf("a saved search needs a name of one line, at most 200 bytes")
	}
	if query != "" {
		if _, err := ParseSearch(query); err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
	}
	op := evidence.Op{Key: append(bytes.Clone(prefixSaved), name...), Value: make([]byte, 8), StampIndex: true}
	es, err := c.AppendAtomic(ctx, []evidence.Op{op}, evidence.Draft{Kind: KindSearchSaved, Actor: actor, Payload: savedPayload{Name: name, Query: query}})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// SavedSearches returns the case's saved searches by name.
func SavedSearches(c *evidence.Case) ([]SavedSearch, error) {
	var out []SavedSearch
	err := c.Derived().Scan(prefixSaved, nil, func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("saved search %q: malformed index", k[len(prefixSaved):])
		}
		e, err := c.Entry(binary.BigEndian.Uint64(v))
		if err != nil {
			return fmt.Errorf("saved search %q: %w", k[len(prefixSaved):], err)
		}
		var p savedPayload
		if e.Kind != KindSearchSaved || json.Unmarshal(e.Payload, &p) != nil || p.Name != string(k[len(prefixSaved):]) {
			return fmt.Errorf("saved search %q: entry %d does not record it", k[len(prefixSaved):], e.Index)
		}
		if p.Query != "" {
			out = append(out, SavedSearch{Name: p.Name, Query: p.Query, Actor: e.Actor, Time: e.Time, Entry: e.Index})
		}
		return nil
	})
	return out, err
}

// verifySaved checks the saved-search keys against the latest
// search.saved entry of each name (latest: name → entry index).
func (s *Store) verifySaved(latest map[string]uint64, add func(where, detail string)) error {
	seen := map[string]bool{}
	err := s.c.Derived().Scan(prefixSaved, nil, func(k, v []byte) error {
		name := string(k[len(prefixSaved):])
		seen[name] = true
		want, ok := latest[name]
		switch {
		case !ok:
			add("saved search "+strconv.Quote(name), "no search.saved entry records it")
		case len(v) != 8 || binary.BigEndian.Uint64(v) != want:
			add(fmt.Sprintf("entry %d", want), fmt.Sprintf("the saved search %q does not point at its latest entry", name))
		}
		return nil
	})
	for name, i := range latest {
		if !seen[name] {
			add(fmt.Sprintf("entry %d", i), fmt.Sprintf("the saved search %q is missing from the store", name))
		}
	}
	return err
}

// SavedSearchNamed returns the saved search called name.
func SavedSearchNamed(c *evidence.Case, name string) (*SavedSearch, error) {
	all, err := SavedSearches(c)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("no saved search is called %q", name)
}
