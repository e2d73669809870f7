package sigma

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/casefile/casefile/evidence/parse"
)

// aliases maps Sigma's usual field names (Windows, web server, Zeek,
// Suricata, CloudTrail) to Casefile's. The table is documented in doc.go.
var aliases = map[string]string{
	"src_ip": "src", "sourceip": "src", "sourceaddress": "src", "ipaddress": "src", "c-ip": "src", "clientip": "src",
	"id.orig_h": "src", "sourceipaddress": "src", "remote_addr": "src", "client_ip": "src",
	"dst_ip": "dst", "destinationip": "dst", "destinationaddress": "dst", "s-ip": "dst", "id.resp_h": "dst",
	"src_port": "src_port", "sourceport": "src_port", "id.orig_p": "src_port", "ipport": "src_port",
	"dst_port": "dst_port", "destinationport": "dst_port", "id.resp_p": "dst_port", "s-port": "dst_port",
	"targetusername": "user", "username": "user", "cs-username": "user", "accountname": "user", "user.name": "user",
	"cs-method": "action", "method": "action", "eventname": "action", "note": "action",
	"cs-uri": "path", "c-uri": "path", "url": "path", "request_uri": "path", "uri": "path",
	"cs-uri-stem": "uri_stem", "c-uri-stem": "uri_stem", "cs-uri-query": "uri_query", "c-uri-query": "uri_query",
	"cs-user-agent": "user_agent", "c-useragent": "user_agent", "useragent": "user_agent", "http.user_agent": "user_agent", "http_user_agent": "user_agent",
	"sc-status": "status", "http.status": "status", "status_code": "status",
	"cs-referer": "referer", "http_referer": "referer",
	"alert.signature": "signature", "alert.category": "category", "alert.severity": "severity", "alert.signature_id": "signature_id",
	"eventid": "event_id",
}

// canonicalField maps a rule's field name onto Casefile's: the event's own
// fields (kind, action, outcome, src, src_port, src_service, dst, dst_port,
// user, parser), virtual fields (path_decoded, uri_stem, uri_query) and
// otherwise the parser's field of that name. Known Sigma names are aliases
// (case-insensitive); other names are kept as written, since parser fields
// are case-sensitive.
func canonicalField(name string) string {
	low := strings.ToLower(name)
	if a, ok := aliases[low]; ok {
		return a
	}
	switch low {
	case "kind", "action", "outcome", "src", "src_service", "dst", "user", "parser", "path_decoded":
		return low
	}
	return name
}

// accessor reads one field of an event.
type accessor func(e *parse.Event) string

func accessorFor(name string) accessor {
	switch name {
	case "kind":
		return func(e *parse.Event) string { return e.Kind }
	case "action":
		return func(e *parse.Event) string { return e.Action }
	case "outcome":
		return func(e *parse.Event) string { return e.Outcome }
	case "src":
		return func(e *parse.Event) string { return e.Src }
	case "src_service":
		return func(e *parse.Event) string { return e.SrcService }
	case "dst":
		return func(e *parse.Event) string { return e.Dst }
	case "user":
		return func(e *parse.Event) string { return e.User }
	case "src_port":
		return func(e *parse.Event) string { return port(e.SrcPort) }
	case "dst_port":
		return func(e *parse.Event) string { return port(e.DstPort) }
	case "parser":
		return func(e *parse.Event) string { return parserName(e) }
	case "path_decoded":
		return func(e *parse.Event) string { return decodePath(e.Fields["path"]) }
	case "uri_stem":
		return func(e *parse.Event) string { s, _, _ := strings.Cut(e.Fields["path"], "?"); return s }
	case "uri_query":
		return func(e *parse.Event) string { _, q, _ := strings.Cut(e.Fields["path"], "?"); return q }
	}
	return func(e *parse.Event) string { return e.Fields[name] }
}

func port(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

// parserName is the parser of the event without its version ("zeek").
func parserName(e *parse.Event) string {
	p, _, _ := strings.Cut(e.Citation.Parser, "/")
	return p
}

// decodePath undoes URL encoding (twice, as attackers double-encode) and
// reads + as a space; invalid escapes are left as they are.
func decodePath(p string) string {
	if !strings.ContainsAny(p, "%+") {
		return p
	}
	for range 2 {
		if !strings.Contains(p, "%") {
			break
		}
		d, err := url.PathUnescape(p)
		if err != nil {
			break
		}
		p = d
	}
	return strings.ReplaceAll(p, "+", " ")
}

// evalCtx evaluates one event: it caches field values and their lower-case
// forms, so rules that look at the same field read it once.
type evalCtx struct {
	ev    *parse.Event
	acc   []accessor
	val   []string
	low   []string
	stamp []uint32 // stamp[i] == epoch: val[i] is current
	lowOK []uint32
	epoch uint32
}

func newEvalCtx(acc []accessor) *evalCtx {
	n := len(acc)
	return &evalCtx{acc: acc, val: make([]string, n), low: make([]string, n), stamp: make([]uint32, n), lowOK: make([]uint32, n)}
}

func (c *evalCtx) reset(e *parse.Event) {
	c.ev = e
	c.epoch++
	if c.epoch == 0 { // wrapped: forget everything
		clear(c.stamp)
		clear(c.lowOK)
		c.epoch = 1
	}
}

func (c *evalCtx) raw(i int) string {
	if c.stamp[i] != c.epoch {
		c.val[i] = c.acc[i](c.ev)
		c.stamp[i] = c.epoch
	}
	return c.val[i]
}

func (c *evalCtx) lower(i int) string {
	if c.lowOK[i] != c.epoch {
		c.low[i] = strings.ToLower(c.raw(i))
		c.lowOK[i] = c.epoch
	}
	return c.low[i]
}

// eachValue calls fn with every value of the event (for keywords) until fn
// returns false.
func (c *evalCtx) eachValue(fn func(string) bool) {
	e := c.ev
	for _, v := range []string{e.Action, e.User, e.Src, e.Dst, e.SrcService} {
		if v != "" && !fn(v) {
			return
		}
	}
	for _, v := range e.Fields {
		if v != "" && !fn(v) {
			return
		}
	}
}
