package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Content paging. Text pages end at a line boundary; a page never holds
// more than textPageBytes or textPageLines. Hex pages are hexPageBytes.
const (
	textPageBytes = 256 << 10
	textPageLines = 1000
	hexPageBytes  = 4096
	contextLines  = 12
	sniffBytes    = 8192
	maxLineShown  = 16 << 10
)

// textLine is one numbered line of a text page.
type textLine struct {
	N         int64
	Off       int64
	Text      string
	Truncated bool
	Mark      bool
}

// hexRow is one row of a hex dump.
type hexRow struct {
	Off   int64
	Hex   string
	ASCII string
	Mark  bool
}

// looksBinary says whether a sample should be shown as hex.
func looksBinary(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	if len(b) >= 2 && (b[0] == 0x1f && b[1] == 0x8b) {
		return true // gzip
	}
	bad := 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 && len(b) >= utf8.UTFMax {
			bad++
		} else if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != 0x1b && r != '\f' {
			bad++
		}
		b = b[n:]
	}
	return bad > 8
}

// printable makes a line safe to show: valid UTF-8, control characters as
// visible symbols (an ANSI escape in a log must not pass for text).
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			sb.WriteRune(r)
		case r < 0x20:
			sb.WriteRune(0x2400 + r) // ␀ … ␟
		case r == 0x7f:
			sb.WriteRune('␡')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// readTextPage reads lines from off (the start of line number line).
func readTextPage(ra io.ReaderAt, size, off, line, mark int64) (lines []textLine, end, endLine int64, err error) {
	n := min(int64(textPageBytes), size-off)
	if n <= 0 {
		return nil, off, line, nil
	}
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, 0, err
	}
	pos := 0
	for pos < len(buf) && len(lines) < textPageLines {
		i := bytes.IndexByte(buf[pos:], '\n')
		var ln []byte
		next := 0
		if i < 0 {
			if off+int64(len(buf)) < size && pos > 0 {
				break // the rest of this line goes on the next page
			}
			ln, next = buf[pos:], len(buf)
		} else {
			ln, next = buf[pos:pos+i], pos+i+1
		}
		ln = bytes.TrimSuffix(ln, []byte("\r"))
		tl := textLine{N: line, Off: off + int64(pos), Mark: line == mark}
		if len(ln) > maxLineShown {
			ln, tl.Truncated = ln[:maxLineShown], true
		}
		tl.Text = printable(ln)
		lines = append(lines, tl)
		pos = next
		if i >= 0 || off+int64(pos) >= size {
			line++
		} // else: a line longer than a page goes on, with the same number, on the next page
	}
	return lines, off + int64(pos), line, nil
}

// backLines finds the start of the line k lines before the line starting at
// off (numbered line). It reads at most textPageBytes back.
func backLines(ra io.ReaderAt, off, line int64, k int) (int64, int64, error) {
	if off == 0 || k <= 0 {
		return off, line, nil
	}
	start := max(0, off-textPageBytes)
	buf := make([]byte, off-start)
	if _, err := ra.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	// buf ends with the newline that ends the previous line.
	end := len(buf) - 1
	for k > 0 {
		i := bytes.LastIndexByte(buf[:end], '\n')
		if i < 0 {
			if start == 0 {
				return 0, line - 1, nil
			}
			return start + int64(end) + 1, line, nil // line too long to go further
		}
		end = i
		line--
		k--
	}
	return start + int64(end) + 1, line, nil
}

// findLine returns the offset where line number target starts, scanning
// from the beginning. It stops at the end of the artefact.
func findLine(r io.ReaderAt, size, target int64) (int64, int64, error) {
	if target <= 1 {
		return 0, 1, nil
	}
	buf := make([]byte, 1<<20)
	var off int64
	line := int64(1)
	for off < size {
		n, err := r.ReadAt(buf, off)
		if n == 0 && err != nil {
			return 0, 0, err
		}
		b := buf[:n]
		p := 0
		for {
			i := bytes.IndexByte(b[p:], '\n')
			if i < 0 {
				break
			}
			p += i + 1
			line++
			if line == target {
				return off + int64(p), line, nil
			}
		}
		off += int64(n)
	}
	return 0, 0, fmt.Errorf("line %d: %w", target, errNoSuchLine)
}

var errNoSuchLine = errors.New("beyond the end of the artefact")

// hexPage dumps hexPageBytes from off (aligned to 16).
func hexPage(ra io.ReaderAt, size, off, mark int64) ([]hexRow, error) {
	n := min(int64(hexPageBytes), size-off)
	if n <= 0 {
		return nil, nil
	}
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var rows []hexRow
	for i := 0; i < len(buf); i += 16 {
		row := buf[i:min(i+16, len(buf))]
		var hx, as strings.Builder
		for j := 0; j < 16; j++ {
			if j == 8 {
				hx.WriteByte(' ')
			}
			if j < len(row) {
				fmt.Fprintf(&hx, "%02x ", row[j])
				c := row[j]
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				as.WriteByte(c)
			} else {
				hx.WriteString("   ")
			}
		}
		o := off + int64(i)
		rows = append(rows, hexRow{Off: o, Hex: hx.String(), ASCII: as.String(), Mark: mark >= o && mark < o+16})
	}
	return rows, nil
}
