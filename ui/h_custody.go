package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type custodyData struct {
	F             logFilter
	Rows          []entryLine
	Total         int
	Kinds, Actors []string
	From, To      string
	Prev, Next    string
	HasPrev       bool
	HasNext       bool
	Order         string
}

// custodyLog is the timeline of custody entries, filterable, newest first
// unless asked otherwise.
func (h *handler) custodyLog(w http.ResponseWriter, r *http.Request) {
	s := h.s
	q := r.URL.Query()
	f := logFilter{Kind: q.Get("kind"), Actor: q.Get("actor"), Text: strings.TrimSpace(q.Get("q")), Newest: q.Get("order") != "oldest"}
	if a := strings.TrimPrefix(strings.ToLower(q.Get("artefact")), "sha256:"); isHex64(a) {
		f.Artefact = a
	}
	d := custodyData{From: q.Get("from"), To: q.Get("to"), Order: "newest"}
	if !f.Newest {
		d.Order = "oldest"
	}
	f.Since, _ = parseWhen(d.From, false)
	f.Until, _ = parseWhen(d.To, true)
	f.Offset, f.Limit = paging(q, defaultLimit)
	var err error
	d.Rows, d.Total, err = s.cat.query(f)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d.F = f
	d.Kinds, d.Actors, _ = s.cat.facets()
	link := func(off int) string {
		v := url.Values{}
		for k, x := range map[string]string{"kind": f.Kind, "actor": f.Actor, "q": f.Text, "artefact": f.Artefact, "from": d.From, "to": d.To} {
			if x != "" {
				v.Set(k, x)
			}
		}
		if !f.Newest {
			v.Set("order", "oldest")
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		return "?" + v.Encode()
	}
	if f.Offset > 0 {
		d.HasPrev, d.Prev = true, link(max(0, f.Offset-f.Limit))
	}
	if f.Offset+f.Limit < d.Total {
		d.HasNext, d.Next = true, link(f.Offset+f.Limit)
	}
	s.render(w, r, http.StatusOK, "custody", s.newView(r, "Custody log", "custody", d))
}
