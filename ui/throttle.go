package ui

import (
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// Login throttling. Every attempt is counted before its password is hashed;
// at most maxPasswordChecks hashes (19 MiB each) run at once, and an attempt
// finding them all busy is refused at once rather than queued.
const (
	maxPasswordChecks  = 4
	failWindow         = time.Minute
	maxFailsPerSource  = 10 // attempts not yet succeeded, per source and window
	freeFailsPerUser   = 5  // failures of one account before it backs off
	maxUserBackoff     = 15 * time.Minute
	maxTrackedSources  = 10000
	maxNamesPerSummary = 10
)

// attempt is one login admitted for a password check.
type attempt struct {
	l      *loginLimiter
	source string
	name   string // as given
	user   string // the name when its failures are counted, else ""
}

// sourceFails is what one source (an address, an IPv6 /64) tried in the
// current window: the throttle count and the summary recorded as one
// user.login_failed entry when the window ends.
type sourceFails struct {
	start, last time.Time
	pending     int // admitted attempts not yet known to have succeeded
	failed      int // wrong password or unknown user
	refused     int // turned away without a check
	names       map[string]bool
	more        int // further names not listed
}

// userFails is one account's failures across all sources (an attempt
// counts as one from its admission until its password proves right).
type userFails struct {
	n    int
	last time.Time
}

// loginLimiter throttles logins per source and per account and bounds the
// password checks running at once.
type loginLimiter struct {
	mu      sync.Mutex
	now     func() time.Time
	checks  chan struct{}
	sources map[string]*sourceFails
	users   map[string]*userFails
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{now: time.Now, checks: make(chan struct{}, maxPasswordChecks),
		sources: map[string]*sourceFails{}, users: map[string]*userFails{}}
}

// sourceOf groups addresses as one attacker holds them: an IPv4 address,
// or the /64 of an IPv6 address.
func sourceOf(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// admit counts a login attempt by source for the user name (known is false
// when no user has it: such names are counted while the table has room)
// before any hashing, and takes a password-check slot.
// It returns nil when the attempt must be refused: the source or the
// account is backing off, or every check slot is busy. The caller must
// call done on an admitted attempt.
func (l *loginLimiter) admit(source, name string, known bool) *attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	sf := l.sources[source]
	if sf != nil && now.Sub(sf.start) >= failWindow && sf.pending == 0 {
		sf = nil // the caller flushes the summary; a new window starts
	}
	if sf == nil {
		if len(l.sources) >= maxTrackedSources {
			return nil // fail closed rather than forget who is guessing
		}
		sf = &sourceFails{start: now, names: map[string]bool{}}
		l.sourcesPut(source, sf)
	}
	sf.last = now
	if l.userBackingOff(name, now) || sf.pending+sf.failed >= maxFailsPerSource {
		sf.refused++
		sf.note(name)
		return nil
	}
	select {
	case l.checks <- struct{}{}:
	default:
		sf.refused++
		sf.note(name)
		return nil
	}
	sf.pending++
	a := &attempt{l: l, source: source, name: name}
	// Names no user has back off too (else the back-off would tell which
	// names exist), as long as the table has room for them.
	if known || l.users[name] != nil || len(l.users) < maxTrackedSources {
		a.user = name
		uf := l.users[name]
		if uf == nil {
			uf = &userFails{}
			l.users[name] = uf
		}
		uf.n++ // a failure until the password proves right
		uf.last = now
	}
	return a
}

// sourcesPut keeps an ended window's summary until it is flushed.
func (l *loginLimiter) sourcesPut(source string, sf *sourceFails) {
	if old := l.sources[source]; old != nil && old.failed+old.refused > 0 {
		l.sources[source+"\x00"+old.start.Format(time.RFC3339Nano)] = old
	}
	l.sources[source] = sf
}

func (sf *sourceFails) note(name string) {
	if sf.names[name] {
		return
	}
	if len(sf.names) >= maxNamesPerSummary {
		sf.more++
		return
	}
	sf.names[name] = true
}

// userBackingOff reports whether the account failed so often that it must
// wait: after freeFailsPerUser failures, 1 s doubling with each failure up
// to maxUserBackoff, counted from its last failure, whatever the source.
func (l *loginLimiter) userBackingOff(name string, now time.Time) bool {
	uf := l.users[name]
	if uf == nil || uf.n < freeFailsPerUser {
		return false
	}
	wait := maxUserBackoff
	if k := uf.n - freeFailsPerUser; k < 20 {
		wait = min(time.Second<<k, maxUserBackoff)
	}
	return now.Sub(uf.last) < wait
}

// checked releases the check slot; call it right after the password check.
func (a *attempt) checked() { <-a.l.checks }

// done records the attempt's outcome.
func (a *attempt) done(ok bool) {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	sf := l.sources[a.source]
	if sf != nil {
		sf.pending--
		if !ok {
			sf.failed++
			sf.note(a.name)
		}
	}
	if ok && a.user != "" {
		delete(l.users, a.user)
	}
}

// failSummary is one source's failed and refused logins in one window.
type failSummary struct {
	Source          string
	From, To        time.Time
	Failed, Refused int
	Names           []string
	More            int
}

// ended removes and returns the summaries of windows that are over (all of
// them when all is set), and forgets account failures too old to matter.
func (l *loginLimiter) ended(all bool) []failSummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var out []failSummary
	for k, sf := range l.sources {
		if !all && (now.Sub(sf.start) < failWindow || sf.pending > 0) {
			continue
		}
		delete(l.sources, k)
		if sf.failed+sf.refused == 0 {
			continue
		}
		s := failSummary{Source: strings.SplitN(k, "\x00", 2)[0], From: sf.start, To: sf.last, Failed: sf.failed, Refused: sf.refused, More: sf.more}
		for n := range sf.names {
			s.Names = append(s.Names, n)
		}
		sort.Strings(s.Names)
		out = append(out, s)
	}
	for k, uf := range l.users {
		if now.Sub(uf.last) > maxUserBackoff {
			delete(l.users, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}
