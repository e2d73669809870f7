package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/resultleaves"
)

// history dates each source's assessment from the leaves kept beside the
// assessment entries (evidence/resultleaves): a source is created by the
// first entry whose leaves hold it, and modified by the earliest entry
// from which its leaf stayed byte-for-byte the same up to the latest
// entry, so that an assessment that changes one source moves only that
// source's STIX objects. The entries and the kept leaves are fixed once
// recorded, so the times are the same in every export as of the same
// checkpoint.
type history struct {
	gap     bool                 // an entry whose leaves are not kept came first
	latest  bool                 // the latest entry's leaves are kept
	created map[string]time.Time // zero: first held after a gap, not datable
	since   map[string]time.Time
	leaf    map[string][]byte
}

func newHistory() *history {
	return &history{created: map[string]time.Time{}, since: map[string]time.Time{}, leaf: map[string][]byte{}}
}

// add takes the next assessment entry, in log order.
func (h *history) add(c *evidence.Case, e *evidence.Entry) error {
	root, kept, err := resultleaves.Kept(e)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	h.latest = kept
	if !kept { // nothing is known of what it changed
		h.gap = true
		clear(h.since)
		clear(h.leaf)
		return nil
	}
	leaves, err := resultleaves.Read(c, root)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	var only struct {
		Only []string `json:"only"`
	}
	if err := json.Unmarshal(e.Payload, &only); err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	held := make(map[string]bool, len(leaves))
	for i, l := range leaves {
		var s struct {
			Indicator string `json:"indicator"`
		}
		if err := json.Unmarshal(l, &s); err != nil || s.Indicator == "" {
			return fmt.Errorf("entry %d: kept leaf %d names no source", e.Index, i)
		}
		held[s.Indicator] = true
		if _, ok := h.created[s.Indicator]; !ok {
			if h.gap {
				h.created[s.Indicator] = time.Time{}
			} else {
				h.created[s.Indicator] = e.Time
			}
		}
		if prev, ok := h.leaf[s.Indicator]; !ok || !bytes.Equal(prev, l) {
			h.since[s.Indicator], h.leaf[s.Indicator] = e.Time, l
		}
	}
	if len(only.Only) == 0 { // a whole assessment without a source ends its run
		for ind := range h.since {
			if !held[ind] {
				delete(h.since, ind)
				delete(h.leaf, ind)
			}
		}
	}
	return nil
}

// times are the created and modified times of one source (ok false when
// its history is not kept: the caller then dates it by the case's
// assessments as a whole).
func (h *history) times(ind string) (created, modified time.Time, ok bool) {
	if h == nil || !h.latest {
		return time.Time{}, time.Time{}, false
	}
	modified, ok = h.since[ind]
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return h.created[ind], modified, true
}
