// Package routine is the one way long-lived components start goroutines: a Group tracks every
// goroutine it starts, gives each a context cancelled at Close, and Close waits for them all.
//
//	g := routine.NewGroup(ctx)
//	g.Go(func(ctx context.Context) { ... return when ctx is done ... })
//	...
//	g.Close() // cancels and waits
//
// A Group does not restart goroutines and does not collect errors: a goroutine that fails logs
// and returns, or cancels what it belongs to.
package routine

import (
	"context"
	"sync"
)

// Group tracks goroutines started with Go. The zero value is not usable; use NewGroup.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards closed, and orders wg.Add before wg.Wait
	closed bool
}

// NewGroup returns a group whose goroutines' context is derived from parent: cancelling parent
// asks them to stop too (Close must still be called to wait for them).
func NewGroup(parent context.Context) *Group {
	ctx, cancel := context.WithCancel(parent)
	return &Group{ctx: ctx, cancel: cancel}
}

// Go runs fn on a new goroutine with the group's context. It reports false, and does not run
// fn, once Close has been called.
func (g *Group) Go(fn func(ctx context.Context)) bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		fn(g.ctx)
	}()
	return true
}

// Context is the context the group's goroutines receive; it is done once Close is called.
func (g *Group) Context() context.Context { return g.ctx }

// Close cancels the group's context, refuses new goroutines and waits for the running ones. It
// is safe to call more than once and from several goroutines.
func (g *Group) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
}

// Wait waits for the running goroutines without cancelling them, or until ctx ends; it
// returns ctx's error in that case. New goroutines are refused from then on, as after Close.
func (g *Group) Wait(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
