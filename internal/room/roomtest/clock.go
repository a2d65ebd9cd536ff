// Package roomtest holds hand-written fakes of the meeting's ports (room.Media, room.Peer,
// room.Conn, room.Clock, room.Roles), for tests that run in milliseconds: time moves only when
// the test says so.
package roomtest

import (
	"sort"
	"sync"
	"time"

	"visio/internal/room"
)

// Clock is a room.Clock whose time moves only with Advance, which runs the timers due on the
// calling goroutine.
type Clock struct {
	mu     sync.Mutex // guards the following fields
	now    time.Time
	seq    int
	timers []*timer
}

var _ room.Clock = (*Clock)(nil)

// NewClock returns a clock set at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

type timer struct {
	c       *Clock
	at      time.Time
	seq     int
	f       func()
	stopped bool
	fired   bool
}

// Now implements room.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc implements room.Clock.
func (c *Clock) AfterFunc(d time.Duration, f func()) room.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop implements room.Timer.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}

// Advance moves the time forward by d and runs, in order, every timer due by then.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		var due *timer
		for len(c.timers) > 0 {
			t := c.timers[0]
			if t.stopped {
				c.timers = c.timers[1:]
				continue
			}
			if !t.at.After(end) {
				due = t
				c.timers = c.timers[1:]
				c.now = t.at
				t.fired = true
			}
			break
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		due.f()
	}
}

// Pending returns how many timers wait to fire.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}
