package lines

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	long := strings.Repeat("x", 100)
	br := bufio.NewReaderSize(strings.NewReader("a\r\nbb\n"+long+"\n\nlast"), 16)
	want := []string{"a", "bb", long[:11], "", "last"}
	for i, w := range want {
		got, err := Read(br, 10)
		if string(got) != w {
			t.Fatalf("line %d: %q, want %q", i, got, w)
		}
		if i < len(want)-1 && err != nil || i == len(want)-1 && !errors.Is(err, io.EOF) {
			t.Fatalf("line %d: error %v", i, err)
		}
	}
	if got, err := Read(br, 10); len(got) != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %q %v", got, err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("a\r\nb\n", 3)
	f.Fuzz(func(t *testing.T, in string, max int) {
		if max < 0 || max > 1<<10 {
			return
		}
		br := bufio.NewReaderSize(strings.NewReader(in), 16)
		total := 0
		for {
			got, err := Read(br, max)
			if len(got) > max+1 {
				t.Fatalf("line of %d bytes with max %d", len(got), max)
			}
			total += len(got)
			if err != nil {
				break
			}
		}
		if total > len(in) {
			t.Fatalf("read %d bytes from %d", total, len(in))
		}
	})
}
