package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Log file names under dir, and the parser that reads each.
const (
	logAuth       = "logs/auth.log"
	logAccess     = "logs/access.log"
	logAppAuth    = "logs/app-auth.jsonl"
	logTrail      = "logs/cloudtrail.json"
	logEVE        = "logs/eve.json"
	logZeekConn   = "logs/conn.log"
	logZeekDNS    = "logs/dns.log"
	formatZeekTSV = "zeek"
)

var logFormats = map[string]string{
	logAuth: "openssh", logAccess: "apache-access", logAppAuth: "jsonl", logTrail: "cloudtrail",
	logEVE: "suricata-eve", logZeekConn: formatZeekTSV, logZeekDNS: formatZeekTSV,
}

// entry is one line (or CloudTrail record) with its time; lines are sorted
// by time, ties kept in insertion order.
type entry struct {
	t    time.Time
	text string
}

type logFile struct {
	path    string
	entries []entry
	// header and footer frame Zeek TSV logs.
	zeekPath   string
	zeekFields []string
	zeekTypes  []string
}

func (g *gen) log(path string) *logFile {
	lf, ok := g.logs[path]
	if !ok {
		lf = &logFile{path: path}
		g.logs[path] = lf
		g.formats[path] = logFormats[path]
	}
	return lf
}

func (g *gen) add(path string, t time.Time, text string) {
	g.seen(t)
	lf := g.log(path)
	lf.entries = append(lf.entries, entry{t, text})
}

func (lf *logFile) render() []byte {
	slices.SortStableFunc(lf.entries, func(a, b entry) int { return a.t.Compare(b.t) })
	var b bytes.Buffer
	switch {
	case lf.path == logTrail:
		b.WriteString("{\"Records\":[")
		for i, e := range lf.entries {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n")
			b.WriteString(e.text)
		}
		b.WriteString("\n]}\n")
	case lf.zeekPath != "":
		open := lf.entries[0].t.UTC().Format("2006-01-02-15-04-05")
		fmt.Fprintf(&b, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t%s\n#fields\t%s\n#types\t%s\n",
			lf.zeekPath, open, strings.Join(lf.zeekFields, "\t"), strings.Join(lf.zeekTypes, "\t"))
		for _, e := range lf.entries {
			b.WriteString(e.text)
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "#close\t%s\n", lf.entries[len(lf.entries)-1].t.Add(time.Minute).UTC().Format("2006-01-02-15-04-05"))
	default:
		for _, e := range lf.entries {
			b.WriteString(e.text)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// sshd writes auth.log lines in RFC 3164 syslog (no year: see Truth.Year).

type sshd struct {
	g    *gen
	host string
}

func (g *gen) sshd() *sshd {
	return g.sshdOn(pick(g, []string{"bastion-01", "jump01", "web-prod-2", "ops-gw", "build-03"}))
}

// sshdOn is the sshd of the named host; every host's lines go to the one
// auth.log, as a central syslog collector keeps them.
func (g *gen) sshdOn(host string) *sshd { return &sshd{g: g, host: host} }

func (s *sshd) line(t time.Time, pid int, msg string) {
	s.g.add(logAuth, t, fmt.Sprintf("%s %s sshd[%d]: %s", t.UTC().Format("Jan _2 15:04:05"), s.host, pid, msg))
}

func (s *sshd) pid() int            { return s.g.between(2000, 65000) }
func (s *sshd) port() int           { return s.g.between(32768, 60999) }
func (s *sshd) step() time.Duration { return time.Duration(200+s.g.rng.IntN(2500)) * time.Millisecond }

// fail writes one failed password attempt (with the Invalid user line when
// the account does not exist) and returns the time after it.
func (s *sshd) fail(t time.Time, ip, user string, invalid bool) time.Time {
	pid, port := s.pid(), s.port()
	if invalid {
		s.line(t, pid, fmt.Sprintf("Invalid user %s from %s port %d", user, ip, port))
		t = t.Add(s.step())
		s.line(t, pid, fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, ip, port))
	} else {
		s.line(t, pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, ip, port))
	}
	t = t.Add(s.step())
	if invalid {
		s.line(t, pid, fmt.Sprintf("Connection closed by invalid user %s %s port %d [preauth]", user, ip, port))
	} else {
		s.line(t, pid, fmt.Sprintf("Connection closed by authenticating user %s %s port %d [preauth]", user, ip, port))
	}
	return t.Add(s.step())
}

// accept writes a successful login, its session and the logout after dur.
// keyFP, when set, makes it a publickey login.
func (s *sshd) accept(t time.Time, ip, user, keyFP string, dur time.Duration) time.Time {
	pid, port := s.pid(), s.port()
	if keyFP != "" {
		s.line(t, pid, fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 %s", user, ip, port, keyFP))
	} else {
		s.line(t, pid, fmt.Sprintf("Accepted password for %s from %s port %d ssh2", user, ip, port))
	}
	s.line(t.Add(40*time.Millisecond), pid, fmt.Sprintf("pam_unix(sshd:session): session opened for user %s by (uid=0)", user))
	end := t.Add(dur)
	s.line(end, pid, fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", ip, port))
	s.line(end.Add(3*time.Millisecond), pid, fmt.Sprintf("Disconnected from user %s %s port %d", user, ip, port))
	s.line(end.Add(5*time.Millisecond), pid, fmt.Sprintf("pam_unix(sshd:session): session closed for user %s", user))
	return end
}

// probe writes what a scanner's banner grab leaves in auth.log.
func (s *sshd) probe(t time.Time, ip string) {
	pid, port := s.pid(), s.port()
	switch s.g.rng.IntN(3) {
	case 0:
		s.line(t, pid, fmt.Sprintf("Did not receive identification string from %s port %d", ip, port))
	case 1:
		s.line(t, pid, fmt.Sprintf("Connection closed by %s port %d [preauth]", ip, port))
	default:
		s.line(t, pid, fmt.Sprintf("Unable to negotiate with %s port %d: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]", ip, port))
	}
}

func (g *gen) keyFP() string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 43)
	for i := range b {
		b[i] = b64[g.rng.IntN(64)]
	}
	return "SHA256:" + string(b)
}

// access writes a combined-format access.log line.
func (g *gen) access(t time.Time, ip, user, method, path string, status, size int, ref, ua string) {
	if user == "" {
		user = "-"
	}
	if ref == "" {
		ref = "-"
	}
	g.add(logAccess, t, fmt.Sprintf("%s - %s [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"",
		ip, user, t.UTC().Format("02/Jan/2006:15:04:05 -0700"), method, path, status, size, ref, ua))
}

// appAuth writes one line of the web application's JSON authentication log.
func (g *gen) appAuth(t time.Time, ip, user, outcome, ua string) {
	rec := struct {
		Timestamp string `json:"timestamp"`
		Kind      string `json:"kind"`
		Event     string `json:"event"`
		SrcIP     string `json:"src_ip"`
		User      string `json:"user"`
		Outcome   string `json:"outcome"`
		UserAgent string `json:"user_agent"`
		Service   string `json:"service"`
	}{t.UTC().Format("2006-01-02T15:04:05.000Z"), "auth", "login", ip, user, outcome, ua, "webshop-auth"}
	b, _ := json.Marshal(rec)
	g.add(logAppAuth, t, string(b))
}

// EVE records.

type eveAlert struct {
	Action      string `json:"action"`
	GID         int    `json:"gid"`
	SignatureID int    `json:"signature_id"`
	Rev         int    `json:"rev"`
	Signature   string `json:"signature"`
	Category    string `json:"category"`
	Severity    int    `json:"severity"`
}

type eveTLS struct {
	Subject string `json:"subject,omitempty"`
	Issuer  string `json:"issuerdn,omitempty"`
	SNI     string `json:"sni,omitempty"`
	Version string `json:"version"`
	JA3     *struct {
		Hash string `json:"hash"`
	} `json:"ja3,omitempty"`
}

type eveDNS struct {
	Type   string `json:"type"`
	ID     int    `json:"id"`
	RRName string `json:"rrname"`
	RRType string `json:"rrtype"`
	RCode  string `json:"rcode,omitempty"`
	RData  string `json:"rdata,omitempty"`
	TTL    int    `json:"ttl,omitempty"`
}

type eveFlow struct {
	PktsToServer  int    `json:"pkts_toserver"`
	PktsToClient  int    `json:"pkts_toclient"`
	BytesToServer int    `json:"bytes_toserver"`
	BytesToClient int    `json:"bytes_toclient"`
	Start         string `json:"start"`
	End           string `json:"end"`
	State         string `json:"state"`
	Reason        string `json:"reason"`
}

type eveRec struct {
	Timestamp string    `json:"timestamp"`
	FlowID    int64     `json:"flow_id"`
	InIface   string    `json:"in_iface"`
	EventType string    `json:"event_type"`
	SrcIP     string    `json:"src_ip"`
	SrcPort   int       `json:"src_port"`
	DestIP    string    `json:"dest_ip"`
	DestPort  int       `json:"dest_port"`
	Proto     string    `json:"proto"`
	AppProto  string    `json:"app_proto,omitempty"`
	Alert     *eveAlert `json:"alert,omitempty"`
	TLS       *eveTLS   `json:"tls,omitempty"`
	DNS       *eveDNS   `json:"dns,omitempty"`
	Flow      *eveFlow  `json:"flow,omitempty"`
}

func eveTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-0700") }

func (g *gen) eve(t time.Time, r eveRec) {
	r.Timestamp = eveTime(t)
	if r.FlowID == 0 {
		r.FlowID = int64(g.rng.Uint64() >> 14)
	}
	if r.InIface == "" {
		r.InIface = "ens192"
	}
	if r.Proto == "" {
		r.Proto = "TCP"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
	g.add(logEVE, t, strings.TrimSuffix(b.String(), "\n"))
}

func (g *gen) ja3() *struct {
	Hash string `json:"hash"`
} {
	return &struct {
		Hash string `json:"hash"`
	}{g.hex(32)}
}

// Zeek TSV logs.

var (
	connFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
		"orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history", "orig_pkts",
		"orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"}
	connTypes = []string{"time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count",
		"string", "bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]"}
	dnsFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt", "query",
		"qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z", "answers", "TTLs", "rejected"}
	dnsTypes = []string{"time", "string", "addr", "port", "addr", "port", "enum", "count", "interval", "string", "count", "string",
		"count", "string", "count", "string", "bool", "bool", "bool", "bool", "count", "vector[string]", "vector[interval]", "bool"}
)

func (g *gen) zeekUID() string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 17)
	b[0] = 'C'
	for i := 1; i < len(b); i++ {
		b[i] = a[g.rng.IntN(len(a))]
	}
	return string(b)
}

func zeekTS(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }

// conn writes a conn.log line. state is the Zeek conn_state (S0 for an
// unanswered SYN, REJ for a refused one, SF for a normal connection). The
// responder is always the victim's (local_resp T); the originator is local
// when it is a private address (an internal host).
func (g *gen) conn(t time.Time, src string, sport int, dst string, dport int, state string, dur float64, ob, rb int) {
	lf := g.log(logZeekConn)
	lf.zeekPath, lf.zeekFields, lf.zeekTypes = "conn", connFields, connTypes
	durS, obS, rbS, hist, op, rp := "-", "0", "0", "S", 1, 0
	switch state {
	case "SF":
		durS, obS, rbS, hist, op, rp = fmt.Sprintf("%.6f", dur), fmt.Sprint(ob), fmt.Sprint(rb), "ShADadFf", 6+ob/1400, 5+rb/1400
	case "REJ":
		durS, hist, rp = fmt.Sprintf("%.6f", 0.0002+g.rng.Float64()/1000), "Sr", 1
	}
	svc := "-"
	if state == "SF" {
		svc = map[int]string{22: "ssh", 445: "smb", 3389: "rdp", 5985: "http", 80: "http", 443: "ssl", 3306: "mysql", 5432: "postgresql"}[dport]
		if svc == "" {
			svc = "-"
		}
	}
	localOrig := "F"
	if isPrivateAddr(src) {
		localOrig = "T"
	}
	g.add(logZeekConn, t, strings.Join([]string{zeekTS(t), g.zeekUID(), src, fmt.Sprint(sport), dst, fmt.Sprint(dport), "tcp", svc,
		durS, obS, rbS, state, localOrig, "T", "0", hist, fmt.Sprint(op), fmt.Sprint(op*40 + ob), fmt.Sprint(rp), fmt.Sprint(rp*40 + rb), "-"}, "\t"))
}

func isPrivateAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.IsPrivate()
}

// dns writes a dns.log line for an A query answered with addrs.
func (g *gen) dns(t time.Time, client, resolver, query string, addrs []string, ttl int) {
	lf := g.log(logZeekDNS)
	lf.zeekPath, lf.zeekFields, lf.zeekTypes = "dns", dnsFields, dnsTypes
	ttls := make([]string, len(addrs))
	for i := range ttls {
		ttls[i] = fmt.Sprintf("%d.000000", ttl)
	}
	g.add(logZeekDNS, t, strings.Join([]string{zeekTS(t), g.zeekUID(), client, fmt.Sprint(g.between(32768, 60999)), resolver, "53", "udp",
		fmt.Sprint(g.between(1, 65535)), fmt.Sprintf("%.6f", 0.01+g.rng.Float64()/20), query, "1", "C_INTERNET", "1", "A", "0", "NOERROR",
		"F", "F", "T", "T", "0", strings.Join(addrs, ","), strings.Join(ttls, ","), "F"}, "\t"))
}

// CloudTrail records.

type ctIdentity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId,omitempty"`
	UserName       string `json:"userName,omitempty"`
	InvokedBy      string `json:"invokedBy,omitempty"`
	SessionContext any    `json:"sessionContext,omitempty"`
}

type ctRecord struct {
	EventVersion       string     `json:"eventVersion"`
	UserIdentity       ctIdentity `json:"userIdentity"`
	EventTime          string     `json:"eventTime"`
	EventSource        string     `json:"eventSource"`
	EventName          string     `json:"eventName"`
	AWSRegion          string     `json:"awsRegion"`
	SourceIPAddress    string     `json:"sourceIPAddress"`
	UserAgent          string     `json:"userAgent"`
	ErrorCode          string     `json:"errorCode,omitempty"`
	ErrorMessage       string     `json:"errorMessage,omitempty"`
	RequestParameters  any        `json:"requestParameters"`
	ResponseElements   any        `json:"responseElements"`
	AdditionalData     any        `json:"additionalEventData,omitempty"`
	RequestID          string     `json:"requestID,omitempty"`
	EventID            string     `json:"eventID"`
	ReadOnly           bool       `json:"readOnly"`
	EventType          string     `json:"eventType"`
	ManagementEvent    bool       `json:"managementEvent"`
	RecipientAccountID string     `json:"recipientAccountId"`
	EventCategory      string     `json:"eventCategory"`
}

func (g *gen) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func (g *gen) trail(t time.Time, r ctRecord) {
	r.EventVersion = "1.08"
	r.EventTime = t.UTC().Format("2006-01-02T15:04:05Z")
	r.EventID = g.uuid()
	if r.EventType == "" {
		r.EventType = "AwsApiCall"
		r.RequestID = g.uuid()
	}
	r.ManagementEvent = true
	r.EventCategory = "Management"
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
	g.add(logTrail, t, strings.TrimSuffix(b.String(), "\n"))
}
