package ui

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
)

// badgeState is what the header's verification badge is made from.
type badgeState struct {
	size   uint64
	report *evidence.Report
	at     time.Time
	busy   bool
}

// badgeCache keeps the badge rendered for the latest state: every page
// sent fills its badge hole with it, and it changes only with an entry or
// a verification.
type badgeCache struct {
	mu   sync.Mutex
	at   badgeState
	html []byte
}

// badgeNow is the badge for the current state.
func (s *Server) badgeNow() badge {
	rep, at, busy := s.verify.state()
	return badgeFor(badgeState{size: s.c.Log().Size(), report: rep, at: at, busy: busy})
}

func badgeFor(st badgeState) badge {
	var b badge
	rep := st.report
	switch {
	case rep == nil && st.busy:
		b = badge{State: "checking", Detail: "verification running"}
	case rep == nil:
		b = badge{State: "unchecked", Detail: "not verified since the server started"}
	case rep.OK:
		b = badge{State: "intact", At: st.at.Format("15:04"), Detail: fmt.Sprintf("%d entries, %d artefacts re-hashed", rep.Entries, rep.Artefacts)}
	default:
		b = badge{State: "damaged", At: st.at.Format("15:04"), Detail: rep.First().Where + ": " + rep.First().Detail}
	}
	if rep != nil && st.size > rep.Entries {
		b.Newer = st.size - rep.Entries
		b.Detail += fmt.Sprintf("; %d newer entries (from #%d) not yet checked", b.Newer, rep.Entries)
	}
	if st.busy && rep != nil {
		b.Detail += " (a new check is running)"
	}
	return b
}

// badgeHTML is the badge of the current state as the layout renders it.
func (s *Server) badgeHTML() []byte {
	rep, at, busy := s.verify.state()
	st := badgeState{size: s.c.Log().Size(), report: rep, at: at, busy: busy}
	c := &s.pages.badge
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.html != nil && c.at == st {
		return c.html
	}
	var b bytes.Buffer
	if err := s.tpl.pages["error"].ExecuteTemplate(&b, "badge", badgeFor(st)); err != nil {
		s.log.Error("rendering the badge", "err", err)
		return nil
	}
	c.at, c.html = st, b.Bytes()
	return c.html
}
