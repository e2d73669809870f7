package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph"
)

// TestAssessBar: a large assessment shows the events read, then the
// sources judged (unless they are written to the terminal); a small one
// shows nothing.
func TestAssessBar(t *testing.T) {
	var buf bytes.Buffer
	large := []graph.Progress{{Pass: 1, Events: 3 << 20}, {Pass: 1, Events: 3 << 20, Read: 1 << 20},
		{Pass: 1, Events: 3 << 20, Read: 3 << 20}, {Pass: 1, Events: 3 << 20, Read: 3 << 20, Sources: 1000, Judged: 500}}
	for _, judge := range []bool{true, false} {
		buf.Reset()
		b := &assessBar{w: &buf, judge: judge}
		for _, p := range large {
			b.reporter()(p)
		}
		b.done()
		if out := buf.String(); !strings.Contains(out, "reading events") || strings.Contains(out, "judging sources") != judge {
			t.Errorf("sources shown %v: the bar showed %q", judge, out)
		}
	}
	buf.Reset()
	small := &assessBar{w: &buf}
	small.reporter()(graph.Progress{Pass: 1, Events: 4000, Read: 4000})
	small.reporter()(graph.Progress{Pass: 1, Events: 4000, Read: 4000, Sources: 10})
	small.done()
	if buf.Len() != 0 {
		t.Errorf("a small assessment showed %q", buf.String())
	}
	var none *assessBar
	if none.reporter() != nil {
		t.Error("no bar gives a reporter")
	}
	none.done()
}
