package routine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/routine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCloseCancelsAndWaits(t *testing.T) {
	g := routine.NewGroup(context.Background())
	var ended atomic.Int32
	for range 3 {
		if !g.Go(func(ctx context.Context) {
			<-ctx.Done()
			ended.Add(1)
		}) {
			t.Fatal("Go refused before Close")
		}
	}
	g.Close()
	if n := ended.Load(); n != 3 {
		t.Fatalf("%d goroutines ended at Close, want 3", n)
	}
	if g.Go(func(context.Context) { t.Error("ran after Close") }) {
		t.Fatal("Go accepted after Close")
	}
	g.Close() // twice is fine
}

func TestParentCancels(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	g := routine.NewGroup(parent)
	done := make(chan struct{})
	g.Go(func(ctx context.Context) { <-ctx.Done(); close(done) })
	cancel()
	<-done
	g.Close()
}

func TestWait(t *testing.T) {
	g := routine.NewGroup(context.Background())
	release := make(chan struct{})
	g.Go(func(context.Context) { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Wait(ctx); err == nil {
		t.Fatal("Wait with a done context returned nil while a goroutine runs")
	}
	close(release)
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := g.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	g.Close()
}
