package main

import (
	"bytes"
	"io"

	"github.com/casefile/casefile/evidence/rawtext"
)

// Text output never prints a name or field that came from evidence (file
// names, log fields, indicator values, dataset fields, entry payloads) as
// it is: it goes through rawtext.Display, so that a hostile value can
// neither start a line of its own, nor send terminal escape codes, nor hide
// bytes. JSON output carries the values as stored.

// singleLine checks a flag whose value is recorded and shown as one line
// (a title, a recipient): control characters, newlines and invalid UTF-8
// are a usage error naming the flag.
func singleLine(flag, value string) error {
	if !rawtext.Printable(value) {
		return usagef("--%s must be one line of text: %q holds a newline, another control character or bytes that are not UTF-8", flag, value)
	}
	return nil
}

// displayLines is a writer for reports formatted elsewhere (the
// assessment's text): it passes every line through rawtext.Display,
// keeping only the line breaks.
type displayLines struct {
	w       io.Writer
	pending []byte
	err     error
}

func (d *displayLines) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	d.pending = append(d.pending, p...)
	for {
		i := bytes.IndexByte(d.pending, '\n')
		if i < 0 {
			break
		}
		if _, d.err = io.WriteString(d.w, rawtext.Display(string(d.pending[:i]))+"\n"); d.err != nil {
			return 0, d.err
		}
		d.pending = d.pending[i+1:]
	}
	return len(p), nil
}

// Close writes what is left after the last line break.
func (d *displayLines) Close() error {
	if d.err == nil && len(d.pending) > 0 {
		_, d.err = io.WriteString(d.w, rawtext.Display(string(d.pending)))
		d.pending = nil
	}
	return d.err
}
