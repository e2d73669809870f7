// Package mdhtml renders an examiner's Markdown note as HTML that is safe
// to put in a page or a report: raw HTML in the note is dropped (shown as
// an HTML comment "raw HTML omitted"), links and images with a javascript:,
// vbscript:, file: or data: target lose their target, and every text is
// escaped. Headings are moved below the page's own (a note's "# Title"
// becomes the level the caller names), so a note never breaks the outline
// of the page it is shown in. It is the one place that imports goldmark,
// so the workbench and the export's report render a note the same way.
//
// Example:
//
//	html, err := mdhtml.Render("The **one** successful login", 3)
package mdhtml

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Render turns Markdown into safe HTML; a level-1 heading becomes level
// top (2 to 6), deeper ones follow, none deeper than 6.
func Render(src string, top int) (template.HTML, error) {
	top = min(max(top, 2), 6)
	// CommonMark plus tables and strikethrough, without raw HTML
	// (goldmark's default: only WithUnsafe would pass it through).
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingShift(top-1), 100))))
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // goldmark escaped the text and omitted raw HTML
}

// headingShift moves every heading down by its value.
type headingShift int

func (s headingShift) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+int(s), 6)
		}
		return ast.WalkContinue, nil
	})
}
