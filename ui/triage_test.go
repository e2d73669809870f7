package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/sigma"
	"github.com/casefile/casefile/graph/triage"
)

type sourcesAnswer struct {
	Total, All   int
	Recorded     bool
	LastRecorded *struct {
		Entry      uint64
		ResultRoot string `json:"result_root"`
	} `json:"last_recorded"`
	Sources []triage.Row
	Views   []struct{ Name, Query string }
}

func (c *client) sources(t *testing.T, query string) sourcesAnswer {
	t.Helper()
	resp, body := c.get("/api/v1/sources?" + query)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/v1/sources?%s: %d", query, resp.StatusCode)
	}
	var a sourcesAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// The sources table: every column filled from the observations, the events
// and the assessment; each filter keeps only rows that pass it (page and
// API alike); each sort orders the rows; paging keeps the filters.
func TestSourcesTriage(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	f.addLog(t, "guess.log", synthAuthLog(60, 1)) // 12 successful logins from one source, and guessing
	ann := f.login(t, "ann")
	all := ann.sources(t, "limit=100000")
	if all.Total != all.All || len(all.Sources) != all.Total || all.Total < 10 {
		t.Fatalf("unfiltered: %d of %d, %d rows", all.Total, all.All, len(all.Sources))
	}
	var withASN, withCountry, withOrg *triage.Row
	for i := range all.Sources {
		r := &all.Sources[i]
		var sum int64
		for _, k := range r.Kinds.List() {
			sum += k.N
		}
		if sum != r.Events {
			t.Errorf("%s: kinds add up to %d, events %d", r.Indicator, sum, r.Events)
		}
		if r.ASN != 0 && withASN == nil {
			withASN = r
		}
		if r.Country != "" && withCountry == nil {
			withCountry = r
		}
		if r.ASOrg != "" && withOrg == nil {
			withOrg = r
		}
	}
	if withASN == nil || withCountry == nil || withOrg == nil {
		t.Fatalf("no row with an ASN, a country or an organisation: the observations are not read")
	}
	guesser := synthIP(0)
	i := slices.IndexFunc(all.Sources, func(r triage.Row) bool { return r.Indicator == guesser })
	if i < 0 {
		t.Fatal("the guesser is not listed")
	}
	if g := all.Sources[i]; g.Logins != 12 || g.Kinds.Get("auth") != 60 || g.RuleHits == 0 || len(g.Rules) == 0 {
		t.Errorf("guesser row: logins %d, auth %d, rule hits %d %v", g.Logins, g.Kinds.Get("auth"), g.RuleHits, g.Rules)
	}
	filters := []struct {
		q    string
		pass func(r *triage.Row) bool
	}{
		{"q=" + url.QueryEscape(guesser[:6]), func(r *triage.Row) bool { return strings.Contains(r.Indicator, guesser[:6]) }},
		{"role=undetermined", func(r *triage.Row) bool { return r.Role == "undetermined" }},
		{"role=judged", func(r *triage.Row) bool { return attrib.IsRole(r.Role) }},
		{"role=internal", func(r *triage.Row) bool { return r.Role == "internal" }},
		{"confidence=low", func(r *triage.Row) bool { return r.Confidence == "low" }},
		{"country=" + strings.ToLower(withCountry.Country), func(r *triage.Row) bool { return r.Country == withCountry.Country }},
		{"asn=AS" + strconv.FormatUint(withASN.ASN, 10), func(r *triage.Row) bool { return r.ASN == withASN.ASN }},
		{"org=" + url.QueryEscape(strings.ToUpper(withOrg.ASOrg[:3])), func(r *triage.Row) bool {
			return strings.Contains(strings.ToLower(r.ASOrg+"|"+r.Org), strings.ToLower(withOrg.ASOrg[:3]))
		}},
		{"kind=auth", func(r *triage.Row) bool { return r.Kinds.Get("auth") > 0 }},
		{"logins=1", func(r *triage.Row) bool { return r.Logins > 0 }},
		{"rules=1", func(r *triage.Row) bool { return r.RuleHits > 0 }},
		{"verdict=none", func(r *triage.Row) bool { return r.Verdict == "" }},
		{"logins=1&kind=auth&q=" + url.QueryEscape(guesser), func(r *triage.Row) bool { return r.Indicator == guesser }},
	}
	for _, fl := range filters {
		got := ann.sources(t, fl.q+"&limit=100000")
		want := 0
		for i := range all.Sources {
			if fl.pass(&all.Sources[i]) {
				want++
			}
		}
		if got.Total != want || want == 0 {
			t.Errorf("%s: %d rows, want %d (of %d)", fl.q, got.Total, want, all.All)
		}
		for i := range got.Sources {
			if !fl.pass(&got.Sources[i]) {
				t.Errorf("%s: %s does not pass", fl.q, got.Sources[i].Indicator)
			}
		}
		// The page shows the same count and keeps the filter in its form.
		_, page := ann.get("/sources?" + fl.q)
		if !strings.Contains(page, `<span class="count">`+strconv.Itoa(got.Total)) {
			t.Errorf("%s: the page does not count %d of %d", fl.q, got.Total, all.All)
		}
	}
	if got := ann.sources(t, "asn=notanumber"); got.Total != 0 {
		t.Errorf("an unreadable ASN selected %d rows", got.Total)
	}

	// Sorting: each column orders the rows, rows without a value last.
	for _, key := range triage.SortKeys {
		for _, dir := range []string{"asc", "desc"} {
			got := ann.sources(t, "limit=100000&sort="+key+"&dir="+dir)
			idx := triage.Order(all.Sources, key, dir == "desc")
			for i, j := range idx {
				if got.Sources[i].Indicator != all.Sources[j].Indicator {
					t.Errorf("sort %s %s: row %d is %s, want %s", key, dir, i, got.Sources[i].Indicator, all.Sources[j].Indicator)
					break
				}
			}
		}
	}
	asc := ann.sources(t, "limit=100000&sort=events&dir=asc")
	for i := 1; i < len(asc.Sources); i++ {
		if asc.Sources[i].Events < asc.Sources[i-1].Events {
			t.Fatalf("events ascending: %d after %d", asc.Sources[i].Events, asc.Sources[i-1].Events)
		}
	}

	// Paging keeps the filters and the sort: the next link of page one
	// leads to page two of the same selection.
	filtered := ann.sources(t, "kind=auth&sort=events&dir=asc&limit=100000")
	if filtered.Total < 3 {
		t.Fatalf("too few auth sources to page: %d", filtered.Total)
	}
	_, page := ann.get("/sources?kind=auth&sort=events&dir=asc&limit=2")
	next := hrefOf(t, page, `rel="next"`)
	for _, want := range []string{"kind=auth", "sort=events", "dir=asc", "limit=2", "offset=2"} {
		if !strings.Contains(next, want) {
			t.Errorf("next link %q lacks %s", next, want)
		}
	}
	_, page2 := ann.get("/sources" + next)
	if !strings.Contains(page2, "<code>"+filtered.Sources[2].Indicator+"</code>") || strings.Contains(page2, "<code>"+filtered.Sources[0].Indicator+"</code>") {
		t.Errorf("page two is not rows 3–4 of the selection")
	}
	// Sort links keep the filters too.
	if h := hrefOf(t, page, `>ASN</a>`); !strings.Contains(h, "kind=auth") || !strings.Contains(h, "sort=asn") {
		t.Errorf("the ASN sort link %q drops the filter", h)
	}
}

// hrefOf is the href of the link whose tag contains (or is followed by) marker.
func hrefOf(t *testing.T, page, marker string) string {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no %s in the page", marker)
	}
	j := strings.LastIndex(page[:i], `href="`)
	h := page[j+len(`href="`):]
	h = h[:strings.Index(h, `"`)]
	h = strings.ReplaceAll(h, "&amp;", "&")
	return h
}

// Saved views: an analyst names the filters shown; a view.saved entry
// records them, the page lists the view and its link shows the same rows.
// A viewer may use views but not save them.
func TestSourcesSavedViews(t *testing.T) {
	f := newFixture(t, "")
	f.addLog(t, "guess.log", synthAuthLog(60, 1))
	ann := f.login(t, "ann")
	before := entryKinds(t, f.h.Case)[KindViewSaved]
	resp, _ := ann.postForm("/sources/views", url.Values{"csrf": {ann.csrf}, "name": {"Logged in"}, "query": {"logins=1&sort=logins&dir=desc&bogus=1&offset=40"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if n := entryKinds(t, f.h.Case)[KindViewSaved]; n != before+1 {
		t.Fatalf("%d view.saved entries, want %d", n, before+1)
	}
	vic := f.login(t, "vic")
	_, page := vic.get("/sources")
	link := hrefOf(t, page, ">Logged in</a>")
	if link != "/sources?dir=desc&logins=1&sort=logins" {
		t.Errorf("the saved view links to %q", link)
	}
	if strings.Contains(page, `action="/sources/views"`) {
		t.Error("a viewer is offered to save a view")
	}
	if v := vic.sources(t, "limit=1").Views; len(v) != 1 || v[0].Name != "Logged in" || v[0].Query != "dir=desc&logins=1&sort=logins" {
		t.Errorf("API views: %+v", v)
	}
	_, viewed := vic.get(link)
	if !strings.Contains(viewed, "<code>"+synthIP(0)+"</code>") || !strings.Contains(viewed, `name="logins" value="1" checked`) {
		t.Error("the saved view does not show its selection")
	}
	// The same name again is a new entry; the list shows the latest.
	ann.postForm("/sources/views", url.Values{"csrf": {ann.csrf}, "name": {"Logged in"}, "query": {"kind=auth"}})
	_, page = ann.get("/sources")
	if strings.Count(page, ">Logged in</a>") != 1 || hrefOf(t, page, ">Logged in</a>") != "/sources?dir=desc&kind=auth&sort=risk" {
		t.Errorf("re-saved view not shown once with its new filters")
	}
	for _, bad := range []string{"", strings.Repeat("x", 101), "two\nlines"} {
		resp, _ := ann.postForm("/sources/views", url.Values{"csrf": {ann.csrf}, "name": {bad}, "query": {""}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("name %q: %d", bad, resp.StatusCode)
		}
	}
}

// Recording from the workbench: the page says the assessment shown is a
// preview until an analyst records it; then it names the entry, and the
// entry records what `casefile assess` records (the same result root).
func TestSourcesRecordAssessment(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	ctx := context.Background()
	ann := f.login(t, "ann")
	_, page := ann.get("/sources")
	if !strings.Contains(page, "Preview, not recorded.") || !strings.Contains(page, "No assessment has been recorded") || !strings.Contains(page, `action="/assess"`) {
		t.Fatal("an unrecorded assessment is not called a preview")
	}
	if ann.sources(t, "limit=1").Recorded {
		t.Error("the API calls an unrecorded assessment recorded")
	}
	resp, _ := ann.postForm("/assess", url.Values{"csrf": {ann.csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d", resp.StatusCode)
	}
	last, err := graph.Latest(f.h.Case)
	if err != nil || last == nil {
		t.Fatalf("no assessment recorded: %v", err)
	}
	// What `casefile assess` records: the default model, the built-in rules.
	cli, err := graph.AssessWith(ctx, f.h.Case, attrib.DefaultModel(), sigma.Builtin(), nil)
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := graph.ResultRoot(cli)
	if err != nil {
		t.Fatal(err)
	}
	if last.ResultRoot != root || last.ModelDigest != cli.ModelDigest || last.RulesDigest != cli.RulesDigest {
		t.Errorf("the workbench recorded root %s (rules %s), the CLI's is %s (rules %s)", last.ResultRoot, last.RulesDigest, root, cli.RulesDigest)
	}
	_, page = ann.get("/sources")
	if !strings.Contains(page, "This is the recorded assessment") || strings.Contains(page, "Preview, not recorded.") {
		t.Error("the page does not say the assessment is recorded")
	}
	if a := ann.sources(t, "limit=1"); !a.Recorded || a.LastRecorded == nil || a.LastRecorded.ResultRoot != root {
		t.Errorf("API: recorded %v, last %+v", a.Recorded, a.LastRecorded)
	}
	// New evidence makes what is shown a preview again, naming the last entry.
	f.addLog(t, "guess.log", synthAuthLog(60, 1))
	_, page = ann.get("/sources")
	if !strings.Contains(page, "Preview, not recorded.") || !strings.Contains(page, "The case changed since the last recorded assessment") {
		t.Error("newer data is not called a preview")
	}
	// Counsel sees the state but cannot record.
	carl := f.login(t, "carl")
	_, page = carl.get("/sources")
	if strings.Contains(page, `action="/assess"`) || !strings.Contains(page, "An analyst can record it.") {
		t.Error("counsel is offered to record")
	}
	if resp, _ := carl.postForm("/assess", url.Values{"csrf": {carl.csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel record: %d", resp.StatusCode)
	}
}
