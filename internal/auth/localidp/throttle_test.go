package localidp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{0, 0}, {4, 0}, {5, time.Second}, {6, 2 * time.Second}, {8, 8 * time.Second}, {12, time.Minute}, {1000, time.Minute}} {
		if got := delay(tc.n, accountFree, accountMaxDelay); got != tc.want {
			t.Errorf("delay(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestThrottleNeverLocksOut: guesses at an account slow it down, by at most accountMaxDelay
// whatever the number of guesses; attempts refused while waiting do not lengthen the wait; a
// success clears the account; failures are forgotten after forgetAfter.
func TestThrottleNeverLocksOut(t *testing.T) {
	clk := &testClock{t: time.Unix(1_800_000_000, 0)}
	th := newThrottle(clk.Now, []string{"marie"}, 1)
	for i := range 100 {
		addr := "192.0.2." + string(rune('0'+i%10)) // spread over addresses: only the account's limit applies
		if w := th.wait("marie", addr); w > 0 {
			clk.Add(w)
		}
		th.failed("marie", addr)
	}
	w := th.wait("marie", "198.51.100.1")
	if w <= 0 || w > accountMaxDelay {
		t.Fatalf("after 100 guesses the account waits %v, want (0, %v]", w, accountMaxDelay)
	}
	for range 50 { // attempts while waiting are refused before being counted
		if th.wait("marie", "198.51.100.1") == 0 {
			t.Fatal("attempt accepted while waiting")
		}
	}
	clk.Add(w)
	if w := th.wait("marie", "198.51.100.1"); w != 0 {
		t.Fatalf("the real person still waits %v after the longest delay", w)
	}
	th.succeeded("marie")
	th.failed("marie", "198.51.100.1")
	if w := th.wait("marie", "198.51.100.2"); w != 0 {
		t.Errorf("one failure after a success: wait %v, want none", w)
	}
}

// TestThrottlePerAddress: one address guessing at many accounts is slowed down.
func TestThrottlePerAddress(t *testing.T) {
	clk := &testClock{t: time.Unix(1_800_000_000, 0)}
	th := newThrottle(clk.Now, nil, 1)
	for i := range addressFree {
		th.failed("user"+string(rune('a'+i)), "203.0.113.9")
	}
	if w := th.wait("someone-else", "203.0.113.9"); w != baseDelay {
		t.Errorf("after %d failures from one address: wait %v, want %v", addressFree, w, baseDelay)
	}
	if w := th.wait("someone-else", "203.0.113.10"); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	clk.Add(forgetAfter + time.Second)
	th.failed("x", "203.0.113.9")
	if w := th.wait("y", "203.0.113.9"); w != 0 {
		t.Errorf("failures older than %v still count: wait %v", forgetAfter, w)
	}
}

// TestThrottleBounded: a flood of made-up logins from made-up addresses keeps at most
// maxTracked records of each.
func TestThrottleBounded(t *testing.T) {
	clk := &testClock{t: time.Unix(1_800_000_000, 0)}
	th := newThrottle(clk.Now, []string{"marie"}, 1)
	for i := range maxTracked + 20 {
		th.failed(strings.Repeat("x", 10)+string(rune(i+256)), "addr"+string(rune(i+256)))
	}
	if len(th.unknown) > maxTracked || len(th.addrs) > maxTracked || th.known["marie"] == nil {
		t.Errorf("tracked %d logins and %d addresses (limit %d), marie kept: %v", len(th.unknown), len(th.addrs), maxTracked, th.known["marie"] != nil)
	}
}

// TestCheckBounded: beyond the concurrent password checks and their queue, requests are
// refused at once.
func TestCheckBounded(t *testing.T) {
	th := newThrottle(time.Now, nil, 1)
	th.sem <- struct{}{} // the one check slot is busy
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 { // the queue: four waiters
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = th.check(ctx, func() {})
		}()
	}
	for {
		th.mu.Lock()
		n := th.checking
		th.mu.Unlock()
		if n == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ran := false
	if err := th.check(context.Background(), func() { ran = true }); err != errBusy || ran {
		t.Errorf("a fifth waiter: %v (ran %v), want errBusy", err, ran)
	}
	cancel()
	wg.Wait()
	<-th.sem
	if err := th.check(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Errorf("a free slot: %v, ran %v", err, ran)
	}
}

// TestSignInThrottled: through the sign-in form, wrong passwords for a known account and for an
// unknown login get the same answers (401, then 429 with Retry-After), the dummy hash has the
// accounts' cost, and the right password is accepted again once the wait is over.
func TestSignInThrottled(t *testing.T) {
	hash, err := hashPassword("right", 6)
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Unix(1_800_000_000, 0)}
	idp, err := New(Params{Issuer: "http://localhost:8080/local-idp", RedirectURI: "http://localhost:8080/auth/callback",
		Users: []User{{Login: "marie", PasswordHash: hash}}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost(idp.dummyHash); c != 6 {
		t.Errorf("dummy hash cost %d, want the accounts' 6", c)
	}
	post := func(login, password, addr string) *httptest.ResponseRecorder {
		form := url.Values{"id": {"none"}, "login": {login}, "password": {password}}
		r := httptest.NewRequest(http.MethodPost, "http://localhost:8080/local-idp/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		idp.ServeHTTP(w, r)
		return w
	}
	statuses := func(login string, addrBase int) []int {
		var out []int
		for i := range accountFree + 2 {
			w := post(login, "wrong", "192.0.2."+string(rune('0'+addrBase+i%3))+":1234")
			out = append(out, w.Code)
			if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		}
		return out
	}
	known, unknown := statuses("marie", 0), statuses("nobody", 3)
	want := []int{401, 401, 401, 401, 401, 429, 429}
	if fmtInts(known) != fmtInts(want) {
		t.Errorf("known login: %v, want %v", known, want)
	}
	if fmtInts(known) != fmtInts(unknown) {
		t.Errorf("known login answered %v, unknown %v: they can be told apart", known, unknown)
	}
	if w := post("marie", "right", "198.51.100.7:1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("right password while the account waits: %d, want 429", w.Code)
	}
	clk.Add(accountMaxDelay)
	// The form's request id is made up: a right password gets past the check to "expired".
	if w := post("marie", "right", "198.51.100.7:1"); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("right password after the wait: %d %s", w.Code, w.Body)
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(http.StatusText(x))
		b.WriteByte(',')
	}
	return b.String()
}
