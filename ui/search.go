package ui

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// searchState is a timeline search as the URL keeps it: the query, the
// order, the page and the columns shown. Links built from it keep all of
// them, so paging and zooming never lose the search.
type searchState struct {
	Q             string
	Sort          string // time, -time, stored
	Offset, Limit int
	Cols          []string
	Bad           string
}

// timelineCols are the columns the timeline can show, in order; the
// default set leaves out the rarer ones.
var timelineCols = []struct{ Key, Label string }{
	{"time", "Time (UTC)"}, {"kind", "Kind"}, {"action", "Action"}, {"outcome", "Outcome"}, {"src", "Source"},
	{"user", "User"}, {"dst", "Destination"}, {"message", "Message"}, {"artefact", "Preserved line"},
}

var defaultCols = []string{"time", "kind", "outcome", "src", "user", "message", "artefact"}

// readSearch reads a search from the URL. The listing's older parameters
// (indicator, kind, outcome, artefact, from, to), which other pages link
// with, become clauses of the query.
func readSearch(v url.Values, defSort string) (searchState, *eventstore.SearchQuery) {
	st := searchState{Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort")}
	st.Offset, st.Limit = paging(v, defaultLimit)
	add := func(clause string) {
		if st.Q != "" {
			st.Q += " "
		}
		st.Q += clause
	}
	quote := func(s string) string {
		if strings.ContainsAny(s, " \t\"") {
			return strconv.Quote(s)
		}
		return s
	}
	for _, k := range []string{"indicator", "kind", "outcome", "artefact"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			add(k + ":" + quote(x))
		}
	}
	for _, k := range []string{"from", "to"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			t, ok := parseWhen(x, false)
			if !ok {
				st.Bad = k + ": use a date and time like 2026-11-20T09:30"
				continue
			}
			if k == "from" {
				add("after:" + t.Format(time.RFC3339))
			} else {
				if len(x) == len("2006-01-02") {
					t = t.Add(24 * time.Hour)
				} else {
					t = t.Add(time.Second)
				}
				add("before:" + t.Format(time.RFC3339))
			}
		}
	}
	switch st.Sort {
	case "time", "-time", "stored":
	case "":
		st.Sort = defSort
	default:
		st.Bad = "sort: use time, -time or stored"
		st.Sort = defSort
	}
	for _, c := range v["col"] {
		if slices.ContainsFunc(timelineCols, func(x struct{ Key, Label string }) bool { return x.Key == c }) && !slices.Contains(st.Cols, c) {
			st.Cols = append(st.Cols, c)
		}
	}
	if len(st.Cols) == 0 {
		st.Cols = defaultCols
	}
	q, err := eventstore.ParseSearch(st.Q)
	if err != nil && st.Bad == "" {
		st.Bad = err.Error()
	}
	return st, q
}

// storeSort is the eventstore order of a state's sort.
func (st searchState) storeSort() string {
	if st.Sort == "stored" {
		return eventstore.SortStored
	}
	return st.Sort
}

// Link is the URL of the timeline with this state, another query and
// offset: "?q=…&offset=…" (never a bare query string, which the browser
// would read as a path).
func (st searchState) Link(q string, offset int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if st.Sort != "time" {
		v.Set("sort", st.Sort)
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if st.Limit != defaultLimit {
		v.Set("limit", strconv.Itoa(st.Limit))
	}
	if !slices.Equal(st.Cols, defaultCols) {
		v["col"] = st.Cols
	}
	return "/events?" + v.Encode()
}

// withSort is the link to the first page in another order.
func (st searchState) withSort(sort string) string {
	st.Sort = sort
	return st.Link(st.Q, 0)
}

// withRange is the query narrowed to [from, to): its time bounds replaced.
func withRange(q string, from, to time.Time) string {
	var keep []string
	for _, f := range strings.Fields(q) {
		if !strings.HasPrefix(f, "after:") && !strings.HasPrefix(f, "before:") {
			keep = append(keep, f)
		}
	}
	keep = append(keep, "after:"+from.UTC().Format(time.RFC3339), "before:"+to.UTC().Format(time.RFC3339))
	return strings.Join(keep, " ")
}

// histBar is one bar of the histogram as the page draws it.
type histBar struct {
	From, To   time.Time
	Count      int64
	X, W, H, Y float64
	Link       string
}

// histView is the histogram drawn as an SVG of bars, each a link that
// narrows the search to its time range.
type histView struct {
	Bars         []histBar
	Max          int64
	Step         string
	NoTime       int64
	Width        float64
	Height       float64
	Zoomed       bool
	ZoomOut      string
	SpanFrom, To time.Time
}

func newHistView(st searchState, q *eventstore.SearchQuery, h *eventstore.Histogram) *histView {
	hv := &histView{Width: 900, Height: 80, NoTime: h.NoTime}
	if len(h.Counts) == 0 {
		return hv
	}
	for _, c := range h.Counts {
		hv.Max = max(hv.Max, c)
	}
	w := hv.Width / float64(len(h.Counts))
	for i, c := range h.Counts {
		from := h.Start.Add(time.Duration(i) * h.Step)
		to := from.Add(h.Step)
		b := histBar{From: from, To: to, Count: c, X: float64(i) * w, W: max(w-1, 1)}
		if hv.Max > 0 {
			b.H = hv.Height * float64(c) / float64(hv.Max)
			if c > 0 {
				b.H = max(b.H, 2)
			}
		}
		b.Y = hv.Height - b.H
		b.Link = st.Link(withRange(st.Q, from, to), 0)
		hv.Bars = append(hv.Bars, b)
	}
	hv.Step = stepWords(h.Step)
	hv.SpanFrom = h.Start
	hv.To = h.Start.Add(time.Duration(len(h.Counts)) * h.Step)
	if !q.After.IsZero() || !q.Before.IsZero() {
		hv.Zoomed = true
		var keep []string
		for _, f := range strings.Fields(st.Q) {
			if !strings.HasPrefix(f, "after:") && !strings.HasPrefix(f, "before:") {
				keep = append(keep, f)
			}
		}
		hv.ZoomOut = st.Link(strings.Join(keep, " "), 0)
	}
	return hv
}

// stepWords says a histogram step as a person would: "15 seconds",
// "1 hour", "7 days".
func stepWords(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if d >= u.d && d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return "1 " + u.name
			}
			return strconv.FormatInt(n, 10) + " " + u.name + "s"
		}
	}
	return d.String()
}

// eventMessage is the message column: what matters most in an event of
// each kind.
func eventMessage(e *parse.Event) string {
	f := e.Fields
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " ")
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := f[k]; v != "" {
				return v
			}
		}
		return ""
	}
	var m string
	switch e.Kind {
	case parse.KindAlert:
		m = first("signature", "msg", "note")
		if m == "" {
			m = e.Action
		}
	case parse.KindHTTP:
		host := first("host", "vhost")
		m = join(e.Action, host+first("url", "uri", "path", "request"), first("status", "status_code"))
	case parse.KindAuth:
		lt := ""
		if v := f["logon_type"]; v != "" {
			lt = "logon type " + v
		}
		m = join(e.Action, lt, first("method", "auth_method"))
	case parse.KindProcess:
		m = first("command_line", "process", "path")
	case parse.KindDNS:
		m = join(first("query"), first("qtype_name"), first("rcode_name"))
	}
	if m == "" || m == e.Action {
		m = join(e.Action, first("message", "msg", "event_type"))
	}
	if len(m) > 300 {
		m = m[:300] + "…"
	}
	return m
}

// search runs a query, or answers it from s.found when the parsed events
// are those it was answered from. At most one search per core runs at
// once (s.searches, at least two): a burst of expensive queries then
// leaves the other requests a share of the CPU, while searches of several
// people do not wait for each other (one at a time, a search of a million
// events made every other wait ~65 ms). The event store runs searches side
// by side.
func (s *Server) search(ctx context.Context, q *eventstore.SearchQuery, o eventstore.SearchOptions) (*eventstore.SearchResult, error) {
	runs := s.cat.parseRuns()
	key := fmt.Sprintf("%s|%d|%d|%d|%s", o.Sort, o.Offset, o.Limit, o.Buckets, q.Text)
	if res := s.found.get(runs, key); res != nil {
		return res, nil
	}
	select {
	case s.searches <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.searches }()
	res, err := s.events.Search(ctx, q, o)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	s.found.put(runs, key, res)
	return res, nil
}

// searchCache keeps answers of searches while no parse run is added: the
// events change only with one (an events.parsed entry), and a page that
// shows a search is made anew after other entries too (a tag, a note), so
// that it does not search again then (~65 ms for a million events).
// Answers are only read once kept.
type searchCache struct {
	mu   sync.Mutex
	runs int // the parse runs recorded when the answers were made
	m    map[string]*eventstore.SearchResult
}

// maxKeptSearches bounds the answers kept (each at most maxLimit events).
const maxKeptSearches = 128

func (c *searchCache) get(runs int, key string) *eventstore.SearchResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs != runs {
		return nil
	}
	return c.m[key]
}

func (c *searchCache) put(runs int, key string, res *eventstore.SearchResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs != runs || len(c.m) >= maxKeptSearches {
		c.runs, c.m = runs, nil
	}
	if c.m == nil {
		c.m = map[string]*eventstore.SearchResult{}
	}
	c.m[key] = res
}
