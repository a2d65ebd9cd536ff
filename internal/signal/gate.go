package signal

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrRoomNotFound is returned by a Gate for a room that does not exist.
var ErrRoomNotFound = errors.New("signal: room not found")

// Gate decides who enters a meeting: the signalling layer's view of rooms, roles and join
// tokens. The composition root implements it with the store and the auth package.
type Gate interface {
	// Room returns the room's settings, or an error wrapping ErrRoomNotFound.
	Room(ctx context.Context, code string) (RoomInfo, error)
	// Admit verifies and consumes a join token presented to enter room code, and says who it is
	// and what they may do. Refusals are *ProtocolError (token_invalid, token_expired, ...).
	Admit(ctx context.Context, code, token string) (Entrant, error)
	// Promote records that the signed-in user is now an administrator of the room.
	Promote(ctx context.Context, code, userID string) error
}

// RoomInfo is what the signalling layer knows of a room's settings.
type RoomInfo struct {
	Code   string
	Name   string
	Access string // public, trusted or restricted
}

// Entrant is someone whose join token was accepted.
type Entrant struct {
	// ID is the user id ("US_...") or guest id ("GU_..."): a removed person is barred by it.
	ID       string
	Name     string
	SignedIn bool
	// Role is the person's role on the room: owner, administrator, member or "".
	Role string
	// Direct is true if they enter at once, false if they wait in the lobby.
	Direct bool
	// Publish, Subscribe and Moderate are their permissions once inside.
	Publish, Subscribe, Moderate bool
	// Room is the room's settings when the token was checked.
	Room RoomInfo
}

// Role names used in participant objects.
const (
	roleOwner = "owner"
	roleAdmin = "administrator"
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

// knockLimiter rate-limits lobby requests per person and per address.
type knockLimiter struct {
	mu     sync.Mutex // guards the following fields
	byID   map[string]*rate.Limiter
	byAddr map[string]*rate.Limiter
}

func newKnockLimiter() *knockLimiter {
	return &knockLimiter{byID: map[string]*rate.Limiter{}, byAddr: map[string]*rate.Limiter{}}
}

// allow reports whether person id at addr may knock now, and counts the knock.
func (k *knockLimiter) allow(id, addr string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	li := limiterFor(k.byID, id, rate.Every(knocksPerPersonEvery), knocksPerPersonBurst)
	la := limiterFor(k.byAddr, addr, rate.Every(knocksPerAddrEvery), knocksPerAddrBurst)
	now := time.Now()
	if li.TokensAt(now) < 1 || la.TokensAt(now) < 1 {
		return false
	}
	li.AllowN(now, 1)
	la.AllowN(now, 1)
	return true
}

func limiterFor(m map[string]*rate.Limiter, key string, r rate.Limit, burst int) *rate.Limiter {
	if l := m[key]; l != nil {
		return l
	}
	if len(m) >= knockLimiterMax {
		now := time.Now()
		for k, l := range m {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(m, k)
			}
		}
	}
	l := rate.NewLimiter(r, burst)
	m[key] = l
	return l
}
