package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/triage"
)

type sourcesData struct {
	Rows          []*triage.Row
	Total, All    int
	Sort, Dir     string
	F             triage.Filter
	Roles         []string
	Confidences   []string
	Kinds         []string
	Countries     []string
	Offset, Limit int
	Prev, Next    string
	HasPrev       bool
	HasNext       bool
	Model         string
	Columns       []sortColumn
	Record        recordState
	Views         []savedView
	Query         string // the filters and sort shown, for saving them as a view
	Error         string
}

// sortColumn is one sortable column heading.
type sortColumn struct {
	Label, Href  string
	Current, Asc bool
}

// sourceColumns are the table's columns, each with its sort key.
var sourceColumns = []struct {
	key, label string
	text       bool
}{
	{"indicator", "Address", true}, {"asn", "ASN", false}, {"org", "Organisation", true}, {"country", "Country", true},
	{"first", "First seen (UTC)", false}, {"last", "Last seen (UTC)", false}, {"events", "Events by kind", false},
	{"logins", "Successful logins", false}, {"rules", "Rule hits", false}, {"campaign", "Campaign", true},
	{"role", "Most likely role", true}, {"probability", "Words", false}, {"confidence", "Confidence", false},
	{"risk", "Collateral risk", false}, {"verdict", "Examiner's verdict", true},
}

// tableQuery is what a sources request asks for: filter, sort, page.
type tableQuery struct {
	F             triage.Filter
	Sort          string
	Desc          bool
	Offset, Limit int
}

func readTableQuery(q url.Values) tableQuery {
	t := tableQuery{F: triage.ParseFilter(q), Sort: q.Get("sort"), Desc: q.Get("dir") != "asc"}
	if !triage.ValidSort(t.Sort) {
		t.Sort = "risk"
	}
	t.Offset, t.Limit = paging(q, defaultLimit)
	return t
}

// link is the query string of the same filters with another sort or page.
func (t tableQuery) link(sortKey string, desc bool, offset, limit int) string {
	v := t.F.Values()
	v.Set("sort", sortKey)
	if desc {
		v.Set("dir", "desc")
	} else {
		v.Set("dir", "asc")
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if limit != defaultLimit {
		v.Set("limit", strconv.Itoa(limit))
	}
	return "?" + v.Encode()
}

// sourceList is the triage table: every source with where the observations
// place it, what it did, and what the model and the examiner concluded,
// filtered, sorted and paged on the server; it says whether the assessment
// shown is recorded or a preview.
func (h *handler) sourceList(w http.ResponseWriter, r *http.Request) {
	h.renderSources(w, r, http.StatusOK, "")
}

func (h *handler) renderSources(w http.ResponseWriter, r *http.Request, status int, problem string) {
	s := h.s
	v := s.assessed(w, r, false)
	if v == nil {
		return
	}
	v.done() // the table reads the rows alone
	t := v.t
	st, err := s.recordState(t)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	tq := readTableQuery(r.URL.Query())
	p := t.page(tq.F, tq.Sort, tq.Desc, tq.Offset, tq.Limit)
	d := sourcesData{Rows: p.Rows, Total: p.Total, All: len(t.rows), Sort: tq.Sort, Dir: "asc", F: tq.F,
		Roles: attrib.Verdicts(), Confidences: triage.Confidences, Kinds: triage.KindNames, Countries: t.countries(),
		Offset: tq.Offset, Limit: tq.Limit, Model: t.res.head.Model + " " + t.res.head.ModelDigest,
		Record: st, Error: problem}
	if tq.Desc {
		d.Dir = "desc"
	}
	d.Query = tq.link(tq.Sort, tq.Desc, 0, defaultLimit)[1:]
	for _, c := range sourceColumns {
		// A new column sorts numbers descending (most first) and text
		// ascending; the current column flips.
		desc := !c.text
		if c.key == tq.Sort {
			desc = !tq.Desc
		}
		d.Columns = append(d.Columns, sortColumn{Label: c.label, Href: tq.link(c.key, desc, 0, tq.Limit), Current: c.key == tq.Sort, Asc: !tq.Desc})
	}
	if tq.Offset > 0 {
		d.HasPrev, d.Prev = true, tq.link(tq.Sort, tq.Desc, max(0, tq.Offset-tq.Limit), tq.Limit)
	}
	if tq.Offset+tq.Limit < p.Total {
		d.HasNext, d.Next = true, tq.link(tq.Sort, tq.Desc, tq.Offset+tq.Limit, tq.Limit)
	}
	if err := s.marks.read(s.c.Case, func(views []savedView, _ *recordedMark) {
		for _, v := range views {
			if v.Page == "sources" {
				d.Views = append(d.Views, v)
			}
		}
	}); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	page := s.newView(r, "Sources", "sources", d)
	page.Assess = v.note
	s.render(w, r, status, "sources", page)
}
