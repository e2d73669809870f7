package ui

import (
	"bytes"
	"strings"
	"testing"
)

func TestTextPaging(t *testing.T) {
	var b bytes.Buffer
	for i := 1; i <= 2500; i++ {
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("\n")
	}
	data := b.Bytes()
	r := bytes.NewReader(data)
	size := int64(len(data))
	// Walk every page forward: line numbers and offsets must be continuous
	// and cover the whole artefact.
	off, line, pages := int64(0), int64(1), 0
	for off < size {
		lines, end, next, err := readTextPage(r, size, off, line, -1)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) == 0 || lines[0].N != line || lines[0].Off != off {
			t.Fatalf("page at %d: first line %+v, want line %d", off, lines[0], line)
		}
		off, line = end, next
		pages++
	}
	if line != 2501 || pages != 3 {
		t.Errorf("walked to line %d in %d pages, want 2501 in 3", line, pages)
	}
	// findLine and backLines agree with the forward walk.
	o, l, err := findLine(r, size, 1500)
	if err != nil || l != 1500 {
		t.Fatal(o, l, err)
	}
	lines, _, _, _ := readTextPage(r, size, o, l, 1500)
	if !lines[0].Mark || lines[0].Text != strings.Repeat("x", 1500%7) {
		t.Errorf("line 1500: %+v", lines[0])
	}
	bo, bl, err := backLines(r, o, l, 12)
	if err != nil || bl != 1488 {
		t.Fatalf("back 12 lines: %d %d %v", bo, bl, err)
	}
	if lines, _, _, _ := readTextPage(r, size, bo, bl, -1); lines[12].Off != o {
		t.Errorf("backLines start %d does not lead to line 1500 at %d", bo, o)
	}
	if _, _, err := findLine(r, size, 2502); err == nil {
		t.Error("line beyond the end found")
	}
}

func FuzzContentPaging(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), int64(2), int64(2))
	f.Add([]byte("\x00\x01\xff\n\n\n"), int64(0), int64(5))
	f.Add(bytes.Repeat([]byte("long line without end "), 100), int64(50), int64(1))
	f.Fuzz(func(t *testing.T, data []byte, off, line int64) {
		size := int64(len(data))
		if off < 0 || off > size || line < 1 {
			return
		}
		r := bytes.NewReader(data)
		lines, end, next, err := readTextPage(r, size, off, line, line)
		if err != nil {
			t.Fatal(err)
		}
		if end < off || end > size || next < line {
			t.Fatalf("page %d..%d, lines %d..%d", off, end, line, next)
		}
		for _, l := range lines {
			if l.Off < off || l.Off > end || !utf8Valid(l.Text) {
				t.Fatalf("line %+v outside %d..%d or invalid text", l, off, end)
			}
		}
		if bo, bl, err := backLines(r, off, line, 5); err != nil || bo > off || bl > line {
			t.Fatalf("backLines: %d %d %v", bo, bl, err)
		}
		looksBinary(data)
		hexPage(r, size, off-off%16, off)
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
