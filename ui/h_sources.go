package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/casefile/casefile/graph/attrib"
)

type sourcesData struct {
	Rows          []*attrib.Source
	Total, Shown  int
	Sort, Dir     string
	Role, Q       string
	Campaign      string
	Acted         bool // only the sources rules caught acting
	Roles         []string
	Offset, Limit int
	Prev, Next    string
	HasPrev       bool
	HasNext       bool
	Model         string
	SortLinks     map[string]string
}

// sourceList is the assessment table: every source with its role, words,
// confidence and collateral risk, sorted and paged on the server.
func (h *handler) sourceList(w http.ResponseWriter, r *http.Request) {
	s := h.s
	res, _, err := s.assess.result(r.Context())
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	q := r.URL.Query()
	d := sourcesData{Sort: q.Get("sort"), Dir: q.Get("dir"), Role: q.Get("role"), Q: strings.TrimSpace(q.Get("q")), Campaign: q.Get("campaign"), Acted: q.Get("acted") == "1",
		Roles: attrib.Verdicts(), Model: res.Model + " " + res.ModelDigest, SortLinks: map[string]string{}}
	switch d.Sort {
	case "indicator", "role", "probability", "confidence", "risk", "events":
	default:
		d.Sort = "risk"
	}
	if d.Dir != "asc" {
		d.Dir = "desc"
	}
	d.Offset, d.Limit = paging(q, defaultLimit)
	matched := 0
	for _, i := range s.assess.order(res, d.Sort, d.Dir == "desc") {
		src := &res.Sources[i]
		if d.Role != "" && src.Role != d.Role || d.Q != "" && !strings.Contains(src.Indicator, d.Q) || d.Campaign != "" && src.Campaign != d.Campaign ||
			d.Acted && len(src.Did()) == 0 {
			continue
		}
		if matched >= d.Offset && len(d.Rows) < d.Limit {
			d.Rows = append(d.Rows, src)
		}
		matched++
	}
	d.Total = matched
	link := func(sortKey, dir string, offset int) string {
		v := url.Values{}
		v.Set("sort", sortKey)
		v.Set("dir", dir)
		if d.Role != "" {
			v.Set("role", d.Role)
		}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Campaign != "" {
			v.Set("campaign", d.Campaign)
		}
		if d.Acted {
			v.Set("acted", "1")
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		return "?" + v.Encode()
	}
	for _, k := range []string{"indicator", "role", "probability", "confidence", "risk", "events"} {
		dir := "desc"
		if k == d.Sort && d.Dir == "desc" || k == "indicator" && k != d.Sort {
			dir = "asc"
		}
		d.SortLinks[k] = link(k, dir, 0)
	}
	if d.Offset > 0 {
		d.HasPrev, d.Prev = true, link(d.Sort, d.Dir, max(0, d.Offset-d.Limit))
	}
	if d.Offset+d.Limit < matched {
		d.HasNext, d.Next = true, link(d.Sort, d.Dir, d.Offset+d.Limit)
	}
	s.render(w, r, http.StatusOK, "sources", s.newView(r, "Sources", "sources", d))
}
