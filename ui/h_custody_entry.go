package ui

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence"
)

type custodyEntryData struct {
	E        *evidence.Entry
	Hash     string
	Leaf     string
	Summary  string
	Payload  string
	Artefact string
	Size     uint64
	PrevIdx  uint64
	NextIdx  uint64
	HasNext  bool
}

// custodyEntry shows one entry in full: its hash, its predecessor, its
// canonical payload, and what it concerns.
func (h *handler) custodyEntry(w http.ResponseWriter, r *http.Request) {
	s := h.s
	i, err := strconv.ParseUint(mux.Vars(r)["index"], 10, 64)
	if err != nil || i >= s.c.Log().Size() {
		s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	e, err := s.c.Entry(i)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	sum, leaf := e.Hash(), e.LeafHash()
	var pretty bytes.Buffer
	json.Indent(&pretty, e.Payload, "", "  ")
	d := custodyEntryData{E: e, Hash: hex.EncodeToString(sum[:]), Leaf: hex.EncodeToString(leaf[:]), Summary: evidence.Describe(e),
		Payload: pretty.String(), Size: s.c.Log().Size(), NextIdx: i + 1, HasNext: i+1 < s.c.Log().Size()}
	if i > 0 {
		d.PrevIdx = i - 1
	}
	if l, ok, _ := s.cat.line(i); ok {
		d.Artefact = l.Artefact
	}
	s.render(w, r, http.StatusOK, "custody_entry", s.newView(r, "Custody entry #"+strconv.FormatUint(i, 10), "custody", d))
}
