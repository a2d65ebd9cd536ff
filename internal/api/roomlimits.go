package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"visio/internal/auth"
	"visio/internal/store"
)

// RoomLimits bound the rooms one user can make the server keep (room.max_per_user,
// room.creations_per_minute). Applications creating rooms for users count against the user
// they name.
type RoomLimits struct {
	// MaxPerUser is the most rooms one user may own; 0: no limit.
	MaxPerUser int
	// CreationsPerMinute is the sustained rate of room creation per owner, with a burst of as
	// many; 0: no limit.
	CreationsPerMinute float64
}

// errRoomQuota is the refusal of a room beyond RoomLimits.MaxPerUser.
func errRoomQuota(n int) *auth.Error {
	return &auth.Error{Status: http.StatusForbidden, Code: "room_quota_exceeded",
		Message: "You own " + strconv.Itoa(n) + " meetings, the most allowed: reuse one (a meeting unused for a while is deleted)."}
}

// errRoomRate is the refusal of a room created too soon after others.
var errRoomRate = &auth.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too many meetings created in a short time: wait a moment."}

// maxLimiterKeys bounds the per-owner rate limiters kept.
const maxLimiterKeys = 10000

// creationGate applies RoomLimits.
type creationGate struct {
	limits RoomLimits

	create sync.Mutex // held while counting a user's rooms and creating one, so the quota holds

	mu   sync.Mutex // guards the following field
	rate map[store.UserID]*rate.Limiter
}

// allow takes one creation from owner's rate. It returns the wait before the next one when
// refused.
func (g *creationGate) allow(owner store.UserID, now time.Time) (time.Duration, bool) {
	if g.limits.CreationsPerMinute <= 0 {
		return 0, true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.rate == nil {
		g.rate = map[store.UserID]*rate.Limiter{}
	}
	lim := g.rate[owner]
	if lim == nil {
		if len(g.rate) >= maxLimiterKeys {
			for k, l := range g.rate { // full ones first; if none, any
				if l.TokensAt(now) >= float64(l.Burst()) {
					delete(g.rate, k)
				}
			}
			for k := range g.rate {
				if len(g.rate) < maxLimiterKeys {
					break
				}
				delete(g.rate, k)
			}
		}
		burst := max(1, int(g.limits.CreationsPerMinute))
		lim = rate.NewLimiter(rate.Limit(g.limits.CreationsPerMinute/60), burst)
		g.rate[owner] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// owned counts the rooms owner owns.
func owned(ctx context.Context, st RoomStore, owner store.UserID) (int, error) {
	rooms, err := st.UserRooms(ctx, owner)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rooms {
		if r.OwnerID == owner {
			n++
		}
	}
	return n, nil
}

// retryAfter sets the Retry-After header to d, rounded up to a second.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
}
