package parse_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// fuzzParser checks, for any input, that the parser does not panic, that
// every citation and malformed report points inside the input with a line
// or record number, and that Stats.Events counts what the sink received.
func fuzzParser(f *testing.F, name string, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	p, ok := parse.ByName(name)
	if !ok {
		f.Fatalf("no parser %s", name)
	}
	opts := parse.Options{Year: 2026, ModTime: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collect{}
		st, err := p.Parse(bytes.NewReader(data), opts, c)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if int(st.Events) != len(c.events) || int(st.Malformed) != len(c.mal) {
			t.Fatalf("stats %+v, received %d events, %d malformed", st, len(c.events), len(c.mal))
		}
		for _, ev := range c.events {
			cit := ev.Citation
			if cit.Offset < 0 || cit.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside [0, %d]", cit.Offset, len(data))
			}
			if cit.Line < 1 && cit.Record < 1 {
				t.Fatalf("citation without line or record: %+v", cit)
			}
			checkJSONRoundTrip(t, &ev)
		}
		for _, m := range c.mal {
			if m.Offset < 0 || m.Offset > int64(len(data)) {
				t.Fatalf("malformed offset %d outside [0, %d]", m.Offset, len(data))
			}
		}
	})
}

func FuzzOpenSSH(f *testing.F) {
	fuzzParser(f, "openssh", "openssh-rfc5424.log", "openssh-rollover.log")
}
func FuzzSyslog(f *testing.F)       { fuzzParser(f, "syslog", "syslog.log", "openssh-rollover.log") }
func FuzzApacheAccess(f *testing.F) { fuzzParser(f, "apache-access", "access.log") }
func FuzzApacheError(f *testing.F)  { fuzzParser(f, "apache-error", "error.log") }
func FuzzJSONL(f *testing.F)        { fuzzParser(f, "jsonl", "generic.jsonl") }
func FuzzSuricataEVE(f *testing.F)  { fuzzParser(f, "suricata-eve", "eve.json") }
func FuzzCloudTrail(f *testing.F) {
	fuzzParser(f, "cloudtrail", "cloudtrail.json", "cloudtrail-lines.jsonl")
}
func FuzzZeek(f *testing.F) { fuzzParser(f, "zeek", "zeek.log", "zeek.json") }
