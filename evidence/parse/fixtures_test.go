package parse_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.jsonl")

// fixtures lists each small fixture, the format it must be detected as,
// and the options to parse it with.
var fixtures = []struct {
	file, format string
	opts         parse.Options
}{
	{"openssh-rfc5424.log", "openssh", parse.Options{}},
	{"openssh-rollover.log", "openssh", parse.Options{ModTime: time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)}},
	{"syslog.log", "syslog", parse.Options{Year: 2005, Location: time.FixedZone("CEST", 7200)}},
	{"access.log", "apache-access", parse.Options{}},
	{"error.log", "apache-error", parse.Options{}},
	{"generic.jsonl", "jsonl", parse.Options{}},
	{"eve.json", "suricata-eve", parse.Options{}},
	{"cloudtrail.json", "cloudtrail", parse.Options{}},
	{"cloudtrail-lines.jsonl", "cloudtrail", parse.Options{}},
	{"zeek.log", "zeek", parse.Options{}},
	{"zeek.json", "zeek", parse.Options{}},
}

// TestFixtures parses every fixture (detected, not named) and compares
// the events and malformed reports with testdata/golden/<file>.jsonl.
func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			fx.opts.Artefact = "sha256:test"
			res, c := runFile(t, filepath.Join("testdata", fx.file), "auto", fx.opts)
			eq(t, "detected", res.Parser, fx.format)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			for _, ev := range c.events {
				enc.Encode(ev)
			}
			for _, m := range c.mal {
				enc.Encode(m)
			}
			enc.Encode(res.Stats)
			golden := filepath.Join("testdata", "golden", fx.file+".jsonl")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", golden, buf.String())
			}
			data, _ := os.ReadFile(filepath.Join("testdata", fx.file))
			for _, ev := range c.events {
				if ev.Citation.Offset < 0 || ev.Citation.Offset >= int64(len(data)) {
					t.Errorf("offset %d outside the file", ev.Citation.Offset)
				}
			}
		})
	}
}

func TestFixtureDetails(t *testing.T) {
	_, c := runFile(t, "testdata/openssh-rfc5424.log", "openssh", parse.Options{})
	eq(t, "events", len(c.events), 5)
	a := c.events[0]
	eq(t, "src", a.Src, "2001:db8::7")
	eq(t, "key type", a.Fields["key_type"], "ED25519")
	eq(t, "fingerprint", a.Fields["key_fingerprint"], "SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg")
	eq(t, "time", a.Time.Format(time.RFC3339Nano), "2026-11-20T09:32:20.003Z")
	eq(t, "no note for RFC 5424", a.TimeNote, "")

	_, c = runFile(t, "testdata/openssh-rollover.log", "openssh", parse.Options{ModTime: time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)})
	eq(t, "december year", c.events[0].Time.Year(), 2025)
	eq(t, "january year", c.events[2].Time.Year(), 2026)
	eq(t, "repeated", c.events[1].Fields["repeated"], "2")
	eq(t, "last line without newline", c.events[len(c.events)-1].Action, "no-identification")
	eq(t, "malformed", len(c.mal), 1)
	eq(t, "malformed line", c.mal[0].Line, 7)

	_, c = runFile(t, "testdata/syslog.log", "syslog", parse.Options{Year: 2005})
	for _, ev := range c.events {
		if strings.Contains(ev.Src, "45.101") || ev.Src == "68.143.156.89" || ev.Src == "129.206.196.21" {
			t.Errorf("embedded address became Src: %+v", ev)
		}
	}
	eq(t, "logrotate not emitted", count(c.events, func(ev parse.Event) bool { return ev.Fields["program"] == "logrotate" }), 0)
}

func TestOverlongLine(t *testing.T) {
	long := "Dec 10 06:55:46 LabSZ sshd[1]: Invalid user " + strings.Repeat("x", parse.MaxLine) + " from 192.0.2.1\n"
	data := []byte(long + "Dec 10 06:55:47 LabSZ sshd[1]: Invalid user y from 192.0.2.2\n")
	res, c := runBytes(t, data, "openssh", parse.Options{Year: 2026})
	eq(t, "truncated", res.Stats.Truncated, 1)
	eq(t, "lines", res.Stats.Lines, 2)
	// The cut line lost its "from", so only the second one is an event.
	eq(t, "events", len(c.events), 1)
	eq(t, "second offset", c.events[0].Citation.Offset, int64(len(long)))
	eq(t, "second line", c.events[0].Citation.Line, 2)

	data = []byte(`192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /` + strings.Repeat("a", 10) + `" 200 1 "-" "` + strings.Repeat("u", parse.MaxLine) + "\"\n")
	_, c = runBytes(t, data, "apache-access", parse.Options{})
	eq(t, "cut user agent is malformed", len(c.mal), 1)
	data = []byte(`{"src_ip":"192.0.2.1","x":"` + strings.Repeat("u", parse.MaxLine) + "\"}\n")
	_, c = runBytes(t, data, "jsonl", parse.Options{})
	eq(t, "cut JSON is malformed", len(c.mal), 1)

	// A line that survives the cut is flagged.
	data = []byte("Dec 10 06:55:46 LabSZ sshd[1]: Connection closed by 192.0.2.1 [preauth]" + strings.Repeat(" ", parse.MaxLine) + "\n")
	_, c = runBytes(t, data, "openssh", parse.Options{Year: 2026})
	eq(t, "flagged", c.events[0].Fields["truncated"], "true")
}

func TestGzipAndUnknown(t *testing.T) {
	plain, err := os.ReadFile("testdata/access.log")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain)
	zw.Close()
	res, cz := runBytes(t, z.Bytes(), "", parse.Options{})
	_, cp := runBytes(t, plain, "", parse.Options{})
	eq(t, "gzip", res.Gzip, true)
	eq(t, "parser", res.Parser, "apache-access")
	eq(t, "events", len(cz.events), len(cp.events))
	for i := range cz.events {
		eq(t, "member", cz.events[i].Citation.Member, "gzip")
		eq(t, "offset", cz.events[i].Citation.Offset, cp.events[i].Citation.Offset)
	}

	_, err = parse.Run(strings.NewReader("\x00\x01\x02 binary nothing"), "auto", parse.Options{}, &collect{})
	if !errors.Is(err, parse.ErrUnknownFormat) {
		t.Errorf("unknown content: err = %v, want ErrUnknownFormat", err)
	}
	_, err = parse.Run(strings.NewReader(""), "nope", parse.Options{}, &collect{})
	if !errors.Is(err, parse.ErrUnknownFormat) {
		t.Errorf("unknown format name: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := parse.Run(bytes.NewReader([]byte{0x1f, 0x8b, 1}), "auto", parse.Options{}, &collect{}); err == nil {
		t.Errorf("broken gzip: no error")
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range parse.Parsers() {
		if seen[p.Name()] {
			t.Errorf("duplicate parser %s", p.Name())
		}
		seen[p.Name()] = true
		q, ok := parse.ByName(p.Name())
		if !ok || q.Name() != p.Name() || p.Version() < 1 {
			t.Errorf("ByName(%s) = %v, %v", p.Name(), q, ok)
		}
	}
	for _, n := range []string{"openssh", "syslog", "apache-access", "apache-error", "jsonl", "suricata-eve", "cloudtrail", "zeek"} {
		if !seen[n] {
			t.Errorf("missing parser %s", n)
		}
	}
}
