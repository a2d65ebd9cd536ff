package localidp

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Password guessing is slowed down in three ways:
//
//   - per account: after accountFree wrong passwords in a row, each further attempt on the
//     account waits a delay that doubles from baseDelay up to accountMaxDelay. Attempts made
//     while waiting are refused without being checked and without making the wait longer, and
//     the delay never exceeds accountMaxDelay: someone guessing can slow the real person down
//     by at most that much, never lock them out.
//   - per client address: the same, after addressFree failures, up to addressMaxDelay. One
//     machine guessing at many accounts is slowed down as much as one account is.
//   - bcrypt work: at most Throttle.MaxConcurrent password checks run at once; a request that
//     cannot start one within checkWait is refused with 429 and Retry-After, so a flood of
//     sign-in requests costs a bounded amount of CPU.
//
// Counts are forgotten forgetAfter after the last failure, and an account's count on success.
const (
	accountFree     = 5
	addressFree     = 10
	baseDelay       = time.Second
	accountMaxDelay = time.Minute
	addressMaxDelay = 5 * time.Minute
	forgetAfter     = time.Hour
	// maxTracked bounds the unknown logins and the addresses remembered; the configured
	// accounts are always remembered.
	maxTracked = 10000
	checkWait  = 2 * time.Second
)

// errBusy is returned when no password check could start in time.
var errBusy = errors.New("localidp: too many sign-in attempts at once")

// failures is the record of one account's or one address's recent wrong passwords.
type failures struct {
	n    int       // wrong passwords since the last success, or since forgotten
	last time.Time // the last one
	next time.Time // no attempt is checked before this
}

// delay is the wait after n failures, free of them or at most max.
func delay(n, free int, max time.Duration) time.Duration {
	if n < free {
		return 0
	}
	d := baseDelay
	for i := free; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// throttle remembers recent failures per account and per client address.
type throttle struct {
	now func() time.Time
	sem chan struct{} // one token per password check that may run

	mu       sync.Mutex // guards the following fields
	known    map[string]*failures
	unknown  map[string]*failures // logins of no account, bounded by maxTracked
	addrs    map[string]*failures // bounded by maxTracked
	checking int                  // requests waiting for or running a check
}

func newThrottle(now func() time.Time, logins []string, concurrent int) *throttle {
	t := &throttle{
		now:     now,
		sem:     make(chan struct{}, concurrent),
		known:   make(map[string]*failures, len(logins)),
		unknown: map[string]*failures{},
		addrs:   map[string]*failures{},
	}
	for _, l := range logins {
		t.known[l] = &failures{}
	}
	return t
}

// wait returns how long the client at addr must wait before a password for login is checked;
// 0 means now.
func (t *throttle) wait(login, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var w time.Duration
	for _, f := range []*failures{t.account(login, false), t.address(addr, false)} {
		if f != nil && f.next.After(now) {
			w = max(w, f.next.Sub(now))
		}
	}
	return w
}

// failed records a wrong password for login from addr.
func (t *throttle) failed(login, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if f := t.account(login, true); f != nil {
		f.fail(now, accountFree, accountMaxDelay)
	}
	if f := t.address(addr, true); f != nil {
		f.fail(now, addressFree, addressMaxDelay)
	}
}

// succeeded forgets login's failures. The address's are kept: signing in to one's own account
// does not clear the guesses made from the same address at others.
func (t *throttle) succeeded(login string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.known[login]; f != nil {
		*f = failures{}
	}
}

func (f *failures) fail(now time.Time, free int, max time.Duration) {
	if now.Sub(f.last) > forgetAfter {
		f.n = 0
	}
	f.n++
	f.last = now
	f.next = now.Add(delay(f.n, free, max))
}

// account returns login's record; with add, one is made for an unknown login if there is room.
// t.mu must be held.
func (t *throttle) account(login string, add bool) *failures {
	if f, ok := t.known[login]; ok {
		return f
	}
	return tracked(t.unknown, login, add, t.now())
}

// address returns addr's record, made with add. t.mu must be held.
func (t *throttle) address(addr string, add bool) *failures {
	return tracked(t.addrs, addr, add, t.now())
}

// tracked returns m[key], or makes it with add. When m is full, records older than
// forgetAfter are dropped, then the one whose last failure is oldest.
func tracked(m map[string]*failures, key string, add bool, now time.Time) *failures {
	if f := m[key]; f != nil || !add {
		return f
	}
	if len(m) >= maxTracked {
		var oldest string
		for k, f := range m {
			if now.Sub(f.last) > forgetAfter {
				delete(m, k)
			} else if oldest == "" || f.last.Before(m[oldest].last) {
				oldest = k
			}
		}
		if len(m) >= maxTracked {
			delete(m, oldest)
		}
	}
	f := &failures{}
	m[key] = f
	return f
}

// check runs fn as one password check, once one of the concurrent slots is free. It returns
// errBusy, without running fn, if none frees within checkWait or too many requests already
// wait.
func (t *throttle) check(ctx context.Context, fn func()) error {
	t.mu.Lock()
	if t.checking >= 4*cap(t.sem) {
		t.mu.Unlock()
		return errBusy
	}
	t.checking++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.checking--
		t.mu.Unlock()
	}()
	timer := time.NewTimer(checkWait)
	defer timer.Stop()
	select {
	case t.sem <- struct{}{}:
	case <-timer.C:
		return errBusy
	case <-ctx.Done():
		return errBusy
	}
	defer func() { <-t.sem }()
	fn()
	return nil
}
