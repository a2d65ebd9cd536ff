package procs

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// driven is a controller fed with a made-up CPU use: load cores from now on.
type driven struct {
	c    *Controller
	now  time.Time
	cpu  time.Duration
	sets []int
}

func newDriven(limit int) *driven {
	d := &driven{now: time.Unix(1000, 0)}
	d.c = &Controller{max: limit, cur: 1, lastAt: d.now, set: func(n int) { d.sets = append(d.sets, n) }}
	return d
}

// run feeds load cores for dur, one measurement per interval, and returns the processors then.
func (d *driven) run(load float64, dur time.Duration) int {
	for t := time.Duration(0); t < dur; t += interval {
		d.now = d.now.Add(interval)
		d.cpu += time.Duration(load * float64(interval))
		d.c.step(d.now, d.cpu)
	}
	return d.c.cur
}

// TestController: one processor while the load is light; more at once when it grows, never more
// than the limit; fewer only after the load stayed low for lowerAfter, and not for a short lull.
func TestController(t *testing.T) {
	d := newDriven(4)
	if n := d.run(0.3, 5*time.Second); n != 1 {
		t.Fatalf("light load (0.3 core): %d processors, want 1", n)
	}
	if n := d.run(0.9, interval); n != 2 {
		t.Fatalf("0.9 core: %d processors after one interval, want 2 at once", n)
	}
	if n := d.run(2.1, interval); n != 4 {
		t.Fatalf("2.1 cores: %d processors, want 4", n)
	}
	if n := d.run(5, 2*time.Second); n != 4 {
		t.Fatalf("more than the limit: %d processors, want the limit 4", n)
	}
	if n := d.run(0.2, 2*time.Second); n != 4 {
		t.Fatalf("a 2 s lull: %d processors, want still 4", n)
	}
	if n := d.run(0.2, 2*time.Second); n != 1 {
		t.Fatalf("4 s at 0.2 core: %d processors, want 1", n)
	}
	if n := d.run(0.5, 10*time.Second); n != 1 {
		t.Fatalf("0.5 core: %d processors, want 1 (below the raise threshold)", n)
	}
	if n := d.run(0.7, interval); n != 2 {
		t.Fatalf("0.7 core: %d processors, want 2", n)
	}
	// Between the two thresholds the count holds: no swinging.
	if n := d.run(0.5, 10*time.Second); n != 2 {
		t.Fatalf("0.5 core with 2 processors: %d, want 2 kept", n)
	}
	want := []int{2, 4, 1, 2}
	if len(d.sets) != len(want) {
		t.Fatalf("changes %v, want %v", d.sets, want)
	}
	for i := range want {
		if d.sets[i] != want[i] {
			t.Fatalf("changes %v, want %v", d.sets, want)
		}
	}
}

// TestRun: the real controller starts from one processor, reads the process's CPU time, and
// gives back the limit when stopped.
func TestRun(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer Set(before)
	if processCPU() <= 0 {
		t.Fatal("process CPU time unknown")
	}
	c := NewController(2, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.GOMAXPROCS(0) != 1 || Parallel() {
		if time.Now().After(deadline) {
			t.Fatal("the controller did not start from one processor")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if runtime.GOMAXPROCS(0) != 2 || !Parallel() {
		t.Errorf("after Run: %d processors, want the limit 2", runtime.GOMAXPROCS(0))
	}
}
