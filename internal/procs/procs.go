// Package procs sizes the Go scheduler to the load.
//
// A media server is woken by every packet, and mostly waits. With several scheduler processors
// (GOMAXPROCS), each goroutine that one packet readies on its way through the WebRTC stack
// wakes an idle thread to run it in parallel; that thread finds little to do and sleeps again.
// Those wake-ups cost more CPU than the forwarding itself while the load is light. With one
// processor the same goroutines run one after the other on one thread, and nothing is woken.
//
// Controller therefore keeps as few processors as the load needs: one while the process uses
// well under one core, more as soon as it needs them, up to the limit the runtime chose at start
// (the machine's cores, or the container's CPU limit, or GOMAXPROCS).
package procs

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// parallel is whether more than one processor runs Go code now.
var parallel atomic.Bool

func init() { parallel.Store(runtime.GOMAXPROCS(0) > 1) }

// Parallel reports whether more than one processor runs Go code: when not, splitting work
// between goroutines only adds switches.
func Parallel() bool { return parallel.Load() }

// Set fixes the number of processors (and stops nothing: do not run a Controller meanwhile).
func Set(n int) {
	runtime.GOMAXPROCS(n)
	parallel.Store(n > 1)
}

const (
	// interval is how often the load is measured.
	interval = 500 * time.Millisecond
	// raiseAt is the use of each processor above which one more is added, at once: a processor
	// busy more than this makes packets wait for it.
	raiseAt = 0.6
	// lowerAt is the use of each processor below which one is removed, once the load stayed that
	// low for lowerAfter: lower than raiseAt, so that the count does not swing.
	lowerAt    = 0.4
	lowerAfter = 3 * time.Second
)

// Controller adjusts the number of processors to the process's CPU use.
type Controller struct {
	max int
	log *slog.Logger
	cpu func() time.Duration // the process's CPU time
	set func(int)            // sets the processors (tests record the calls instead)

	cur      int
	lastCPU  time.Duration
	lastAt   time.Time
	lowSince time.Time // since when the load has been low enough for fewer processors; zero: not
}

// NewController returns a controller that uses at most limit processors (at least 1).
func NewController(limit int, log *slog.Logger) *Controller {
	return &Controller{max: max(1, limit), log: log, cpu: processCPU, set: Set}
}

// Run adjusts the processors every interval until ctx ends, starting from one, and leaves max
// processors behind.
func (c *Controller) Run(ctx context.Context) {
	c.cur = 1
	c.set(1)
	c.lastAt, c.lastCPU = time.Now(), c.cpu()
	t := time.NewTicker(interval)
	defer t.Stop()
	defer c.set(c.max)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.step(now, c.cpu())
		}
	}
}

// step takes one measurement: cpu is the process's CPU time at now.
func (c *Controller) step(now time.Time, cpu time.Duration) {
	wall := now.Sub(c.lastAt)
	if wall <= 0 {
		return
	}
	use := float64(cpu-c.lastCPU) / float64(wall) // cores
	c.lastAt, c.lastCPU = now, cpu
	want := c.cur
	if up := int(math.Ceil(use / raiseAt)); up > c.cur {
		want = min(up, c.max)
		c.lowSince = time.Time{}
	} else if down := max(1, int(math.Ceil(use/lowerAt))); down < c.cur {
		if c.lowSince.IsZero() {
			c.lowSince = now
		}
		if now.Sub(c.lowSince) >= lowerAfter {
			want = down
			c.lowSince = time.Time{}
		}
	} else {
		c.lowSince = time.Time{}
	}
	if want == c.cur {
		return
	}
	if c.log != nil {
		c.log.Debug("scheduler processors", "from", c.cur, "to", want, "cpu_cores", math.Round(use*100)/100)
	}
	c.cur = want
	c.set(want)
}

// processCPU returns the CPU time the process used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
