// Package lines reads bounded lines for the dataset readers.
package lines

import (
	"bufio"
	"bytes"
)

// Read returns the next line of br without its end of line (LF or CRLF).
// A line longer than max is returned cut to max+1 bytes, so that the caller
// can tell it was too long and refuse it; memory stays bounded whatever the
// input. The error is br's (io.EOF after the last line).
func Read(br *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(out) <= max {
			out = append(out, chunk[:min(len(chunk), max+1-len(out))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == nil {
			out = bytes.TrimSuffix(out, []byte("\n"))
		}
		return bytes.TrimSuffix(out, []byte("\r")), err
	}
}
