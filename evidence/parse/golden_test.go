package parse_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
)

func TestGoldenOpenSSH(t *testing.T) {
	path := sampledata.Path(t, "loghub", "OpenSSH", "OpenSSH_2k.log")
	res, c := runFile(t, path, "auto", parse.Options{Year: 2026})
	eq(t, "parser", res.Parser, "openssh")
	eq(t, "lines", res.Stats.Lines, 2000)
	eq(t, "malformed", len(c.mal), 0)
	isIPv4 := func(ev parse.Event) bool { return strings.Count(ev.Src, ".") == 3 }
	eq(t, "distinct IPv4 sources", distinct(c.events, isIPv4, src), 30)
	failed := func(ev parse.Event) bool { return ev.Action == "password" && ev.Outcome == parse.OutcomeFailure }
	eq(t, "failed password", count(c.events, failed), 520)
	eq(t, "failed password, invalid user", count(c.events, func(ev parse.Event) bool { return failed(ev) && ev.Fields["invalid_user"] == "true" }), 135)
	eq(t, "failed password for root", count(c.events, func(ev parse.Event) bool { return failed(ev) && ev.User == "root" && ev.Fields["invalid_user"] == "" }), 370)
	eq(t, "distinct sources of failed password", distinct(c.events, failed, src), 23)
	eq(t, "invalid-user lines", count(c.events, func(ev parse.Event) bool { return ev.Action == "invalid-user" }), 113)
	// INDEX.md says 56 names: awk merges "Invalid user  0101" (the name " 0101"
	// with a leading space) with "0101". The parser keeps names verbatim.
	eq(t, "distinct invalid user names", distinct(c.events, func(ev parse.Event) bool { return ev.Action == "invalid-user" }, func(ev parse.Event) string { return ev.User }), 57)
	eq(t, "break-in attempts", count(c.events, func(ev parse.Event) bool { return ev.Action == "break-in-attempt" }), 85)
	eq(t, "events from 183.62.140.253 (failed password)", count(c.events, func(ev parse.Event) bool { return failed(ev) && ev.Src == "183.62.140.253" }), 286)
	var acc []parse.Event
	for _, ev := range c.events {
		if ev.Outcome == parse.OutcomeSuccess && ev.Action == "password" {
			acc = append(acc, ev)
		}
	}
	if len(acc) != 1 {
		t.Fatalf("accepted password events = %d, want 1", len(acc))
	}
	a := acc[0]
	eq(t, "accepted user", a.User, "fztu")
	eq(t, "accepted src", a.Src, "119.137.62.142")
	eq(t, "accepted port", a.SrcPort, 49116)
	eq(t, "accepted time", a.Time.Format(time.RFC3339), "2026-12-10T09:32:20Z")
	eq(t, "accepted pid", a.Fields["pid"], "24680")
	eq(t, "accepted host", a.Fields["host"], "LabSZ")
	eq(t, "time note", a.TimeNote, "year 2026 from --year; time zone UTC assumed")
	data, _ := os.ReadFile(path)
	line := string(data[a.Citation.Offset:])
	line, _, _ = strings.Cut(line, "\n")
	line = strings.TrimSuffix(line, "\r") // the sample has a few CRLF lines
	eq(t, "cited line", line, "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port 49116 ssh2")
	eq(t, "cited line number", a.Citation.Line, 956)
}

func TestGoldenOpenSSHYearUnknown(t *testing.T) {
	path := sampledata.Path(t, "loghub", "OpenSSH", "OpenSSH_2k.log")
	res, c := runFile(t, path, "openssh", parse.Options{})
	eq(t, "events", len(c.events), 0)
	eq(t, "malformed", res.Stats.Malformed, 2000)
	eq(t, "reason", c.mal[0].Reason, "year unknown: pass --year")
	eq(t, "line", c.mal[1999].Line, 2000)

	// With the artefact's mtime in January 2006 the December lines are 2005.
	_, c = runFile(t, path, "openssh", parse.Options{ModTime: time.Date(2006, 1, 3, 0, 0, 0, 0, time.UTC)})
	eq(t, "year from mtime", c.events[0].Time.Year(), 2005)
	eq(t, "note", c.events[0].TimeNote, "year 2005 inferred from artefact mtime; time zone UTC assumed")
}

func TestGoldenLinuxSyslog(t *testing.T) {
	path := sampledata.Path(t, "loghub", "Linux", "Linux_2k.log")
	res, c := runFile(t, path, "auto", parse.Options{ModTime: time.Date(2005, 8, 1, 0, 0, 0, 0, time.UTC)})
	eq(t, "parser", res.Parser, "syslog")
	eq(t, "lines", res.Stats.Lines, 2000)
	eq(t, "malformed", len(c.mal), 0)
	authFail := func(ev parse.Event) bool {
		return ev.Action == "authentication-failure" && ev.Fields["program"] != "klogind"
	}
	eq(t, "authentication failure events", count(c.events, authFail), 490)
	// INDEX.md says 28 IPv4 rhost values: 27 are addresses and the 28th is
	// the prefix of the host name 68.143.156.89.nw.nuvox.net, which is not.
	eq(t, "distinct IPv4 rhost sources", distinct(c.events, authFail, src), 27)
	eq(t, "distinct rhost values", distinct(c.events, authFail, func(ev parse.Event) string { return ev.Src + ev.Fields["rhost"] }), 47)
	eq(t, "top rhost", count(c.events, func(ev parse.Event) bool { return authFail(ev) && ev.Src == "150.183.249.110" }), 80)
	eq(t, "ftpd connections", count(c.events, func(ev parse.Event) bool { return ev.Action == "connection" && ev.Fields["program"] == "ftpd" }), 909)
	eq(t, "distinct standalone IPv4 sources", distinct(c.events, nil, src), 67)
	for _, ev := range c.events {
		switch ev.Src {
		case "59.45.101.203", "129.206.196.21", "68.143.156.89":
			t.Errorf("line %d: address embedded in a host name became Src %s", ev.Citation.Line, ev.Src)
		}
	}
	eq(t, "year", c.events[0].Time.Format(time.RFC3339), "2005-06-14T15:16:01Z")
}

func TestGoldenApacheAccess(t *testing.T) {
	path := sampledata.Path(t, "elastic-examples-apache-access", "apache_logs")
	res, c := runFile(t, path, "auto", parse.Options{})
	eq(t, "parser", res.Parser, "apache-access")
	eq(t, "events", len(c.events), 9999)
	if len(c.mal) != 1 || c.mal[0].Line != 8899 {
		t.Fatalf("malformed = %+v, want line 8899 only", c.mal)
	}
	eq(t, "distinct clients", distinct(c.events, nil, src), 1753)
	status := countBy(c.events, func(ev parse.Event) string { return ev.Fields["status"] })
	// INDEX.md counts 200=9126 over all lines; line 8899 (status 200) is malformed.
	want := map[string]int{"200": 9125, "304": 445, "404": 213, "301": 164, "206": 45, "500": 3, "416": 2, "403": 2}
	eq(t, "status codes", fmt.Sprint(status), fmt.Sprint(want))
	methods := countBy(c.events, func(ev parse.Event) string { return ev.Action })
	eq(t, "methods", fmt.Sprint(methods), fmt.Sprint(map[string]int{"GET": 9951, "HEAD": 42, "POST": 5, "OPTIONS": 1}))
	eq(t, "top client", count(c.events, func(ev parse.Event) bool { return ev.Src == "66.249.73.135" }), 482)
	ev := c.events[0]
	eq(t, "first time", ev.Time.Format(time.RFC3339), "2015-05-17T10:05:03Z")
	eq(t, "first outcome", ev.Outcome, parse.OutcomeSuccess)
	eq(t, "first path", ev.Fields["path"], "/presentations/logstash-monitorama-2013/images/kibana-search.png")
	eq(t, "first bytes", ev.Fields["bytes"], "203023")
}

func TestGoldenApacheError(t *testing.T) {
	path := sampledata.Path(t, "loghub", "Apache", "Apache_2k.log")
	res, c := runFile(t, path, "auto", parse.Options{})
	eq(t, "parser", res.Parser, "apache-error")
	eq(t, "lines", res.Stats.Lines, 2000)
	eq(t, "malformed", len(c.mal), 0)
	eq(t, "client events", len(c.events), 32)
	eq(t, "distinct clients", distinct(c.events, nil, src), 32)
	eq(t, "directory index forbidden", count(c.events, func(ev parse.Event) bool {
		return strings.HasPrefix(ev.Fields["message"], "Directory index forbidden")
	}), 32)
	eq(t, "note", c.events[0].TimeNote, "time zone UTC assumed")
}

func TestGoldenSuricata(t *testing.T) {
	path := sampledata.Path(t, "suricata-eve-surevego", "eve.json")
	res, c := runFile(t, path, "auto", parse.Options{})
	eq(t, "parser", res.Parser, "suricata-eve")
	eq(t, "events", len(c.events), 266)
	types := countBy(c.events, func(ev parse.Event) string { return ev.Fields["event_type"] })
	eq(t, "types", fmt.Sprint(types), fmt.Sprint(map[string]int{"alert": 68, "http": 68, "fileinfo": 68, "dns": 48, "flow": 13, "stats": 1}))
	kinds := countBy(c.events, func(ev parse.Event) string { return ev.Kind })
	eq(t, "kinds", fmt.Sprint(kinds), fmt.Sprint(map[string]int{"alert": 68, "http": 68, "other": 69, "dns": 48, "flow": 13}))
	eq(t, "sid 2013504", count(c.events, func(ev parse.Event) bool { return ev.Fields["signature_id"] == "2013504" }), 68)
	ips := map[string]bool{}
	for _, ev := range c.events {
		for _, a := range []string{ev.Src, ev.Dst} {
			if a != "" {
				ips[a] = true
			}
		}
	}
	eq(t, "distinct IPs", len(ips), 11)
	if !ips["fe80::42:95ff:fea2:534a"] {
		t.Errorf("expanded IPv6 not normalised: %v", ips)
	}

	path = sampledata.Path(t, "suricata-eve-surevego", "eve_broken.json")
	res, c = runFile(t, path, "auto", parse.Options{})
	eq(t, "broken parser", res.Parser, "suricata-eve")
	eq(t, "broken events", len(c.events), 263)
	eq(t, "broken lines", res.Stats.Lines, 273)
	var lines []int64
	for _, m := range c.mal {
		lines = append(lines, m.Line)
	}
	eq(t, "broken malformed lines", fmt.Sprint(lines), "[1 4 5 104 160 270]")
}

func TestGoldenCloudTrail(t *testing.T) {
	dir := "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json"
	_, plain := runFile(t, sampledata.Path(t, "cloudtrail", "trailscraper", dir), "auto", parse.Options{})
	res, gz := runFile(t, sampledata.Path(t, "cloudtrail", "trailscraper", dir+".gz"), "auto", parse.Options{})
	eq(t, "parser", res.Parser, "cloudtrail")
	eq(t, "gzip", res.Gzip, true)
	eq(t, "records", len(plain.events), 2)
	eq(t, "gz records", len(gz.events), 2)
	for i := range plain.events {
		p, g := plain.events[i], gz.events[i]
		eq(t, "member", g.Citation.Member, "gzip")
		g.Citation.Member = ""
		eq(t, "gz event", fmt.Sprint(g), fmt.Sprint(p))
		eq(t, "src service", p.SrcService, "config.amazonaws.com")
		eq(t, "src", p.Src, "")
		eq(t, "record", p.Citation.Record, int64(i+1))
	}
	eq(t, "actions", plain.events[0].Action+","+plain.events[1].Action, "DescribeLaunchConfigurations,AssumeRole")
	data, _ := os.ReadFile(sampledata.Path(t, "cloudtrail", "trailscraper", dir))
	eq(t, "record offset points at a brace", data[plain.events[1].Citation.Offset], '{')

	_, c := runFile(t, sampledata.Path(t, "cloudtrail", "awsdocs-iam-user-guide", "awsdocs-examples.Records.json"), "auto", parse.Options{})
	eq(t, "awsdocs records", len(c.events), 7)
	var fails []string
	for _, ev := range c.events {
		if ev.Action == "ConsoleLogin" && ev.Outcome == parse.OutcomeFailure {
			fails = append(fails, ev.Src)
		}
	}
	eq(t, "console login failures", strings.Join(fails, ","), "192.0.2.100,192.0.2.101")
	eq(t, "actions", fmt.Sprint(countBy(c.events, func(ev parse.Event) string { return ev.Action })),
		fmt.Sprint(map[string]int{"ConsoleLogin": 2, "AssumeRole": 3, "GetUserPolicy": 1, "DeleteBucket": 1}))
}

func TestGoldenZeek(t *testing.T) {
	res, c := runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", "conn-sample-from-brimdata-zed.log"), "auto", parse.Options{})
	eq(t, "parser", res.Parser, "zeek")
	eq(t, "conn records", len(c.events), 92)
	eq(t, "conn malformed", len(c.mal), 0)
	eq(t, "conn kind", count(c.events, func(ev parse.Event) bool { return ev.Kind == parse.KindFlow }), 92)
	eq(t, "orig_h", distinct(c.events, nil, src), 4)
	eq(t, "resp_h", distinct(c.events, nil, func(ev parse.Event) string { return ev.Dst }), 37)
	eq(t, "conn_state", fmt.Sprint(countBy(c.events, func(ev parse.Event) string { return ev.Fields["conn_state"] })),
		fmt.Sprint(map[string]int{"S0": 56, "RSTO": 18, "RSTR": 6, "RSTOS0": 6, "REJ": 5, "RSTRH": 1}))
	eq(t, "first ts", c.events[0].Time.Format(time.RFC3339Nano), "2018-03-24T17:15:21.255387Z")

	for _, f := range [][]string{{"zeek-default", "ssh.log"}, {"zeek-json", "ssh.json"}, {"zeek-default", "ssh.log.gz"}} {
		res, c := runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", f[0], f[1]), "auto", parse.Options{})
		eq(t, f[1]+" parser", res.Parser, "zeek")
		eq(t, f[1]+" records", len(c.events), 22)
		eq(t, f[1]+" outcomes", fmt.Sprint(countBy(c.events, func(ev parse.Event) string { return ev.Outcome })),
			fmt.Sprint(map[string]int{"success": 5, "failure": 2, "unknown": 15}))
		eq(t, f[1]+" first time", c.events[0].Time.Format(time.RFC3339Nano), "2018-03-24T17:16:39.739898Z")
	}

	res, c = runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", "zeek-default", "rdp.log.gz"), "auto", parse.Options{})
	eq(t, "rdp parser", res.Parser, "zeek")
	eq(t, "rdp records", len(c.events), 4122)
	eq(t, "rdp originators", distinct(c.events, nil, src), 4)
	cookies := countBy(c.events, func(ev parse.Event) string { return ev.User })
	if cookies["nmap"] == 0 {
		t.Errorf("no rdp cookie nmap: %v", keys(cookies))
	}
	// Zeek's "Success" is the protocol negotiation, not a login.
	eq(t, "rdp successes", count(c.events, func(ev parse.Event) bool { return ev.Outcome == parse.OutcomeSuccess }), 0)
	eq(t, "rdp results kept", count(c.events, func(ev parse.Event) bool { return ev.Fields["result"] == "Success" }) > 0, true)
	_, cj := runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", "zeek-json", "rdp.json.gz"), "auto", parse.Options{})
	eq(t, "rdp json records", len(cj.events), 4122)
	for _, f := range [][]string{{"zeek-default", "notice.log"}, {"zeek-json", "notice.json"}} {
		_, c := runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", f[0], f[1]), "auto", parse.Options{})
		eq(t, f[1], count(c.events, func(ev parse.Event) bool {
			return ev.Kind == parse.KindAlert && ev.Action == "SSL::Invalid_Server_Cert"
		}), 207)
	}
	for _, f := range [][]string{{"zeek-default", "ntlm.log"}, {"zeek-json", "ntlm.json"}} {
		_, c := runFile(t, sampledata.Path(t, "zeek-wrccdc2018-brimdata", f[0], f[1]), "auto", parse.Options{})
		eq(t, f[1], len(c.events), 422)
	}
}
