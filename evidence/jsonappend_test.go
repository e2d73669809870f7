package evidence

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// stdString is what encoding/json writes for s with HTML escaping off.
func stdString(t *testing.T, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Every byte value at every position of a word (the word-at-a-time fast
// path reads 8 bytes) comes out as encoding/json writes it.
func TestAppendJSONStringEveryByte(t *testing.T) {
	for c := range 256 {
		for pos := range 11 {
			b := []byte(strings.Repeat("abcdefgh", 2))
			if pos < len(b) {
				b[pos] = byte(c)
			}
			s := string(b)
			if got, want := AppendJSONString(nil, s), stdString(t, s); !bytes.Equal(got, want) {
				t.Fatalf("byte %#x at %d: got %s, want %s", c, pos, got, want)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text, long enough", "tab\there", "quote\"and\\slash", "é\u2028\u2029\xff\x00\x7f~ "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendJSONString(nil, s), stdString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
