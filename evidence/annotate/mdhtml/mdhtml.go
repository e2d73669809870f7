// Package mdhtml renders an examiner's Markdown note as HTML that is safe
// to put in a page or a report: raw HTML in the note is dropped (shown as
// an HTML comment "raw HTML omitted"), links and images with a javascript:,
// vbscript:, file: or data: target lose their target, and every text is
// escaped. It is the one place that imports goldmark, so the workbench and
// the export's report render a note the same way.
//
// Example:
//
//	html, err := mdhtml.Render("The **one** successful login")
package mdhtml

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md is CommonMark plus tables and strikethrough, without raw HTML
// (goldmark's default: only WithUnsafe would pass it through).
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// Render turns Markdown into safe HTML.
func Render(src string) (template.HTML, error) {
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // goldmark escaped the text and omitted raw HTML
}
