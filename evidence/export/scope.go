package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// kindAssessment is the kind of the entry that records an assessment
// (graph.KindAssessment; graph imports this package).
const kindAssessment = "assessment.recorded"

// withheld is an entry a selective package proves but does not show: it
// is cited by, or names, a selected source, and also names sources
// outside the selection.
type withheld struct {
	index  uint64
	kind   string
	leaf   tlog.Hash
	reason string
}

// Why entries are withheld from a selective package.
const (
	withheldOthers = "cited by or naming a selected source, but it also names sources outside this selection"
	withheldTotals = "an assessment recorded by an earlier version: it states totals over every source of the case"
)

// withhold says why a selective package proves e without showing it (""
// when it shows it): e names a source outside the selection, or it is an
// assessment entry of the earlier format, whose role totals and summary
// speak of every source.
func (st *state) withhold(e *evidence.Entry) string {
	if e.Kind == kindAssessment {
		if field, _, _, err := committed(e); err != nil || field == "" {
			return withheldTotals
		}
	}
	if st.namesOther(e) {
		return withheldOthers
	}
	return ""
}

// scope decides, for a selective export, which sources the package is
// about (the selected indicators, or the sources seen in the selected
// artefacts), keeps only their findings, adds what those findings cite
// (entries, datasets and WHOIS answers, log artefacts) and collects the
// values of every other source, which no included entry may name.
func (st *state) scope(es *eventstore.Store, o Options, ingested map[evidence.Digest]*artefact, selected map[evidence.Digest]bool) error {
	st.cited = map[uint64]bool{}
	if st.complete {
		st.findings = o.Findings
		return nil
	}
	all, err := es.Indicators()
	if err != nil {
		return fmt.Errorf("export: indicators: %w", err)
	}
	sources := map[string]bool{}
	for _, ind := range st.indicators {
		sources[strings.ToLower(ind)] = true
		st.sources = addUnique(st.sources, ind)
	}
	picked := map[string]bool{}
	for _, d := range o.Artefacts {
		picked[d.String()], picked[d.Hex()] = true, true
	}
	for _, s := range all {
		if !network(s.Type) {
			continue
		}
		for _, a := range s.Artefacts {
			if picked[a] {
				sources[strings.ToLower(s.Value)] = true
				st.sources = addUnique(st.sources, s.Value)
				break
			}
		}
	}
	for _, f := range o.Findings {
		if sources[strings.ToLower(f.Indicator)] {
			st.findings = append(st.findings, f)
		}
	}
	for _, f := range st.findings {
		for _, fa := range f.Factors {
			for _, c := range fa.Evidence {
				st.cite(c, ingested, selected)
			}
		}
	}
	if st.assessment != nil && len(st.findings) > 0 {
		st.cited[st.assessment.Index] = true
	}
	// Every other network source of the case.
	st.others = map[string]bool{}
	for _, s := range all {
		if network(s.Type) {
			if v := strings.ToLower(s.Value); !sources[v] {
				st.others[v] = true
			}
		}
	}
	for _, f := range o.Findings {
		if v := strings.ToLower(f.Indicator); !sources[v] {
			st.others[v] = true
		}
	}
	return nil
}

// cite adds what one citation of a finding names: "entry:N", or an
// artefact ("sha256:<hex>", with "#L12"/"#R3" for a line or record, or
// "dataset sha256:<hex>").
func (st *state) cite(c string, ingested map[evidence.Digest]*artefact, selected map[evidence.Digest]bool) {
	c = strings.TrimPrefix(c, "dataset ")
	if n, ok := strings.CutPrefix(c, "entry:"); ok {
		if i, err := strconv.ParseUint(n, 10, 64); err == nil && i < st.size {
			st.cited[i] = true
		}
		return
	}
	d, _, _ := strings.Cut(c, "#")
	if dg, err := evidence.ParseDigest(d); err == nil && ingested[dg] != nil {
		selected[dg] = true
	}
}

// namesOther reports whether an entry's payload names a source outside
// the selection: a string equal to one, or holding one as a word.
func (st *state) namesOther(e *evidence.Entry) bool {
	if len(st.others) == 0 {
		return false
	}
	var v any
	if json.Unmarshal(e.Payload, &v) != nil {
		return true // unreadable: do not show it
	}
	return walkStrings(v, 0, func(s string) bool {
		l := strings.ToLower(s)
		if st.others[l] {
			return true
		}
		for _, w := range strings.FieldsFunc(l, func(r rune) bool {
			return r == ' ' || r == ',' || r == ';' || r == '"' || r == '\'' || r == '(' || r == ')' || r == '[' || r == ']' || r == '<' || r == '>' || r == '=' || r == '\t' || r == '\n'
		}) {
			if st.others[strings.TrimRight(w, ".:")] || st.others[w] {
				return true
			}
		}
		return false
	})
}

// walkStrings calls fn on every string (keys included) in v until it
// returns true.
func walkStrings(v any, depth int, fn func(string) bool) bool {
	if depth > 64 {
		return true
	}
	switch x := v.(type) {
	case string:
		return fn(x)
	case []any:
		for _, y := range x {
			if walkStrings(y, depth+1, fn) {
				return true
			}
		}
	case map[string]any:
		for k, y := range x {
			if fn(k) || walkStrings(y, depth+1, fn) {
				return true
			}
		}
	}
	return false
}

// network reports whether an indicator type names a network source.
func network(t indicator.Type) bool {
	return t == indicator.TypeIP || t == indicator.TypeDomain || t == indicator.TypeURL
}

// errStop ends an event scan early, once its answer is known.
var errStop = errors.New("stop")

// markDestinations notes the findings whose value the events show only as
// a destination (the case's own servers, services it called): no
// indicator is issued for them.
func (st *state) markDestinations(es *eventstore.Store) error {
	st.dstOnly = map[string]bool{}
	for _, f := range st.findings {
		a, err := netip.ParseAddr(f.Indicator)
		if err != nil || f.Special != "" || indicator.Special(a) != "" {
			continue // not an address, or no indicator anyway
		}
		src, dst := false, false
		err = es.Events(eventstore.Query{Indicator: f.Indicator}, func(e *parse.Event) error {
			if sameAddr(e.Src, a) {
				src = true
				return errStop
			}
			dst = dst || sameAddr(e.Dst, a)
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return fmt.Errorf("export: events of %s: %w", f.Indicator, err)
		}
		if dst && !src {
			st.dstOnly[f.Indicator] = true
		}
	}
	return nil
}

func sameAddr(s string, a netip.Addr) bool {
	b, err := netip.ParseAddr(s)
	return err == nil && b.Unmap() == a.Unmap()
}

// notActionable says why a source gets no indicator ("" when it does): an
// internal or special-purpose address, or one seen only as a destination.
func (st *state) notActionable(f Finding) string {
	if why := specialPurpose(f); why != "" {
		return why
	}
	if st.dstOnly[f.Indicator] {
		return "seen only as a destination"
	}
	return ""
}

// specialPurpose says why a special-purpose address gets no indicator
// ("" for any other source).
func specialPurpose(f Finding) string {
	special := f.Special
	if a, err := netip.ParseAddr(f.Indicator); err == nil && special == "" {
		special = indicator.Special(a)
	}
	if special != "" {
		return "a special-purpose address (" + special + ")"
	}
	return ""
}
