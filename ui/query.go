package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// paging reads ?offset and ?limit, bounded.
func paging(q url.Values, def int) (offset, limit int) {
	offset, _ = strconv.Atoi(q.Get("offset"))
	limit, _ = strconv.Atoi(q.Get("limit"))
	if offset < 0 || offset > 1<<40 {
		offset = 0
	}
	if limit <= 0 {
		limit = def
	}
	return offset, min(limit, maxLimit)
}

// parseWhen accepts RFC 3339, the datetime-local form (UTC assumed) or a date.
func parseWhen(s string, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(f, s); err == nil {
			if end && f == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// eventFilter is the events page's filter, kept in the URL.
type eventFilter struct {
	Indicator, Artefact, Kind, Outcome, From, To string
	Offset, Limit                                int
	Bad                                          string
}

func readEventFilter(q url.Values) (eventFilter, eventstore.Query) {
	f := eventFilter{Indicator: strings.TrimSpace(q.Get("indicator")), Artefact: strings.TrimSpace(q.Get("artefact")),
		Kind: q.Get("kind"), Outcome: q.Get("outcome"), From: q.Get("from"), To: q.Get("to")}
	f.Offset, f.Limit = paging(q, defaultLimit)
	eq := eventstore.Query{Indicator: f.Indicator, Kind: f.Kind, Outcome: f.Outcome, Offset: f.Offset, Limit: f.Limit + 1}
	if f.Artefact != "" {
		h := strings.TrimPrefix(strings.ToLower(f.Artefact), "sha256:")
		if isHex64(h) {
			eq.Artefact = "sha256:" + h
		} else {
			f.Bad = "artefact must be a SHA-256"
		}
	}
	var ok bool
	if eq.From, ok = parseWhen(f.From, false); !ok {
		f.Bad = "from: use a date and time like 2026-11-20T09:30"
	}
	if eq.To, ok = parseWhen(f.To, true); !ok {
		f.Bad = "to: use a date and time like 2026-11-20T18:00"
	}
	return f, eq
}

// query renders the filter as a link to the same page with another
// offset: "?kind=auth&offset=100" (a bare query string would be a path).
func (f eventFilter) query(offset int) string {
	v := url.Values{}
	for k, x := range map[string]string{"indicator": f.Indicator, "artefact": f.Artefact, "kind": f.Kind, "outcome": f.Outcome, "from": f.From, "to": f.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if f.Limit != defaultLimit {
		v.Set("limit", strconv.Itoa(f.Limit))
	}
	return "?" + v.Encode()
}

// eventLink is where an event's preserved line is shown.
func eventLink(c parse.Citation) string {
	h := hexOf(c.Artefact)
	if !isHex64(h) {
		return ""
	}
	if c.Member != "" || c.Line == 0 {
		return "/evidence/" + h + "/content?mode=hex&at=" + strconv.FormatInt(c.Offset, 10)
	}
	l := strconv.FormatInt(c.Line, 10)
	return "/evidence/" + h + "/content?at=" + strconv.FormatInt(c.Offset, 10) + "&line=" + l + "#L" + l
}

func kinds() []string {
	return []string{"auth", "http", "api", "flow", "alert", "dns", "process", "other"}
}
