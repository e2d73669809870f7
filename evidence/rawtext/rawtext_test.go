package rawtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"fztu", "fztu"},
		{"jérôme", "jérôme"},                 // valid UTF-8 stays
		{"j\xe9r\xf4me", `j\xe9r\xf4me`},     // Latin-1
		{`C:\Windows\x41`, `C:\Windows\x41`}, // backslashes that read as no escape stay
		{`GET /\x16\x03`, `GET /\x16\x03`},   // Apache's own escapes of low bytes stay
		{`caf\xc3\xa9`, `caf\x5cxc3\x5cxa9`}, // Apache's own escape of a high byte is kept apart from one of ours
		{`\x5c`, `\x5cx5c`},                  // a literal escape of a backslash
		{"\\\xe9", `\\xe9`},                  // a backslash before a bad byte needs nothing
		{"\xff\xfe", `\xff\xfe`},             // UTF-16 byte order mark
		{"\xe2\x80", `\xe2\x80`},             // a cut multi-byte character
		{"a\nb\x1b[31m", "a\nb\x1b[31m"},     // controls are valid UTF-8: Display's business
		{`\XE9 \xE9`, `\XE9 \xE9`},           // upper case is not our escape
		{"\xed\xa0\x80", `\xed\xa0\x80`},     // a UTF-16 surrogate is not UTF-8
	} {
		got := Encode(c.in)
		if got != c.want {
			t.Errorf("Encode(%q) = %q, want %q", c.in, got, c.want)
		}
		if back := Decode(got); back != c.in {
			t.Errorf("Decode(%q) = %q, want %q", got, back, c.in)
		}
	}
}

func TestDisplay(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"fztu", "fztu"},
		{`j\xe9r\xf4me`, `j\xe9r\xf4me`}, // stored text shows as stored
		{"j\xe9r\xf4me", `j\xe9r\xf4me`}, // raw bytes show the same
		{"evil\n#9     2026-01-01 forged entry", `evil\x0a#9     2026-01-01 forged entry`},
		{"\x1b[2J\x1b]0;title\x07", `\x1b[2J\x1b]0;title\x07`},
		{"tab\there\r", `tab\x09here\x0d`},
		{"\u202egnp.exe", `\u202egnp.exe`},                 // right-to-left override
		{"a\u200bb\u2028c\u0085", `a\u200bb\u2028c\u0085`}, // zero-width space, line separator, NEL
		{`literal \x1b`, `literal \x5cx1b`},                // text that reads like an escape is not one
		{`literal \u202e`, `literal \x5cu202e`},
		{`caf\x5cxc3`, `caf\x5cxc3`},
		{"jérôme", "jérôme"},
		{"\U000e0001tag", `\xf3\xa0\x80\x81tag`},
	} {
		if got := Display(c.in); got != c.want {
			t.Errorf("Display(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestForms(t *testing.T) {
	stored := Encode("j\xe9r\xf4me")
	for _, typed := range []string{"j\xe9r\xf4me", `j\xe9r\xf4me`} {
		if f := Forms(typed); !contains(f, stored) {
			t.Errorf("Forms(%q) = %q, does not hold %q", typed, f, stored)
		}
	}
	// What Display shows of a literal "\x1b" finds it.
	if f := Forms(Display(`a\x1b`)); !contains(f, `a\x1b`) {
		t.Errorf("Forms(%q) = %q", Display(`a\x1b`), f)
	}
	if f := Forms("plain"); len(f) != 1 || f[0] != "plain" {
		t.Errorf("Forms(plain) = %q", f)
	}
}

// FuzzEncode: Encode gives valid UTF-8 that Decode turns back into the
// input; Display gives one safe line that names the same bytes.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "j\xe9r\xf4me", `\x5c`, `\\xe9`, "a\nb", "\u202e", `\u0041\x41\xff`, "\xed\xa0\x80", "C:\\Users\\x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Encode(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Encode(%q) = %q is not UTF-8", s, e)
		}
		if d := Decode(e); d != s {
			t.Fatalf("Decode(Encode(%q)) = %q", s, d)
		}
		if utf8.ValidString(s) && !strings.Contains(s, `\x`) && e != s {
			t.Fatalf("Encode changed valid text %q to %q", s, e)
		}
		if Encode(Decode(e)) != e {
			t.Fatalf("Encode(Decode(%q)) is not %q", e, e)
		}
		d := Display(e)
		if !utf8.ValidString(d) {
			t.Fatalf("Display(%q) = %q is not UTF-8", e, d)
		}
		for _, r := range d {
			if mustEscape(r) {
				t.Fatalf("Display(%q) = %q holds %U", e, d, r)
			}
		}
		if back := decode(d, true); back != s {
			t.Fatalf("Display(%q) = %q names %q, not %q", e, d, back, s)
		}
		if !contains(Forms(d), e) || !contains(Forms(e), e) || !contains(Forms(s), e) {
			t.Fatalf("Forms of %q, %q or %q do not find %q", s, e, d, e)
		}
	})
}

func TestPrintable(t *testing.T) {
	for s, want := range map[string]bool{
		"LKA Cybercrime, Dezernat 5": true,
		"Café «Zürich» – 2026":       true,
		"":                           true,
		"a\nb":                       false,
		"a\rb":                       false,
		"tab\t":                      false,
		"\x1b[31mred":                false,
		"\u202eevil":                 false,
		"a\u2028b":                   false,
		"caf\xe9":                    false,
		"\ufffd is a character":      true,
	} {
		if got := Printable(s); got != want {
			t.Errorf("Printable(%q) = %v, want %v", s, got, want)
		}
	}
}
