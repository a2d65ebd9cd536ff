package room

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Knock limits: how often one person and one address may ask to be let in.
const (
	knocksPerPersonBurst = 3
	knocksPerPersonEvery = 20 * time.Second
	// Per address only against floods: many guests may share one address (an office's NAT, a
	// reverse proxy); repeated knocks are limited per person above.
	knocksPerAddrBurst = 200
	knocksPerAddrEvery = 200 * time.Millisecond
	knockLimiterMax    = 4096 // entries kept before full limiters are forgotten
)

// knockLimiter rate-limits lobby requests per person and per address, for every meeting.
type knockLimiter struct {
	now func() time.Time

	mu     sync.Mutex // guards the following fields; a leaf lock
	byID   map[string]*rate.Limiter
	byAddr map[string]*rate.Limiter
}

func newKnockLimiter(now func() time.Time) *knockLimiter {
	return &knockLimiter{now: now, byID: map[string]*rate.Limiter{}, byAddr: map[string]*rate.Limiter{}}
}

// allow reports whether person id at addr may knock now, and counts the knock.
func (k *knockLimiter) allow(id, addr string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	li := limiterFor(k.byID, id, rate.Every(knocksPerPersonEvery), knocksPerPersonBurst, now)
	la := limiterFor(k.byAddr, addr, rate.Every(knocksPerAddrEvery), knocksPerAddrBurst, now)
	if li.TokensAt(now) < 1 || la.TokensAt(now) < 1 {
		return false
	}
	li.AllowN(now, 1)
	la.AllowN(now, 1)
	return true
}

func limiterFor(m map[string]*rate.Limiter, key string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	if l := m[key]; l != nil {
		return l
	}
	if len(m) >= knockLimiterMax {
		// Full: look at a few entries (Go's map order is random) and forget one, preferably
		// one that has refilled. Each knock costs the same however many keys a flood brings;
		// a key forgotten while in use starts afresh, with at most one more burst.
		var victim string
		seen := 0
		for k, l := range m {
			if victim == "" || l.TokensAt(now) >= float64(l.Burst()) {
				victim = k
			}
			if seen++; seen == 8 {
				break
			}
		}
		delete(m, victim)
	}
	l := rate.NewLimiter(r, burst)
	m[key] = l
	return l
}
