package app

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/client"
)

// BenchmarkJoinToFirstMedia measures, for a participant joining a room where two others already
// publish audio and video, the time from opening the WebSocket to the first RTP packet of every
// remote track. It reports the median and the worst of b.N joins.
//
//	go test -run '^$' -bench JoinToFirstMedia -benchtime 20x ./internal/app/
func BenchmarkJoinToFirstMedia(b *testing.B) {
	base := startServer(b)
	api, err := client.NewAPI(true)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		p := join(b, api, base, code, "publisher")
		p.publish(byte(i))
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var mu sync.Mutex
		got := map[string]bool{}
		done := make(chan struct{})
		start := time.Now()
		jctx, jcancel := context.WithTimeout(context.Background(), 15*time.Second)
		c, err := client.Join(jctx, api, base, code, "viewer", client.Options{
			Loopback: true,
			OnTrack: func(id string, remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
				if _, _, err := remote.ReadRTP(); err != nil {
					return
				}
				mu.Lock()
				got[id] = true
				if len(got) == 4 {
					close(done)
				}
				mu.Unlock()
				buf := make([]byte, 1500)
				for {
					if _, _, err := remote.Read(buf); err != nil {
						return
					}
				}
			},
		})
		if err != nil {
			jcancel()
			b.Fatal(err)
		}
		select {
		case <-done:
			times = append(times, time.Since(start))
		case <-jctx.Done():
			b.Fatal("no media within 15s")
		}
		jcancel()
		c.Leave(context.Background())
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "worst-ms")
}
