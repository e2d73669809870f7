package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// NewSuricataEVE returns the parser for Suricata EVE JSON (one object per
// line). Kinds by event_type: alert → alert (action the alert action,
// Fields signature, signature_id, category, severity); http → http (action
// the method, outcome from the status); dns → dns (action query/answer,
// Fields rrname, rrtype, rcode); flow and netflow → flow; everything else
// (fileinfo, tls, ssh, stats, anomaly, …) → other with action the
// event_type. Src/Dst are src_ip/dest_ip normalised (Suricata writes IPv6
// fully expanded with leading zeros). Blank lines are skipped; lines that
// are not JSON objects are malformed.
func NewSuricataEVE() Parser { return suricataEVE{} }

type suricataEVE struct{}

func (suricataEVE) Name() string { return "suricata-eve" }
func (suricataEVE) Version() int { return 2 }

func (suricataEVE) Detect(head []byte, name string) int {
	lines := headLines(head, 20)
	ok := 0
	for _, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("{")) && has(l, `"event_type"`) && (has(l, `"src_ip"`) || has(l, `"stats"`) || has(l, `"flow_id"`)) {
			ok++
		}
	}
	if ok == 0 || ok*3 < len(lines) {
		return 0
	}
	return 90
}

type eveRecord struct {
	Timestamp string `json:"timestamp"`
	EventType string `json:"event_type"`
	FlowID    jnum   `json:"flow_id"`
	SrcIP     string `json:"src_ip"`
	SrcPort   jnum   `json:"src_port"`
	DestIP    string `json:"dest_ip"`
	DestPort  jnum   `json:"dest_port"`
	Proto     string `json:"proto"`
	AppProto  string `json:"app_proto"`
	InIface   string `json:"in_iface"`
	Alert     *struct {
		Action      string `json:"action"`
		GID         jnum   `json:"gid"`
		SignatureID jnum   `json:"signature_id"`
		Rev         jnum   `json:"rev"`
		Signature   string `json:"signature"`
		Category    string `json:"category"`
		Severity    jnum   `json:"severity"`
	} `json:"alert"`
	HTTP *struct {
		Hostname  string `json:"hostname"`
		URL       string `json:"url"`
		UserAgent string `json:"http_user_agent"`
		Method    string `json:"http_method"`
		Protocol  string `json:"protocol"`
		Status    jnum   `json:"status"`
		Length    jnum   `json:"length"`
		Referer   string `json:"http_refer"`
	} `json:"http"`
	DNS *struct {
		Type   string `json:"type"`
		RRName string `json:"rrname"`
		RRType string `json:"rrtype"`
		RCode  string `json:"rcode"`
		RData  string `json:"rdata"`
	} `json:"dns"`
	TLS *struct {
		SNI     string `json:"sni"`
		Subject string `json:"subject"`
		Issuer  string `json:"issuerdn"`
		Version string `json:"version"`
		JA3     *struct {
			Hash string `json:"hash"`
		} `json:"ja3"`
	} `json:"tls"`
	SSH *struct {
		Client struct {
			Software string `json:"software_version"`
		} `json:"client"`
		Server struct {
			Software string `json:"software_version"`
		} `json:"server"`
	} `json:"ssh"`
	Fileinfo *struct {
		Filename string `json:"filename"`
		State    string `json:"state"`
		Size     jnum   `json:"size"`
		SHA256   string `json:"sha256"`
		MD5      string `json:"md5"`
	} `json:"fileinfo"`
	Flow *struct {
		PktsToServer  jnum   `json:"pkts_toserver"`
		PktsToClient  jnum   `json:"pkts_toclient"`
		BytesToServer jnum   `json:"bytes_toserver"`
		BytesToClient jnum   `json:"bytes_toclient"`
		State         string `json:"state"`
		Reason        string `json:"reason"`
	} `json:"flow"`
}

func (p suricataEVE) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	c := newClock(opts)
	return lineLoop(r, e, true, func(line []byte, off, num int64, trunc bool) error {
		line = bytes.TrimSpace(line)
		var rec eveRecord
		if len(line) == 0 || line[0] != '{' {
			e.malformed(off, num, 0, "not a JSON object")
			return nil
		}
		line, e.marked = markJSON(line)
		err := json.Unmarshal(line, &rec)
		var typeErr *json.UnmarshalTypeError
		if err != nil && !errors.As(err, &typeErr) {
			e.malformed(off, num, 0, "bad JSON: "+capString(err.Error(), 200))
			return nil
		}
		ev := Event{Kind: KindOther, Outcome: OutcomeUnknown, Fields: make(map[string]string, 8)}
		if typeErr != nil {
			ev.Fields["decode_warning"] = capString("wrong type for "+typeErr.Field, 200)
		}
		set := func(k, v string) {
			if v != "" {
				ev.Fields[k] = capString(v, 1024)
			}
		}
		set("event_type", e.str([]byte(rec.EventType)))
		if t, zoned, ok := jsonTime(rec.Timestamp); ok {
			ev.Time = t
			if !zoned {
				ev.Time, ev.TimeNote = c.zoneless(t)
			}
		}
		ev.Src = e.ip([]byte(rec.SrcIP))
		ev.Dst = e.ip([]byte(rec.DestIP))
		ev.SrcPort = atoiPort([]byte(rec.SrcPort))
		ev.DstPort = atoiPort([]byte(rec.DestPort))
		set("proto", e.str([]byte(rec.Proto)))
		set("app_proto", rec.AppProto)
		set("flow_id", rec.FlowID.String())
		ev.Action = e.str([]byte(rec.EventType))
		if h := rec.HTTP; h != nil {
			set("hostname", h.Hostname)
			set("url", h.URL)
			set("user_agent", h.UserAgent)
			set("status", h.Status.String())
			set("method", h.Method)
		}
		switch rec.EventType {
		case "alert":
			ev.Kind = KindAlert
			if a := rec.Alert; a != nil {
				ev.Action = e.str([]byte(a.Action))
				set("signature", a.Signature)
				set("signature_id", a.SignatureID.String())
				set("gid", a.GID.String())
				set("rev", a.Rev.String())
				set("category", a.Category)
				set("severity", a.Severity.String())
			}
		case "http":
			ev.Kind = KindHTTP
			if h := rec.HTTP; h != nil {
				ev.Action = e.str([]byte(h.Method))
				set("protocol", h.Protocol)
				set("length", h.Length.String())
				set("referer", h.Referer)
				ev.Outcome = statusOutcome(h.Status.String())
			}
		case "dns":
			ev.Kind = KindDNS
			if d := rec.DNS; d != nil {
				ev.Action = e.str([]byte(d.Type))
				set("rrname", d.RRName)
				set("rrtype", d.RRType)
				set("rcode", d.RCode)
				set("rdata", d.RData)
			}
		case "flow", "netflow":
			ev.Kind = KindFlow
			ev.Action = strings.ToLower(rec.Proto)
			if f := rec.Flow; f != nil {
				set("pkts_toserver", f.PktsToServer.String())
				set("pkts_toclient", f.PktsToClient.String())
				set("bytes_toserver", f.BytesToServer.String())
				set("bytes_toclient", f.BytesToClient.String())
				set("state", f.State)
				set("reason", f.Reason)
			}
		}
		if t := rec.TLS; t != nil {
			set("sni", t.SNI)
			set("tls_subject", t.Subject)
			set("tls_issuer", t.Issuer)
			set("tls_version", t.Version)
			if t.JA3 != nil {
				set("ja3", t.JA3.Hash)
			}
		}
		if s := rec.SSH; s != nil {
			set("ssh_client", s.Client.Software)
			set("ssh_server", s.Server.Software)
		}
		if f := rec.Fileinfo; f != nil {
			set("filename", f.Filename)
			set("file_state", f.State)
			set("file_size", f.Size.String())
			set("sha256", f.SHA256)
			set("md5", f.MD5)
		}
		return e.event(&ev, off, num, 0, trunc)
	})
}

// jnum keeps the text of a JSON number (or of any other value, quotes
// removed), so that a field of an unexpected type never rejects the line.
type jnum string

func (n *jnum) UnmarshalJSON(b []byte) error {
	*n = jnum(capString(strings.Trim(string(b), `"`), 64))
	return nil
}

func (n jnum) String() string { return string(n) }

// statusOutcome maps an HTTP status to an outcome.
func statusOutcome(s string) string {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return OutcomeUnknown
	case n >= 200 && n < 400:
		return OutcomeSuccess
	case n >= 400 && n < 600:
		return OutcomeFailure
	}
	return OutcomeUnknown
}
