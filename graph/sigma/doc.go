// Package sigma reads detection rules in the Sigma format
// (https://sigmahq.io, specification 1.0/2.0 rule files) and runs them over
// Casefile's parsed events.
//
// Guarantees:
//
//   - A rule is compiled once. Anything Casefile cannot honour — an unknown
//     modifier, a logsource it reads no log for, a condition naming a
//     selection that does not exist, bad YAML — is an *Error naming the
//     file and line, never silently ignored.
//   - Hostile rule files cannot make it panic or run without bound: files,
//     values, conditions and nesting are bounded, regular expressions are
//     RE2 (linear time), aggregation keeps at most a bounded number of
//     groups and reports what it dropped (Run.Dropped).
//   - Aggregation's memory does not grow with the number of events: beyond
//     a budget (Run.Budget) the events remembered spill to a temporary
//     file, removed when the run ends, and the results are exactly those
//     of a run that kept them in memory.
//   - Every detection names its rule (id, title, level, ATT&CK tags) and
//     cites the events it rests on (artefact SHA-256 and line or record).
//
// Supported Sigma: title, id, status, description, level, tags; logsource
// category/product/service (mapped below); detection with named selections
// that are field maps (all fields must match), lists of field maps (any),
// or keyword lists (any field contains the keyword); a list of values is
// "any of them" unless |all; null means absent or empty. Plain values
// compare without regard to case and take the wildcards * and ? (\*, \?
// and \\ escape them). Modifiers: contains, startswith, endswith, all, re
// (RE2 syntax; case-sensitive unless |i, also |m and |s), cidr, exists,
// cased, lt, lte, gt, gte. Conditions: and, or, not, parentheses,
// "1 of PATTERN", "all of PATTERN", "1 of them", "all of them" (them
// leaves out selections starting with _). Aggregation (Sigma 1.0):
// "condition | count() by F1, F2 >= N" counts events, "count(F) by …"
// counts distinct values of F, over the sliding window detection.timeframe
// (30s, 10m, 1h, 2d; without one, over the whole case).
//
// Casefile extension: "| beacon() by src, dst >= N" fires when at least N
// contacts of a group come at regular intervals: intervals shorter than
// min_interval are dropped as bursts of one contact, and the median
// absolute deviation of the others must be at most jitter × their median.
// Both are set in a top-level block (defaults 0.2 and 10s):
//
//	casefile:
//	  jitter: 0.2
//	  min_interval: 10s
//
// Logsource mapping: category webserver, proxy → kind http; authentication
// → auth; network_connection, firewall → flow; ids → alert; dns, dns_query
// → dns; process_creation → process; api → api. Product linux → the
// openssh and syslog parsers; windows → evtx; zeek; suricata → suricata-eve;
// apache → apache-access, apache-error; nginx → apache-access; aws →
// cloudtrail; pcap. Service sshd (syslog program sshd), auth, syslog,
// access, error, cloudtrail, security, and the Zeek logs conn, ssh, rdp,
// ntlm, notice, http, dns; alert (Suricata alerts).
//
// Field mapping. Casefile's event fields are kind, action, outcome, src,
// src_port, src_service, dst, dst_port, user and parser (the parser's name:
// openssh, syslog, apache-access, zeek, …); every other name is the
// parser's own field (status, path, user_agent, conn_state, signature,
// category, severity, cookie, duration, …; `casefile events --json` shows
// them). Virtual fields: path_decoded (the request path URL-decoded twice,
// + read as a space), uri_stem and uri_query (the path before and after
// "?"). Usual Sigma names are aliases (case-insensitive):
//
//	src          src_ip SourceIp SourceAddress IpAddress c-ip ClientIP id.orig_h sourceIPAddress
//	dst          dst_ip DestinationIp DestinationAddress s-ip id.resp_h
//	src_port     SourcePort id.orig_p IpPort
//	dst_port     DestinationPort id.resp_p s-port
//	user         TargetUserName UserName cs-username AccountName user.name
//	action       cs-method method eventName note (Zeek notice type)
//	path         cs-uri c-uri url request_uri uri
//	uri_stem     cs-uri-stem c-uri-stem;  uri_query  cs-uri-query c-uri-query
//	user_agent   cs-user-agent c-useragent UserAgent http.user_agent
//	status       sc-status http.status status_code;  referer  cs-referer
//	signature, category, severity, signature_id   alert.signature, alert.category, …
//	event_id     EventID
//
// Example:
//
//	eng, err := sigma.LoadDir("rules/")      // or sigma.Builtin()
//	run := eng.Start()
//	for _, ev := range events {
//		run.Match(&ev, func(r *sigma.Rule) { fmt.Println(r.ID, ev.Citation.Artefact, ev.Citation.Line) })
//	}
//	ds, err := run.Finish()                 // count() and beacon() rules
package sigma
