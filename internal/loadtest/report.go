package loadtest

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"visio/internal/client"
)

// Report is what a load test measured. Rates and CPU are over the measurement window.
type Report struct {
	Config       Config `json:"-"`
	Participants int
	Window       time.Duration

	// Server side, from its /metrics and /proc.
	ForwardedPackets   float64 // packets forwarded to subscribers during the window
	ForwardedPerSec    float64
	ForwardedMbps      float64
	ServerCPUSeconds   float64
	ServerCPUPercent   float64       // of one core
	CPUPerPacket       time.Duration // server CPU per forwarded packet
	RSSIdle, RSSEnd    float64       // resident memory before the joins and at the end, bytes
	HeapIdle, HeapEnd  float64       // Go heap in use, bytes
	RSSPerParticipant  float64
	HeapPerParticipant float64
	InProcess          bool // the CPU figures include the participants' own work
	// TesterCPUPercent is the load tester's own CPU (of one core) and LoadAverage the machine's
	// one-minute load average at the end: when either is near the number of cores, the
	// participants were starved and delays and losses say more about the machine than the server.
	TesterCPUPercent float64
	LoadAverage      float64

	// Receivers' side.
	ReceivedPackets uint64
	LostPackets     uint64
	LossPercent     float64
	RTCP            RTCPCounts
	Join            percentiles // WebSocket open to welcome
	FirstMedia      percentiles // WebSocket open to the first media packet received
	DelayAudio      percentiles // publisher send to subscriber receive
	DelayVideo      percentiles
	Unmatched       uint64 // received packets whose send time was not found

	Floor    *FloorResult
	Ratio    float64 // CPUPerPacket / Floor.CPUPerPacket
	Warnings []string
	// Transports compares subscriber transports (Config.Transports), the first the reference.
	Transports []TransportResult `json:",omitempty"`
	// Clusters compares cluster sizes (Config.Cluster); the fields above are the first size's.
	Clusters []ClusterResult `json:",omitempty"`
}

// FloorResult is the bare relay's measurement.
type FloorResult struct {
	Window     time.Duration
	Packets    float64
	CPUSeconds float64
	Delay      percentiles // publisher send to subscriber receive, audio and video
}

// CPUPerPacket is the relay's CPU per forwarded packet.
func (f *FloorResult) CPUPerPacket() time.Duration {
	if f.Packets == 0 {
		return 0
	}
	return time.Duration(f.CPUSeconds / f.Packets * 1e9)
}

// RTCPCounts are the RTCP feedback messages counted by the participants during the window:
// sent by receivers to the server, and received by publishers from it.
type RTCPCounts struct {
	NACKsSent, NACKedSent, PLIsSent, FIRsSent int64
	NACKsRecv, NACKedRecv, PLIsRecv, FIRsRecv int64
}

func snapshotCounters(c *client.RTCPCounters) RTCPCounts {
	return RTCPCounts{
		NACKsSent: c.NACKsSent.Load(), NACKedSent: c.NACKedPacketsSent.Load(), PLIsSent: c.PLIsSent.Load(), FIRsSent: c.FIRsSent.Load(),
		NACKsRecv: c.NACKsRecv.Load(), NACKedRecv: c.NACKedPacketsRecv.Load(), PLIsRecv: c.PLIsRecv.Load(), FIRsRecv: c.FIRsRecv.Load(),
	}
}

func (a RTCPCounts) sub(b RTCPCounts) RTCPCounts {
	return RTCPCounts{
		a.NACKsSent - b.NACKsSent, a.NACKedSent - b.NACKedSent, a.PLIsSent - b.PLIsSent, a.FIRsSent - b.FIRsSent,
		a.NACKsRecv - b.NACKsRecv, a.NACKedRecv - b.NACKedRecv, a.PLIsRecv - b.PLIsRecv, a.FIRsRecv - b.FIRsRecv,
	}
}

func (rep *Report) fill(r *runner, all []*participant, idle, before, after serverSample, rtcp RTCPCounts, window time.Duration, inProcess bool) {
	rep.Window = window
	secs := window.Seconds()
	rep.ForwardedPackets = after.fwdPackets - before.fwdPackets
	rep.ForwardedPerSec = rep.ForwardedPackets / secs
	rep.ForwardedMbps = (after.fwdBytes - before.fwdBytes) * 8 / secs / 1e6
	rep.ServerCPUSeconds = after.cpu - before.cpu
	rep.ServerCPUPercent = rep.ServerCPUSeconds / secs * 100
	if rep.ForwardedPackets > 0 {
		rep.CPUPerPacket = time.Duration(rep.ServerCPUSeconds / rep.ForwardedPackets * 1e9)
	}
	rep.RSSIdle, rep.RSSEnd = idle.rss, after.rss
	rep.HeapIdle, rep.HeapEnd = idle.heapInuse, after.heapInuse
	if n := float64(len(all)); n > 0 {
		rep.RSSPerParticipant = (after.rss - idle.rss) / n
		rep.HeapPerParticipant = (after.heapInuse - idle.heapInuse) / n
	}
	rep.InProcess = inProcess
	rep.TesterCPUPercent = (selfCPU() - r.selfCPU0) / secs * 100
	rep.LoadAverage = loadAverage()
	rep.RTCP = rtcp

	var join, first, audio, video histogram
	for _, p := range all {
		join.add(p.joinTime)
		if f := p.firstRecv.Load(); f > 0 {
			first.add(time.Duration(f))
		}
		p.mu.Lock()
		tracks := append([]*trackStats(nil), p.tracks...)
		p.mu.Unlock()
		for _, t := range tracks {
			t.mu.Lock()
			rep.ReceivedPackets += t.packets
			if t.started {
				if expected := uint64(t.maxExt - t.minExt + 1); expected > t.packets {
					rep.LostPackets += expected - t.packets
				}
			}
			rep.Unmatched += t.unmatched
			if t.video {
				video.merge(&t.delay)
			} else {
				audio.merge(&t.delay)
			}
			t.mu.Unlock()
		}
	}
	if total := rep.ReceivedPackets + rep.LostPackets; total > 0 {
		rep.LossPercent = float64(rep.LostPackets) / float64(total) * 100
	}
	rep.Join, rep.FirstMedia = join.summary(), first.summary()
	rep.DelayAudio, rep.DelayVideo = audio.summary(), video.summary()
	if rep.Floor != nil && rep.Floor.CPUPerPacket() > 0 {
		rep.Ratio = float64(rep.CPUPerPacket) / float64(rep.Floor.CPUPerPacket())
	}
}

// WriteText writes the report for a person.
func (rep *Report) WriteText(w io.Writer) {
	c := &rep.Config
	media := "audio + VP8 " + fmt.Sprintf("%dx%d", c.Media.Width, c.Media.Height)
	switch {
	case c.AudioOnly:
		media = "audio only"
	case c.Simulcast:
		media += " simulcast q/h/f"
	}
	if c.ViewWidth > 0 {
		media += fmt.Sprintf(", viewed at %dx%d", c.ViewWidth, c.ViewHeight)
	}
	pubs := "publishers receive"
	if c.PublishOnly {
		pubs = "publishers publish only"
	}
	fmt.Fprintf(w, "load: %d room(s) x (%d publishers + %d subscribers), %s, %s; %d participants; window %.1fs\n",
		c.Rooms, c.Publishers, c.Subscribers, media, pubs, rep.Participants, rep.Window.Seconds())
	fmt.Fprintf(w, "forwarded:   %.0f packets/s, %.1f Mbit/s\n", rep.ForwardedPerSec, rep.ForwardedMbps)
	note := ""
	if rep.InProcess {
		note = "  (in-process: includes the participants' CPU)"
	}
	fmt.Fprintf(w, "server CPU:  %.1f%% of a core, %.2f µs per forwarded packet%s\n", rep.ServerCPUPercent, us(rep.CPUPerPacket), note)
	if f := rep.Floor; f != nil {
		fmt.Fprintf(w, "floor:       %.2f µs per forwarded packet (bare relay, %.0f packets/s over %.1fs)\n",
			us(f.CPUPerPacket()), f.Packets/f.Window.Seconds(), f.Window.Seconds())
		fmt.Fprintf(w, "ratio:       SFU / floor = %.2f\n", rep.Ratio)
		fmt.Fprintf(w, "floor delay: %s\n", f.Delay.ms())
	}
	fmt.Fprintf(w, "machine:     load tester %.0f%% of a core, load average %.1f on %d cores\n", rep.TesterCPUPercent, rep.LoadAverage, runtime.NumCPU())
	fmt.Fprintf(w, "memory:      RSS %.0f -> %.0f MiB (%.0f KiB per participant), Go heap %.0f -> %.0f MiB (%.0f KiB per participant)\n",
		rep.RSSIdle/(1<<20), rep.RSSEnd/(1<<20), rep.RSSPerParticipant/1024, rep.HeapIdle/(1<<20), rep.HeapEnd/(1<<20), rep.HeapPerParticipant/1024)
	fmt.Fprintf(w, "received:    %d packets, %d lost (%.3f%%)\n", rep.ReceivedPackets, rep.LostPackets, rep.LossPercent)
	fmt.Fprintf(w, "RTCP:        receivers sent %d NACKs (%d packets), %d PLIs, %d FIRs; publishers got %d NACKs (%d packets), %d PLIs, %d FIRs\n",
		rep.RTCP.NACKsSent, rep.RTCP.NACKedSent, rep.RTCP.PLIsSent, rep.RTCP.FIRsSent,
		rep.RTCP.NACKsRecv, rep.RTCP.NACKedRecv, rep.RTCP.PLIsRecv, rep.RTCP.FIRsRecv)
	fmt.Fprintf(w, "join:        %s\n", rep.Join.ms())
	fmt.Fprintf(w, "first media: %s\n", rep.FirstMedia.ms())
	fmt.Fprintf(w, "delay audio: %s\n", rep.DelayAudio.ms())
	fmt.Fprintf(w, "delay video: %s\n", rep.DelayVideo.ms())
	if rep.Unmatched > 0 {
		fmt.Fprintf(w, "unmatched:   %d packets whose send time was not found\n", rep.Unmatched)
	}
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "warning:     %s\n", wn)
	}
	rep.writeTransports(w)
	rep.writeClusters(w)
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func (p percentiles) ms() string {
	if p.N == 0 {
		return "no samples"
	}
	f := func(d time.Duration) float64 { return float64(d) / 1e6 }
	return fmt.Sprintf("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", f(p.P50), f(p.P90), f(p.P99), f(p.Max), p.N)
}

// selfCPU returns this process's CPU seconds.
func selfCPU() float64 {
	cpu, err := procCPU(os.Getpid())
	if err != nil {
		return 0
	}
	return cpu
}

// loadAverage returns the one-minute load average (0 if unknown).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}
