package notify

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph/attrib"
)

// XARFVersion is the X-ARF version the reports follow (the v4 schemas,
// https://xarf.org/schemas/v4/).
const XARFVersion = "4.2.0"

// Party is the reporter and sender of an X-ARF report: the organisation
// that suffered the abuse.
type Party struct {
	Org     string `json:"org"`
	Contact string `json:"contact"` // e-mail
	Domain  string `json:"domain"`
}

// xarfClass is the X-ARF category and type for what a source did: the
// behaviour the assessment saw decides (password guessing is a login
// attack, scanning a port scan, C2 traffic a botnet), else the verdict (a
// compromised host), else threat intelligence naming the verdict.
func xarfClass(f *export.Finding, role string, first *Excerpt) (category, typ string) {
	has := func(ids ...string) bool {
		for _, fa := range f.Factors {
			if fa.Did != "" && slices.Contains(ids, fa.ID) {
				return true
			}
		}
		return false
	}
	// The connection types need the source port when the source is an
	// address (CGNAT): without one from the logs, they do not fit.
	_, err := netip.ParseAddr(f.Indicator)
	port := err != nil || first != nil
	switch {
	case has("password-guessing", "success-after-failures") && port:
		return "connection", "login_attack"
	case has("scanning", "reconnaissance-only") && port:
		return "connection", "port_scan"
	case has("c2-traffic", "beaconing"):
		return "infrastructure", "botnet"
	case role == attrib.Compromised:
		return "infrastructure", "compromised_server"
	}
	return "reputation", "threat_intelligence"
}

// reportID is a UUID (version 4 layout) derived from the case and the
// source, so that preparing the same report again gives the same id.
func reportID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// xarfReport builds the X-ARF v4 report of one source as a JSON object.
// Evidence items are the cited lines, each base64 with its SHA-256.
func xarfReport(t *target, from Party, caseSeed, fingerprint string) map[string]any {
	f := t.finding
	var first *Excerpt
	for i := range t.excerpts {
		if t.excerpts[i].Event.SrcPort > 0 {
			first = &t.excerpts[i]
			break
		}
	}
	cat, typ := xarfClass(f, t.role, first)
	r := map[string]any{
		"xarf_version":      XARFVersion,
		"report_id":         reportID(caseSeed + "\x00" + f.Indicator),
		"timestamp":         seenTime(f.FirstSeen, t.excerpts),
		"reporter":          from,
		"sender":            from,
		"source_identifier": f.Indicator,
		"category":          cat,
		"type":              typ,
		"evidence_source":   "firewall_logs",
		"description":       clip(describe(t), 1000),
		"tags":              []string{"casefile:" + tagWord(t.role)},
	}
	if !t.byExaminer {
		r["confidence"] = round2(t.probability) // the model's; an examiner's verdict states none
	}
	if first != nil {
		r["source_port"] = first.Event.SrcPort
	}
	switch typ {
	case "login_attack", "port_scan":
		r["protocol"] = "tcp"
		r["first_seen"] = seenTime(f.FirstSeen, t.excerpts)
		if f.LastSeen != nil {
			r["last_seen"] = f.LastSeen.UTC().Format(time.RFC3339)
		}
		if first != nil && first.Event.DstPort > 0 {
			r["destination_port"] = first.Event.DstPort
		}
		if first != nil {
			if a, err := netip.ParseAddr(first.Event.Dst); err == nil && a.IsGlobalUnicast() && !a.IsPrivate() {
				r["destination_ip"] = a.String()
			}
		}
	case "botnet":
		r["compromise_evidence"] = "command-and-control traffic seen in our logs; see evidence"
	case "compromised_server":
		r["compromise_method"] = "unknown: the host was used against our systems (see evidence); its owner is not suspected"
	case "threat_intelligence":
		r["threat_type"] = t.role
	}
	var ev []map[string]any
	for _, x := range t.excerpts {
		if x.Text == "" {
			continue
		}
		sum := sha256.Sum256([]byte(x.Text))
		ev = append(ev, map[string]any{
			"content_type": "text/plain",
			"description":  clip(fmt.Sprintf("%s line %d (%s), %s, account names replaced by %s; case key %s", x.Name, x.Line, x.Artefact, x.Time.Format(time.RFC3339), Account, fingerprint), 500),
			"payload":      base64.StdEncoding.EncodeToString([]byte(x.Text)),
			"hash":         "sha256:" + hex.EncodeToString(sum[:]),
			"size":         len(x.Text),
		})
	}
	if len(ev) > 0 {
		r["evidence"] = ev
	}
	return r
}

// seenTime is when the abuse began: the source's first event, else its
// first quoted line.
func seenTime(first *time.Time, xs []Excerpt) string {
	if first != nil && !first.IsZero() {
		return first.UTC().Format(time.RFC3339)
	}
	for _, x := range xs {
		if !x.Time.IsZero() {
			return x.Time.Format(time.RFC3339)
		}
	}
	return time.Unix(0, 0).UTC().Format(time.RFC3339)
}

func round2(p float64) float64 { return float64(int(p*100+0.5)) / 100 }

// tagWord makes a role fit the X-ARF tag pattern (lower case, [a-z0-9_+-]).
func tagWord(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '+' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xc0 != 0x80 }
