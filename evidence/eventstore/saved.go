package eventstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence"
)

// KindSearchSaved is the entry kind of a saved search. Saving a name again
// records a new entry; the latest entry of a name is its query, and an
// empty query removes the name. Nothing is edited in place.
const KindSearchSaved = "search.saved"

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
	es, err := c.Append(ctx, evidence.Draft{Kind: KindSearchSaved, Actor: actor, Payload: savedPayload{Name: name, Query: query}})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// SavedSearches returns the case's saved searches by name.
func SavedSearches(c *evidence.Case) ([]SavedSearch, error) {
	byName := map[string]SavedSearch{}
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != KindSearchSaved {
			return nil
		}
		var p savedPayload
		if json.Unmarshal(e.Payload, &p) != nil || p.Name == "" {
			return nil
		}
		if p.Query == "" {
			delete(byName, p.Name)
			return nil
		}
		byName[p.Name] = SavedSearch{Name: p.Name, Query: p.Query, Actor: e.Actor, Time: e.Time, Entry: e.Index}
		return nil
	})
	out := make([]SavedSearch, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
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
