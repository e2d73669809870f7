package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

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
