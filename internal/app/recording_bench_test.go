package app

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/recording/recordingtest"
	sig "visio/internal/signal"
)

// BenchmarkRecordingOverhead measures, in one run, the server's CPU per forwarded packet in
// one room without and then with recording, and the recording's own CPU. The server is its own
// process (its CPU from /proc); one signed-in publisher sends 640x360 VP8 at 30 fps and Opus,
// and subscribers receive both. Each window lasts 3 s, or 15 s with VISIO_BENCH_LONG=1 (the
// figures of docs/BENCHMARKS.md).
//
//	VISIO_BENCH_LONG=1 go test -run '^$' -bench RecordingOverhead -benchtime 1x ./internal/app/
func BenchmarkRecordingOverhead(b *testing.B) {
	recordingtest.NeedFFmpeg(b)
	frames := recordingtest.Video(b, 640, 360, 30, 4)
	video := recordingtest.Payloads(frames)
	tone := recordingtest.ToneOpus(b, 440, 4)
	const subscribers = 10
	window := 3 * time.Second
	if os.Getenv("VISIO_BENCH_LONG") != "" {
		window = 15 * time.Second
	}
	for b.Loop() {
		srv := startServerProcess(b, b.TempDir())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		owner, err := client.SignIn(ctx, srv.base, "Alice", "alice@example.gouv.fr")
		if err != nil {
			b.Fatal(err)
		}
		code, err := client.CreateRoomWith(ctx, owner, srv.base, "", "public")
		if err != nil {
			b.Fatal(err)
		}
		rtcAPI, err := client.NewAPI(true)
		if err != nil {
			b.Fatal(err)
		}
		a := joinPublisher(b, rtcAPI, srv.base, code, "Alice", owner)
		mctx, stopMedia := context.WithCancel(ctx)
		a.send(mctx, a.cam, video, time.Second/30)
		a.send(mctx, a.mic, tone, 20*time.Millisecond)
		var subs []*participant
		for i := range subscribers {
			subs = append(subs, join(b, rtcAPI, srv.base, code, fmt.Sprint("S", i)))
		}
		time.Sleep(3 * time.Second) // everyone receiving
		measure := func() (cpuPerPacket time.Duration, cpuPercent float64) {
			c0, p0 := srv.cpuSeconds(b), metric(b, srv.base, "visio_sfu_forwarded_packets_total")
			time.Sleep(window)
			c1, p1 := srv.cpuSeconds(b), metric(b, srv.base, "visio_sfu_forwarded_packets_total")
			return time.Duration((c1 - c0) / (p1 - p0) * 1e9), (c1 - c0) / window.Seconds() * 100
		}
		without, cpuWithout := measure()
		(&speaker{participant: a.participant}).control(b, `{"type":"recording","action":"start"}`)
		eventually(b, 10*time.Second, "recording active", func() bool { return a.recordingState().State == sig.RecordingActive })
		with, cpuWith := measure()
		(&speaker{participant: a.participant}).control(b, `{"type":"recording","action":"stop"}`)
		b.ReportMetric(float64(without.Nanoseconds()), "ns/fwd-packet-without")
		b.ReportMetric(float64(with.Nanoseconds()), "ns/fwd-packet-with")
		b.ReportMetric(cpuWithout, "cpu%-without")
		b.ReportMetric(cpuWith, "cpu%-with")
		b.ReportMetric(cpuWith-cpuWithout, "cpu%-recording/participant")
		stopMedia()
		a.wg.Wait()
		for _, s := range subs {
			s.close()
		}
		a.close()
		cancel()
		srv.kill()
	}
}
