package parse_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/rawtext"
)

// latin1 is a user name as a Latin-1 system writes it: one byte per
// letter, not UTF-8.
const latin1 = "j\xe9r\xf4me"

// latin1Logs are testdata/latin1: one line (or record) of every text
// format with latin1 in it, by the format that must read it. The
// eventstore tests ingest the same files.
var latin1Logs = []struct{ format, file string }{
	{"openssh", "auth.log"},
	{"syslog", "messages"},
	{"apache-access", "access.log"},
	{"apache-error", "error.log"},
	{"jsonl", "app.jsonl"}, // also a literal "\\xe9" and the rune U+10FF80, raw and escaped
	{"suricata-eve", "eve.json"},
	{"cloudtrail", "cloudtrail.jsonl"},
	{"zeek", "ftp.log"},
	{"zeek", "ftp.json"},
}

// TestLatin1 parses a Latin-1 line of every text format: every event is
// valid UTF-8 as JSON, survives a JSON round trip unchanged (what the
// event store and its verifier rely on), and the user name decodes to the
// bytes of the log.
func TestLatin1(t *testing.T) {
	for _, l := range latin1Logs {
		t.Run(l.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "latin1", l.file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte(latin1)) {
				t.Fatalf("%s does not hold %q", l.file, latin1)
			}
			res, c := runBytes(t, data, "auto", parse.Options{Year: 2026, Artefact: "sha256:test", ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
			eq(t, "parser", res.Parser, l.format)
			if len(c.events) != 1 || len(c.mal) != 0 {
				t.Fatalf("events %d, malformed %v", len(c.events), c.mal)
			}
			ev := c.events[0]
			js := ev.AppendJSON(nil)
			if !utf8.Valid(js) {
				t.Fatalf("event JSON is not UTF-8: %s", js)
			}
			var back parse.Event
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatal(err)
			}
			if again := back.AppendJSON(nil); string(again) != string(js) {
				t.Fatalf("JSON round trip changed the event:\n%s\n%s", js, again)
			}
			found := false
			for _, s := range eventStrings(&back) {
				if strings.Contains(rawtext.Decode(s), latin1) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no text of the event decodes to %q: %s", latin1, js)
			}
			if l.format == "jsonl" {
				// A literal "\xe9" and the rune U+10FF80, written raw and escaped,
				// are kept apart from the bytes.
				eq(t, "note", rawtext.Decode(back.Fields["note"]), `\xe9 `+"\U0010ff80 \U0010ff80")
				eq(t, "user", back.User, `j\xe9r\xf4me`)
			}
		})
	}
}

func eventStrings(e *parse.Event) []string {
	out := []string{e.User, e.Action, e.Src}
	for k, v := range e.Fields {
		out = append(out, k, v)
	}
	return out
}
