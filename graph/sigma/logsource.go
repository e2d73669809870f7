package sigma

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/casefile/casefile/evidence/parse"
)

// logsourceMatch is a rule's logsource as a test on an event's kind, parser
// and action. Empty lists allow anything.
type logsourceMatch struct {
	kinds   []string
	parsers []string
	actions []string // Zeek log names become the event's action or kind
	program string   // syslog program ("sshd")
}

func (l *logsourceMatch) ok(e *parse.Event, parser string) bool {
	if len(l.kinds) > 0 && !slices.Contains(l.kinds, e.Kind) {
		return false
	}
	if len(l.parsers) > 0 && !slices.Contains(l.parsers, parser) {
		return false
	}
	if len(l.actions) > 0 && !slices.Contains(l.actions, e.Action) {
		return false
	}
	if l.program != "" && parser == "syslog" && e.Fields["program"] != l.program {
		return false
	}
	return true
}

// categories maps Sigma logsource categories to event kinds.
var categories = map[string][]string{
	"webserver":          {parse.KindHTTP},
	"proxy":              {parse.KindHTTP},
	"authentication":     {parse.KindAuth},
	"network_connection": {parse.KindFlow},
	"firewall":           {parse.KindFlow},
	"ids":                {parse.KindAlert},
	"dns":                {parse.KindDNS},
	"dns_query":          {parse.KindDNS},
	"process_creation":   {parse.KindProcess},
	"api":                {parse.KindAPI},
}

// products maps Sigma products to Casefile's parsers.
var products = map[string][]string{
	"linux":    {"openssh", "syslog"},
	"windows":  {"evtx"},
	"zeek":     {"zeek"},
	"suricata": {"suricata-eve"},
	"apache":   {"apache-access", "apache-error"},
	"nginx":    {"apache-access"},
	"aws":      {"cloudtrail"},
	"pcap":     {"pcap"},
}

// services narrows a product: parsers, and for Zeek the log (which the
// parser gives as the event's action or kind).
var services = map[string]logsourceMatch{
	"sshd":       {parsers: []string{"openssh", "syslog"}, program: "sshd"},
	"auth":       {parsers: []string{"openssh", "syslog"}, kinds: []string{parse.KindAuth}},
	"syslog":     {parsers: []string{"syslog"}},
	"access":     {parsers: []string{"apache-access"}},
	"error":      {parsers: []string{"apache-error"}},
	"cloudtrail": {parsers: []string{"cloudtrail"}},
	"security":   {parsers: []string{"evtx"}},
	"conn":       {parsers: []string{"zeek", "suricata-eve", "pcap"}, kinds: []string{parse.KindFlow}},
	"ssh":        {parsers: []string{"zeek"}, actions: []string{"ssh"}},
	"rdp":        {parsers: []string{"zeek"}, actions: []string{"rdp"}},
	"ntlm":       {parsers: []string{"zeek"}, actions: []string{"ntlm"}},
	"notice":     {parsers: []string{"zeek"}, kinds: []string{parse.KindAlert}},
	"http":       {kinds: []string{parse.KindHTTP}},
	"dns":        {kinds: []string{parse.KindDNS}},
	"alert":      {parsers: []string{"suricata-eve"}, kinds: []string{parse.KindAlert}},
}

func keys[V any](m map[string]V) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// parseLogsource reads the logsource block. Values Casefile has no log for
// are an error: a rule that could never match is a mistake to fix, not to
// discover later.
func parseLogsource(name string, r *Rule, v *yaml.Node) error {
	bad := func(at *yaml.Node, format string, a ...any) error {
		return &Error{File: name, Line: at.Line, Msg: "logsource: " + fmt.Sprintf(format, a...)}
	}
	if v.Kind != yaml.MappingNode {
		return bad(v, "want a mapping (category, product, service)")
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		s, err := scalar(name, x)
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		switch k.Value {
		case "category":
			kinds, ok := categories[s]
			if !ok {
				return bad(x, "category %q: Casefile reads no such log (known: %s)", s, keys(categories))
			}
			r.Logsource.Category, r.src.kinds = s, intersect(r.src.kinds, kinds)
		case "product":
			ps, ok := products[s]
			if !ok {
				return bad(x, "product %q: Casefile reads no such log (known: %s)", s, keys(products))
			}
			r.Logsource.Product, r.src.parsers = s, intersect(r.src.parsers, ps)
		case "service":
			sv, ok := services[s]
			if !ok {
				return bad(x, "service %q: Casefile reads no such log (known: %s)", s, keys(services))
			}
			r.Logsource.Service = s
			r.src.parsers = intersect(r.src.parsers, sv.parsers)
			r.src.kinds = intersect(r.src.kinds, sv.kinds)
			r.src.actions, r.src.program = sv.actions, sv.program
		case "definition":
		default:
			return bad(k, "unknown key %q (want category, product, service, definition)", k.Value)
		}
	}
	if r.src.kinds != nil && len(r.src.kinds) == 0 || r.src.parsers != nil && len(r.src.parsers) == 0 {
		return bad(v, "category, product and service name no log in common")
	}
	return nil
}

// intersect narrows a (nil = anything) by b (nil = anything).
func intersect(a, b []string) []string {
	switch {
	case b == nil:
		return a
	case a == nil:
		return slices.Clone(b)
	}
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
