package room

import (
	"context"
	"time"

	"visio/internal/routine"
)

// systemClock is the real clock; its timers run their function on the group, so that Close
// waits for a timer that already fired.
type systemClock struct{ g *routine.Group }

func (systemClock) Now() time.Time { return time.Now() }

func (c systemClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, func() { c.g.Go(func(context.Context) { f() }) })
}
