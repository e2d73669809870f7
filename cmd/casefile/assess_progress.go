package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/casefile/casefile/graph"
)

// assessBar shows on stderr how far an assessment got: a bar of the events
// read, then one of the sources judged. 10^8 events take about ten minutes,
// which assess spent silent before.
//
// The sources bar is shown only when the output goes elsewhere than the
// terminal (a file, a pipe): the sources are written as they are judged.
type assessBar struct {
	w     io.Writer
	judge bool // show the sources judged too
	off   bool // the case is small: no bar
	phase string
	bar   *progressbar.ProgressBar
}

// assessBarEvents is the fewest events worth a bar (about a second).
const assessBarEvents = 1 << 20

// assessProgress returns a bar for an assessment, nil when stderr is not a
// terminal.
func (a *app) assessProgress() *assessBar {
	f, ok := a.err.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	out, ok := a.out.(*os.File)
	return &assessBar{w: f, judge: ok && !term.IsTerminal(int(out.Fd()))}
}

// reporter is the function to give graph's assessments (nil: none).
func (b *assessBar) reporter() func(graph.Progress) {
	if b == nil {
		return nil
	}
	return b.report
}

func (b *assessBar) report(p graph.Progress) {
	if b.off || p.Pass == 0 {
		return
	}
	if p.Events < assessBarEvents {
		b.off = true
		return
	}
	phase, n, total := "reading events", p.Read, p.Events
	switch {
	case p.Sources > 0 && !b.judge:
		b.done()
		return
	case p.Sources > 0:
		phase, n, total = "judging sources", p.Judged, p.Sources
	case p.Pass > 1: // the census found too many sources to judge at once
		phase = "reading events again, to judge the sources in parts"
	}
	if phase != b.phase {
		b.done()
		b.phase = phase
		b.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(phase),
			progressbar.OptionShowCount(), progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	b.bar.Set64(n)
}

// done clears the bar shown, if any.
func (b *assessBar) done() {
	if b != nil && b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}
