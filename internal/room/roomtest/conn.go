package roomtest

import (
	"context"
	"sync"

	"visio/internal/room"
)

// Conn is a fake connection that records the events it is sent.
type Conn struct {
	mu     sync.Mutex // guards the following fields
	events []room.Event
	closed bool
	last   room.Event
}

var _ room.Conn = (*Conn)(nil)

// Send implements room.Conn.
func (c *Conn) Send(ev room.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.events = append(c.events, ev)
	}
}

// Close implements room.Conn.
func (c *Conn) Close(last room.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed, c.last = true, last
	if last != nil {
		c.events = append(c.events, last)
	}
}

// Closed reports whether the connection was closed, and with which last event.
func (c *Conn) Closed() (bool, room.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed, c.last
}

// Events returns the events sent so far.
func (c *Conn) Events() []room.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]room.Event(nil), c.events...)
}

// Of returns the events of type T that c was sent, in order.
func Of[T room.Event](c *Conn) []T {
	var out []T
	for _, ev := range c.Events() {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

// Roles records promotions.
type Roles struct {
	mu       sync.Mutex // guards promoted
	promoted []string
}

var _ room.Roles = (*Roles)(nil)

// Promote implements room.Roles.
func (r *Roles) Promote(_ context.Context, code, userID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.promoted = append(r.promoted, code+"/"+userID)
	return nil
}

// Promoted returns the promotions recorded, as "code/userID".
func (r *Roles) Promoted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.promoted...)
}
