package recording

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
)

// BenchmarkTapPacket is the cost recording adds to a forwarding goroutine per packet: copy
// into a pooled buffer and hand-off on the bounded queue.
func BenchmarkTapPacket(b *testing.B) {
	r := &Recorder{queue: make(chan *packetItem, 1024)}
	pkt := &rtp.Packet{Header: rtp.Header{SequenceNumber: 1, Timestamp: 2}, Payload: make([]byte, 1100)}
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt.Payload)))
	for i := 0; b.Loop(); i++ {
		pkt.SequenceNumber = uint16(i)
		r.Packet("PA_x", "TR_x", sfu.SourceCamera, true, 0, int64(i), pkt)
		if len(r.queue) == cap(r.queue) { // the writer's part, not timed
			b.StopTimer()
			for len(r.queue) > 0 {
				itemPool.Put(<-r.queue)
			}
			b.StartTimer()
		}
	}
	if d := r.dropped.Load(); d != 0 {
		b.Fatalf("%d of %d dropped", d, b.N)
	}
}

// BenchmarkRecorderWrite is the writer goroutine's cost per packet, audio (Ogg) and video
// (frame assembly and WebM), from the tap to the file.
func BenchmarkRecorderWrite(b *testing.B) {
	recordingtest.NeedFFmpeg(b)
	frames := recordingtest.Video(b, 640, 360, 30, 4)
	tone := recordingtest.ToneOpus(b, 440, 4)
	for _, kind := range []string{"audio", "video"} {
		b.Run(kind, func(b *testing.B) {
			r, err := Start(Params{Dir: filepath.Join(b.TempDir(), "RE_bench0001"), ID: "RE_bench0001"})
			if err != nil {
				b.Fatal(err)
			}
			var its []*packetItem
			for i := range 4000 {
				it := &packetItem{participant: "PA_x", track: "TR_" + kind, video: kind == "video", arrival: int64(i) * int64(20*time.Millisecond)}
				if kind == "audio" {
					it.seq, it.ts, it.n = uint16(i), uint32(i*960), copy(it.buf[:], tone[i%len(tone)])
					its = append(its, it)
					continue
				}
			}
			if kind == "video" {
				its = its[:0]
				seq := 0
				for i := 0; len(its) < 4000; i++ {
					fr := frames[i%len(frames)]
					for k, p := range fr.Packets {
						it := &packetItem{participant: "PA_x", track: "TR_video", video: true, arrival: int64(i) * int64(time.Second/30),
							seq: uint16(seq), ts: uint32(i * 3000), marker: k == len(fr.Packets)-1}
						it.n = copy(it.buf[:], p)
						its = append(its, it)
						seq++
					}
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				src := its[i%len(its)]
				it := itemPool.Get().(*packetItem)
				*it = *src
				round := uint32(i / len(its))
				if kind == "video" {
					it.seq += uint16(round * uint32(len(its)))
					it.ts += round * uint32(len(frames)*3000)
				} else {
					it.seq += uint16(round * uint32(len(its)))
					it.ts += round * uint32(len(its)*960)
				}
				r.write(it)
				i++
			}
			b.StopTimer()
			if _, err := r.Stop(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkCompose composes a recording of four participants (cameras 320x180 at 15 fps,
// audio) into 1280x720 WebM, and reports the time and ffmpeg's CPU per minute of meeting. The
// recording lasts 10 s, or a minute with VISIO_BENCH_LONG=1 (the figures of docs/BENCHMARKS.md).
func BenchmarkCompose(b *testing.B) {
	recordingtest.NeedFFmpeg(b)
	video := recordingtest.Video(b, 320, 180, 15, 4)
	tone := recordingtest.ToneOpus(b, 440, 4)
	dir := filepath.Join(b.TempDir(), "RE_compose001")
	clk := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	r, err := Start(Params{Dir: dir, ID: "RE_compose001", QueueLen: 1 << 20, Now: clk.now})
	if err != nil {
		b.Fatal(err)
	}
	f := &feeder{r: r, t0: clk.t}
	secs := 10
	if os.Getenv("VISIO_BENCH_LONG") != "" {
		secs = 60
	}
	for p := range 4 {
		part := fmt.Sprintf("P%d", p)
		for i := 0; i < secs*50; i++ {
			f.packet(part, part+"_mic", sfu.SourceMicrophone, false, time.Duration(i)*20*time.Millisecond, uint32(i*960), false, tone[i%len(tone)])
			if f.count%4096 == 0 {
				time.Sleep(time.Millisecond) // let the writer keep up with the queue
			}
		}
		for i := 0; i < secs*15; i++ {
			fr := video[i%len(video)]
			for k, pk := range fr.Packets {
				f.packet(part, part+"_cam", sfu.SourceCamera, true, time.Duration(i)*time.Second/15, uint32(i*6000), k == len(fr.Packets)-1, pk)
			}
		}
	}
	clk.t = clk.t.Add(time.Duration(secs) * time.Second)
	if _, err := r.Stop(); err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		c, err := Compose(context.Background(), ComposeParams{Dir: dir, Out: filepath.Join(dir, fmt.Sprintf("out-%d.webm", i))})
		if err != nil {
			b.Fatal(err)
		}
		cpu += c.CPU
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(secs)/60), "s/meeting-minute")
	b.ReportMetric(cpu.Seconds()/float64(b.N)/(float64(secs)/60), "cpu-s/meeting-minute")
}
