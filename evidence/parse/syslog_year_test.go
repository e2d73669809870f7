package parse_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

func sshLines(stamps ...string) []byte {
	var b strings.Builder
	for i, s := range stamps {
		b.WriteString(s + " web01 sshd[100" + string(rune('0'+i%10)) + "]: Failed password for root from 185.220.101.4 port 55335 ssh2\n")
	}
	return []byte(b.String())
}

func years(evs []parse.Event) []int {
	var ys []int
	for _, e := range evs {
		ys = append(ys, e.Time.Year())
	}
	return ys
}

func monotonic(t *testing.T, evs []parse.Event) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("time goes back at event %d: %s after %s", i, evs[i].Time, evs[i-1].Time)
		}
	}
}

// Years are walked back from the mtime: the last line takes the latest
// year that does not put it after the mtime, and only a month going
// backwards (December → January) changes the year.
func TestSyslogYearWalksBackFromMtime(t *testing.T) {
	for name, c := range map[string]struct {
		stamps []string
		mod    time.Time
		want   []int
	}{
		// The case: a file from June to late July, its mtime on
		// 1 July. Before, the June lines kept 2024 and the July line after
		// the mtime went back to 2023.
		"last line after the mtime day": {[]string{"Jun 14 15:16:01", "Jun 30 10:00:00", "Jul 27 14:41:29"},
			time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), []int{2023, 2023, 2023}},
		"december into january": {[]string{"Jun 10 10:00:00", "Dec 20 10:00:00", "Dec 31 23:59:59", "Jan  3 00:00:01", "Jan 10 08:00:00"},
			time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), []int{2023, 2023, 2023, 2024, 2024}},
		"two new years": {[]string{"Nov  1 10:00:00", "Feb  1 10:00:00", "Dec  1 10:00:00", "Jan  2 10:00:00"},
			time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), []int{2022, 2023, 2023, 2024}},
		"all before the mtime": {[]string{"Mar  1 10:00:00", "Apr  1 10:00:00"},
			time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), []int{2024, 2024}},
	} {
		t.Run(name, func(t *testing.T) {
			res, c2 := runBytes(t, sshLines(c.stamps...), "openssh", parse.Options{ModTime: c.mod})
			if got := years(c2.events); !equalInts(got, c.want) {
				t.Errorf("years %v, want %v", got, c.want)
			}
			monotonic(t, c2.events)
			if res.AfterModTime != 0 {
				t.Errorf("%d events flagged after the mtime", res.AfterModTime)
			}
			for _, e := range c2.events {
				if !strings.Contains(e.TimeNote, "inferred from artefact mtime") {
					t.Errorf("note %q", e.TimeNote)
				}
			}
		})
	}
}

// The same through gzip, and through the syslog parser.
func TestSyslogYearGzipAndSyslog(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(sshLines("Dec 31 23:59:59", "Jan  1 00:00:01"))
	zw.Close()
	mod := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	_, c := runBytes(t, gz.Bytes(), "openssh", parse.Options{ModTime: mod})
	if got := years(c.events); !equalInts(got, []int{2023, 2024}) {
		t.Errorf("gzip: years %v", got)
	}
	_, c = runBytes(t, sshLines("Dec 31 23:59:59", "Jan  1 00:00:01"), "syslog", parse.Options{ModTime: mod})
	if got := years(c.events); !equalInts(got, []int{2023, 2024}) {
		t.Errorf("syslog: years %v", got)
	}
}

// A stream that cannot be read twice starts from the first line's year and
// still never goes back; a line that lands after the mtime is flagged and
// counted.
func TestSyslogYearStreamAndFlags(t *testing.T) {
	data := sshLines("Jun 14 15:16:01", "Jul 27 14:41:29")
	mod := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	c := &collectSink{}
	res, err := parse.Run(io.MultiReader(bytes.NewReader(data)), "openssh", parse.Options{ModTime: mod}, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := years(c.events); !equalInts(got, []int{2024, 2024}) {
		t.Errorf("years %v", got)
	}
	monotonic(t, c.events)
	if res.AfterModTime != 1 || strings.Contains(c.events[0].TimeNote, "after the file's modification time") ||
		!strings.Contains(c.events[1].TimeNote, "dated after the file's modification time 2024-07-01T12:00:00Z") {
		t.Errorf("after mtime: %d; notes %q / %q", res.AfterModTime, c.events[0].TimeNote, c.events[1].TimeNote)
	}

	// With --year, an event after the artefact's receipt is in the future.
	recv := time.Date(2024, 6, 20, 0, 0, 0, 0, time.UTC)
	res, c2 := runBytes(t, data, "openssh", parse.Options{Year: 2024, Received: recv})
	if res.AfterReceived != 1 || !strings.Contains(c2.events[1].TimeNote, "dated after the artefact was received (2024-06-20T00:00:00Z)") ||
		strings.Contains(c2.events[0].TimeNote, "received") {
		t.Errorf("after receipt: %d; notes %q / %q", res.AfterReceived, c2.events[0].TimeNote, c2.events[1].TimeNote)
	}
	// Within the slack for an assumed time zone: not flagged.
	res, _ = runBytes(t, data, "openssh", parse.Options{Year: 2024, Received: time.Date(2024, 7, 27, 2, 0, 0, 0, time.UTC)})
	if res.AfterReceived != 0 {
		t.Errorf("flagged within the slack: %d", res.AfterReceived)
	}
}

type collectSink struct{ events []parse.Event }

func (c *collectSink) Event(ev parse.Event) error { c.events = append(c.events, ev); return nil }
func (c *collectSink) Malformed(parse.Malformed)  {}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
