package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
)

// Sessions are kept in the case store beside the log (not in it: a
// session is not custody; the login and logout entries are), under
// prefixSession and the SHA-256 of the cookie value, so that they survive
// a restart of the server and a stolen copy of the store opens none. An
// ended session's record is emptied (the store deletes nothing).
const (
	prefixSession = "ws/"
	// seenEvery is how often a session's last use is written back: its
	// idle time is judged to within this.
	seenEvery   = time.Minute
	maxSessions = 10000 // sessions held in memory; the store keeps every one
)

// session is an open session as a request sees it.
type session struct {
	id      string // SHA-256 of the cookie value, base64
	name    string // the user's name; the record is read on every request
	csrf    string
	created time.Time
	seen    time.Time
	stored  time.Time // the seen time last written to the store
	results map[string]*ingestOutcome
}

// sessionRecord is a session as stored.
type sessionRecord struct {
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
}

// sessions reads and writes the stored sessions; the sessions in use are
// also held in memory with what only this process needs (upload results).
type sessions struct {
	mu   sync.Mutex
	c    *evidence.Case
	byID map[string]*session
}

func newSessions(c *evidence.Case) *sessions {
	return &sessions{c: c, byID: map[string]*session{}}
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *session) expired(now time.Time) bool {
	return now.Sub(s.seen) > sessionIdle || now.Sub(s.created) > sessionMax
}

func (s *session) record() []byte {
	b, _ := json.Marshal(sessionRecord{User: s.name, CSRF: s.csrf, Created: s.created, Seen: s.seen})
	return b
}

// create starts a session for u, stored durably, and returns the cookie
// value.
func (ss *sessions) create(u User) (string, *session, error) {
	v := randomToken()
	now := time.Now()
	s := &session{id: sessionKey(v), name: u.Name, csrf: randomToken(), created: now, seen: now, stored: now, results: map[string]*ingestOutcome{}}
	if err := ss.c.WriteDerived([]evidence.Op{{Key: []byte(prefixSession + s.id), Value: s.record()}}, true); err != nil {
		return "", nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= maxSessions {
		for k, x := range ss.byID {
			if x.expired(now) {
				delete(ss.byID, k)
			}
		}
	}
	ss.byID[s.id] = s
	return v, s, nil
}

// get returns the session of a cookie value, or nil when there is none,
// it ended or it expired. The stored record decides: a session ended by
// another process (a user disabled from the command line) ends here too.
func (ss *sessions) get(cookie string) *session {
	id := sessionKey(cookie)
	v, err := ss.c.Derived().Get([]byte(prefixSession + id))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if err != nil || len(v) == 0 {
		delete(ss.byID, id)
		return nil
	}
	s := ss.byID[id]
	if s == nil {
		var rec sessionRecord
		if json.Unmarshal(v, &rec) != nil || rec.User == "" {
			return nil
		}
		s = &session{id: id, name: rec.User, csrf: rec.CSRF, created: rec.Created, seen: rec.Seen, stored: rec.Seen, results: map[string]*ingestOutcome{}}
		ss.byID[id] = s
	}
	now := time.Now()
	if s.expired(now) {
		ss.endLocked(s)
		return nil
	}
	s.seen = now
	if now.Sub(s.stored) >= seenEvery {
		s.stored = now
		ss.c.WriteDerived([]evidence.Op{{Key: []byte(prefixSession + id), Value: s.record()}}, false)
	}
	return s
}

// end ends a session: its stored record is emptied.
func (ss *sessions) end(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.endLocked(s)
}

func (ss *sessions) endLocked(s *session) {
	delete(ss.byID, s.id)
	ss.c.WriteDerived([]evidence.Op{{Key: []byte(prefixSession + s.id), Value: []byte{}}}, true)
}

// endSessionsOps are the writes that end every stored session of user
// name, for the batch that disables the user.
func endSessionsOps(c *evidence.Case, name string) ([]evidence.Op, error) {
	var ops []evidence.Op
	err := c.Derived().Scan([]byte(prefixSession), nil, func(k, v []byte) error {
		var rec sessionRecord
		if len(v) > 0 && json.Unmarshal(v, &rec) == nil && rec.User == name {
			ops = append(ops, evidence.Op{Key: append([]byte(nil), k...), Value: []byte{}})
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(errors.New("listing the sessions to end"), err)
	}
	return ops, nil
}
