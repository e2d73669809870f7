package mdhtml

import (
	"strings"
	"testing"
)

func TestRenderIsSafe(t *testing.T) {
	for in, want := range map[string]string{
		"The **one** login":                     "<p>The <strong>one</strong> login</p>",
		"<script>alert(1)</script>":             "<!-- raw HTML omitted -->",
		"x <img src=x onerror=alert(1)> y":      "<p>x <!-- raw HTML omitted --> y</p>",
		"[a](javascript:alert(1))":              `<p><a href="">a</a></p>`,
		"[a](https://example.org/?q=<b>)":       `<a href="https://example.org/?q=%3Cb%3E">a</a>`,
		"`<b>`":                                 "<code>&lt;b&gt;</code>",
		"| a | b |\n|---|---|\n| 1 | 2 |\n":     "<td>1</td>",
		"&lt;already escaped&gt; & <b>bold</b>": "&lt;already escaped&gt; &amp; <!-- raw HTML omitted -->bold<!-- raw HTML omitted -->",
	} {
		got, err := Render(in, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), want) {
			t.Errorf("Render(%q) = %q, want it to hold %q", in, got, want)
		}
		if strings.Contains(string(got), "<script") || strings.Contains(string(got), "onerror") {
			t.Errorf("Render(%q) = %q lets active content through", in, got)
		}
	}
}

func TestRenderShiftsHeadings(t *testing.T) {
	got, err := Render("# Title\n\n## Sub\n\n###### Deep", 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h4>Title</h4>", "<h5>Sub</h5>", "<h6>Deep</h6>"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("Render = %q, want it to hold %q", got, want)
		}
	}
}
