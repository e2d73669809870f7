package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// loginFrom posts a login form straight to the server's handler as if it
// came from addr (the form token is a double-submit cookie, so any value
// that matches its cookie does).
func (f *fixture) loginFrom(addr, user, password string) *httptest.ResponseRecorder {
	form := url.Values{"csrf": {"form-token"}, "user": {user}, "password": {password}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: "form-token"})
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// heapPeak samples the heap until stop is called and returns its growth
// over the heap in use when it started.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak - base
	}
}

// The reproduction: 100 concurrent wrong passwords from one address. Each
// attempt is counted before its hash, so only the source's allowance is
// checked and the rest are refused; the heap stays bounded; the whole burst
// is one custody entry.
func TestParallelBruteForceOneSource(t *testing.T) {
	f := newFixture(t, "")
	frozen := time.Now() // no window or back-off ends during the test, however slow the machine
	f.srv.login.mu.Lock()
	f.srv.login.now = func() time.Time { return frozen }
	f.srv.login.mu.Unlock()
	before := entryKinds(t, f.h.Case)
	c := f.anon(t)
	_, body := c.get("/login")
	tok := csrfRE.FindStringSubmatch(body)[1]
	grown := heapPeak()
	var checked, refused, other atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			resp, _ := c.postForm("/login", url.Values{"csrf": {tok}, "user": {"ann"}, "password": {fmt.Sprintf("wrong guess %03d", i)}})
			switch {
			case resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "failed=1"):
				checked.Add(1)
			case resp.StatusCode == http.StatusTooManyRequests:
				refused.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	growth := grown()
	t.Logf("checked %d, refused %d, heap grew by %s", checked.Load(), refused.Load(), evidence.HumanBytes(int64(growth)))
	if checked.Load() > maxFailsPerSource || checked.Load() == 0 || refused.Load() < 100-maxFailsPerSource || other.Load() != 0 {
		t.Errorf("checked %d, refused %d, other %d: want at most %d checked, the rest refused", checked.Load(), refused.Load(), other.Load(), maxFailsPerSource)
	}
	if growth > 200<<20 {
		t.Errorf("heap grew by %s during the burst", evidence.HumanBytes(int64(growth)))
	}
	// Guessing on, one at a time, meets a refusal before the source's
	// allowance is over, and then the right password is refused too.
	for i := 0; ; i++ {
		resp, _ := c.postForm("/login", url.Values{"csrf": {tok}, "user": {"ann"}, "password": {"one more wrong guess"}})
		if resp.StatusCode == http.StatusTooManyRequests {
			refused.Add(1)
			break
		}
		checked.Add(1)
		if i >= maxFailsPerSource {
			t.Fatalf("%d more guesses checked after the burst", i+1)
		}
	}
	if resp, _ := c.postForm("/login", url.Values{"csrf": {tok}, "user": {"ann"}, "password": {testPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password after the guesses: %d, want 429", resp.StatusCode)
	}
	refused.Add(1)
	f.srv.flushLoginFailures(true)
	after := entryKinds(t, f.h.Case)
	if n := after[KindUserLoginFailed] - before[KindUserLoginFailed]; n != 1 {
		t.Fatalf("%d user.login_failed entries for one source's burst, want 1", n)
	}
	var last *evidence.Entry
	f.h.Case.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindUserLoginFailed {
			last = e
		}
		return nil
	})
	var p struct {
		Remote  string   `json:"remote"`
		Failed  int      `json:"failed"`
		Refused int      `json:"refused"`
		Users   []string `json:"users"`
	}
	json.Unmarshal(last.Payload, &p)
	if p.Remote != "127.0.0.1" || p.Failed != int(checked.Load()) || p.Refused != int(refused.Load()) || len(p.Users) != 1 || p.Users[0] != "ann" {
		t.Errorf("summary entry: %s", last.Payload)
	}
}

// 100 concurrent logins from 100 addresses, each with a name of its own:
// no throttle applies, so only the bound on concurrent checks keeps the
// server from hashing 100 passwords (1.9 GB) at once.
func TestParallelBruteForceManySources(t *testing.T) {
	f := newFixture(t, "")
	grown := heapPeak()
	var checked, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			rec := f.loginFrom(fmt.Sprintf("198.51.100.%d:4000", i+1), fmt.Sprintf("guess%d", i), "wrong password!!")
			switch rec.Code {
			case http.StatusSeeOther:
				checked.Add(1)
			case http.StatusTooManyRequests:
				refused.Add(1)
			default:
				t.Errorf("status %d", rec.Code)
			}
		})
	}
	close(start)
	wg.Wait()
	growth := grown()
	t.Logf("checked %d, refused %d, heap grew by %s", checked.Load(), refused.Load(), evidence.HumanBytes(int64(growth)))
	if checked.Load() == 0 || refused.Load() == 0 {
		t.Errorf("checked %d, refused %d: want both", checked.Load(), refused.Load())
	}
	// maxPasswordChecks hashes of 19 MiB at once, with room for the
	// collector's lag; 100 at once would be 1.9 GB.
	if growth > uint64(maxPasswordChecks+6)*20<<20 {
		t.Errorf("heap grew by %s", evidence.HumanBytes(int64(growth)))
	}
	if n := len(f.srv.login.checks); n != 0 {
		t.Errorf("%d check slots still taken", n)
	}
}

// A new source address does not reset an account's back-off, and the
// addresses of one IPv6 /64 are one source.
func TestLoginBackoffPerAccountAcrossSources(t *testing.T) {
	f := newFixture(t, "")
	var mu sync.Mutex
	now := time.Now()
	f.srv.login.mu.Lock()
	f.srv.login.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f.srv.login.mu.Unlock()
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	for i := range freeFailsPerUser {
		if rec := f.loginFrom(fmt.Sprintf("203.0.113.%d:5000", i+1), "carl", "not carl's password"); rec.Code != http.StatusSeeOther {
			t.Fatalf("failure %d: %d", i, rec.Code)
		}
	}
	if rec := f.loginFrom("192.0.2.200:5000", "carl", testPassword); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password from a fresh address during the back-off: %d, want 429", rec.Code)
	}
	// Other accounts are not held back.
	if rec := f.loginFrom("192.0.2.201:5000", "vic", testPassword); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("another account: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	advance(2 * time.Second)
	if rec := f.loginFrom("192.0.2.200:5000", "carl", "still not it!!"); rec.Code != http.StatusSeeOther {
		t.Fatalf("after the first back-off: %d", rec.Code)
	}
	advance(time.Second) // the back-off doubled to 2 s
	if rec := f.loginFrom("192.0.2.202:5000", "carl", testPassword); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("within the doubled back-off: %d, want 429", rec.Code)
	}
	advance(2 * time.Second)
	if rec := f.loginFrom("192.0.2.202:5000", "carl", testPassword); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("after the back-off, the right password: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// Success clears the account's count.
	if rec := f.loginFrom("192.0.2.203:5000", "carl", "wrong again!!!"); rec.Code != http.StatusSeeOther {
		t.Fatalf("after a success: %d", rec.Code)
	}

	// A name no user has backs off the same way, so that the back-off does
	// not tell which names exist.
	for i := range freeFailsPerUser {
		if rec := f.loginFrom(fmt.Sprintf("198.18.0.%d:5000", i+1), "ghost", "wrong password!!"); rec.Code != http.StatusSeeOther {
			t.Fatalf("ghost failure %d: %d", i, rec.Code)
		}
	}
	if rec := f.loginFrom("198.18.1.1:5000", "ghost", "wrong password!!"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("unknown name after %d failures: %d, want 429", freeFailsPerUser, rec.Code)
	}

	// One IPv6 /64 is one source: its 11th attempt is refused whatever the
	// interface identifier.
	for i := range maxFailsPerSource {
		if rec := f.loginFrom(fmt.Sprintf("[2001:db8:1:2::%x]:5000", i+1), fmt.Sprintf("nobody%d", i), "wrong password!!"); rec.Code != http.StatusSeeOther {
			t.Fatalf("v6 attempt %d: %d", i, rec.Code)
		}
	}
	if rec := f.loginFrom("[2001:db8:1:2:ffff::1]:5000", "nobody", "wrong password!!"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("11th attempt from the /64: %d", rec.Code)
	}
	if rec := f.loginFrom("[2001:db8:1:3::1]:5000", "nobody", "wrong password!!"); rec.Code != http.StatusSeeOther {
		t.Fatalf("another /64: %d", rec.Code)
	}
	advance(failWindow)
	if rec := f.loginFrom("[2001:db8:1:2::1]:5000", "nobody", "wrong password!!"); rec.Code != http.StatusSeeOther {
		t.Fatalf("the /64 after its window: %d", rec.Code)
	}
}

func TestPasswordStrength(t *testing.T) {
	for _, c := range []struct{ name, pw, want string }{
		{"bob", "aaaaaaaaaa", "too short"},
		{"bob", "short", "too short"},
		{"bob", "aaaaaaaaaaaaaaaa", "one character repeated"},
		{"bob", "ééééééééééééé", "one character repeated"},
		{"robert.smith", "Robert.Smith", "user name"},
		{"bobby", "bobbybobbybobby", "user name"},
		{"bob", strings.Repeat("ab", 600), "too long"},
		{"bob", "correct horse battery", ""},
		{"bob", "bob's long password", ""},
	} {
		err := PasswordProblem(c.name, []byte(c.pw))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %q: %v, want %q", c.name, c.pw, err, c.want)
		}
	}
	f := newFixture(t, "")
	ann := f.login(t, "ada")
	resp, body := ann.postForm("/users", url.Values{"csrf": {ann.csrf}, "name": {"bob"}, "role": {"viewer"}, "password": {"aaaaaaaaaa"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "password too short: 10 characters, at least 12 are needed") {
		t.Errorf("weak password in the form: %d", resp.StatusCode)
	}
	if _, err := AddUser(t.Context(), f.h.Case, testExaminer, "bob", RoleViewer, []byte("aaaaaaaaaaaa")); err == nil {
		t.Error("AddUser took one character repeated")
	}
	if _, err := lookupUser(f.h.Case, "bob"); err != ErrNoUser {
		t.Errorf("bob: %v", err)
	}
}
