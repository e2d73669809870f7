package attrib

import (
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// maxLogins bounds the accounts kept per source: a source that signs into
// more is a shared service or a credential-stuffing run, and the first
// ones name it well enough (LoginsOver says more exist).
const maxLogins = 8

// Login is an account a source signed into successfully (an authentication
// or API event with outcome success and a user name): the first time, how
// many times, and the line of the first.
type Login struct {
	Account  string     `json:"account"`
	First    *time.Time `json:"first,omitempty"`
	Count    int64      `json:"count"`
	Evidence string     `json:"evidence"`
}

// loginList gathers a source's successful logins while events stream by.
type loginList struct {
	l    []login
	over bool
}

type login struct {
	user  string
	first int64 // Unix nanoseconds; 0 when the event had no time
	n     int64
	cite  cite
}

// isLogin reports whether e is a successful login to a named account.
func isLogin(e *parse.Event) bool {
	return e.Outcome == parse.OutcomeSuccess && (e.Kind == parse.KindAuth || e.Kind == parse.KindAPI) && e.User != ""
}

func (g *agg) addLogin(e *parse.Event) {
	if g.logins == nil {
		g.logins = &loginList{}
	}
	ll := g.logins
	var t int64
	if !e.Time.IsZero() {
		t = e.Time.UnixNano()
	}
	c := citeOf(e)
	for i := range ll.l {
		x := &ll.l[i]
		if x.user != e.User {
			continue
		}
		x.n++
		if t != 0 && (x.first == 0 || t < x.first) {
			x.first, x.cite = t, c
		}
		return
	}
	if len(ll.l) >= maxLogins {
		ll.over = true
		return
	}
	ll.l = append(ll.l, login{user: e.User, first: t, n: 1, cite: c})
}

// loginsOf lists g's logins, earliest first (untimed last, then by name).
func loginsOf(g *agg) ([]Login, bool) {
	if g.logins == nil {
		return nil, false
	}
	out := make([]Login, 0, len(g.logins.l))
	for _, x := range g.logins.l {
		l := Login{Account: x.user, Count: x.n, Evidence: x.cite.String()}
		if x.first != 0 {
			t := time.Unix(0, x.first).UTC()
			l.First = &t
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Login) int {
		switch {
		case a.First != nil && b.First != nil && !a.First.Equal(*b.First):
			return a.First.Compare(*b.First)
		case (a.First == nil) != (b.First == nil):
			if a.First == nil {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Account, b.Account)
	})
	return out, g.logins.over
}
