package ui

import (
	"net/http"
	"strconv"

	"github.com/casefile/casefile/evidence"
)

type contentData struct {
	A        *artefactInfo
	Mode     string // text or hex
	Lines    []textLine
	Rows     []hexRow
	Off, End int64
	Line     int64
	EndLine  int64
	PrevOff  int64
	PrevLine int64
	HasPrev  bool
	HasNext  bool
	Size     int64
	Gzip     bool
	Target   int64
}

// evidenceContent shows an artefact's bytes, a page at a time: numbered
// lines with anchors (#L123) for text, a hex dump for binary data. Every view
// is recorded as an evidence.viewed entry before the page is sent.
func (h *handler) evidenceContent(w http.ResponseWriter, r *http.Request) {
	s := h.s
	a, hx, ok := s.artefactOf(w, r, false)
	if !ok {
		return
	}
	dg, _ := evidence.ParseDigest(hx)
	ar, err := s.c.OpenArtefact(dg)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	size := ar.Size()
	q := r.URL.Query()
	num := func(k string) (int64, bool) {
		v, err := strconv.ParseInt(q.Get(k), 10, 64)
		return v, err == nil && v >= 0
	}
	sniff := make([]byte, min(sniffBytes, size))
	ar.ReadAt(sniff, 0)
	d := contentData{A: a, Size: size, Mode: "text"}
	d.Gzip = len(sniff) >= 2 && sniff[0] == 0x1f && sniff[1] == 0x8b
	if looksBinary(sniff) {
		d.Mode = "hex"
	}
	if m := q.Get("mode"); m == "hex" || m == "text" {
		d.Mode = m
	}
	off, hasOff := num("off")
	at, hasAt := num("at")
	line, hasLine := num("line")
	if hasOff && off > size || hasAt && at > size {
		s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	if d.Mode == "hex" {
		if hasAt {
			d.Target = at
			off = at
		}
		off -= off % hexPageBytes
		d.Rows, err = hexPage(ar, size, off, map[bool]int64{true: at, false: -1}[hasAt])
		d.Off, d.End = off, min(off+hexPageBytes, size)
		d.HasPrev, d.PrevOff = off > 0, max(0, off-hexPageBytes)
		d.HasNext = d.End < size
	} else {
		start, startLine := int64(0), int64(1)
		switch {
		case hasAt && hasLine && line > 0: // a cited line: show it with some context
			d.Target = line
			start, startLine, err = backLines(ar, at, line, contextLines)
		case hasOff && hasLine && line > 0: // a page start
			start, startLine = off, line
		case hasLine && line > 1: // a line number only: find it
			d.Target = line
			var o int64
			o, _, err = findLine(ar, size, line)
			if err == nil {
				start, startLine, err = backLines(ar, o, line, contextLines)
			}
		}
		if err != nil {
			s.fail(w, r, false, http.StatusNotFound, err)
			return
		}
		d.Lines, d.End, d.EndLine, err = readTextPage(ar, size, start, startLine, d.Target)
		d.Off, d.Line = start, startLine
		d.HasNext = d.End < size
		if start > 0 && err == nil {
			d.HasPrev = true
			d.PrevOff, d.PrevLine, err = backLines(ar, start, startLine, textPageLines/2)
		}
	}
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	p := principalOf(r)
	payload := map[string]any{"artefact": "sha256:" + hx, "mode": d.Mode, "offset": d.Off, "bytes": d.End - d.Off,
		"user": p.user.Name, "role": p.user.Role}
	if d.Mode == "text" && len(d.Lines) > 0 {
		payload["lines"] = strconv.FormatInt(d.Lines[0].N, 10) + "-" + strconv.FormatInt(d.Lines[len(d.Lines)-1].N, 10)
	}
	es, err := s.c.Append(r.Context(), evidence.Draft{Kind: KindEvidenceViewed, Actor: actorOf(p), Payload: payload})
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	v := s.newView(r, "Content of "+shortHash(hx), "evidence", d)
	v.Recorded = es[0]
	s.render(w, r, http.StatusOK, "content", v)
}
