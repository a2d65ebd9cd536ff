package loadtest

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/url"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/app"
	"visio/internal/client"
	"visio/internal/config"
)

// Measurement phases: receivers record only during phaseMeasure.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseDone
)

// runner is one load test in progress.
type runner struct {
	cfg      Config
	media    *Media
	epoch    time.Time
	seed     maphash.Seed
	reg      *registry
	counters *client.RTCPCounters
	api      *webrtc.API
	tcpAPI   *webrtc.API // subscribers over TCP (transports.go)
	loopback bool
	// transport is how subscribers reach the server (transports.go).
	transport string
	sendCtx   context.Context
	phase     atomic.Int32
	// createBase, if set, is where rooms are created (a cluster's first node); otherwise the
	// participants' server.
	createBase string
	log        io.Writer
	selfCPU0   float64 // this process's CPU seconds at the start of the window
}

// now is the time used for delays: monotonic nanoseconds since the start of the run.
func (r *runner) now() int64 { return int64(time.Since(r.epoch)) }

func (r *runner) logf(format string, a ...any) {
	fmt.Fprintf(r.log, "loadtest: "+format+"\n", a...)
}

// Run runs a load test and reports what it measured.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, epoch: time.Now(), seed: maphash.MakeSeed(), reg: newRegistry(),
		counters: &client.RTCPCounters{}, log: cfg.Log}
	if r.log == nil {
		r.log = io.Discard
	}
	r.logf("media: %dx%d VP8 at %d fps and Opus, cached in %s", cfg.Media.Width, cfg.Media.Height, cfg.Media.FPS, cfg.MediaDir)
	media, err := LoadMedia(ctx, cfg.MediaDir, cfg.Media)
	if err != nil {
		return nil, err
	}
	r.media = media
	rep := &Report{Config: cfg}
	if cfg.Floor {
		r.logf("floor: bare relay for %s", cfg.FloorDuration)
		if rep.Floor, err = r.runFloor(ctx); err != nil {
			return nil, err
		}
	}

	if len(cfg.Cluster) > 0 {
		if err := r.runCluster(ctx, rep); err != nil {
			return nil, err
		}
		return rep, nil
	}
	if len(cfg.Transports) > 0 {
		if err := r.runTransports(ctx, rep); err != nil {
			return nil, err
		}
		return rep, nil
	}
	if err := r.runOnce(ctx, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// runOnce starts the server and measures the SFU into rep.
func (r *runner) runOnce(ctx context.Context, rep *Report) error {
	base, pid, stop, err := r.startServer(ctx)
	if err != nil {
		return err
	}
	defer stop()
	r.loopback = isLoopbackURL(base)
	r.counters = &client.RTCPCounters{}
	r.tcpAPI = nil
	if r.api, err = client.NewAPIWith(client.APIOptions{Loopback: r.loopback, Counters: r.counters}); err != nil {
		return err
	}
	if r.transport == TransportTCP {
		if r.tcpAPI, err = client.NewAPIWith(client.APIOptions{Loopback: r.loopback, Counters: r.counters, TCPOnly: true}); err != nil {
			return err
		}
	}
	return r.runSFU(ctx, base, []target{{base: base, pid: pid}}, rep, nil)
}

// startServer starts the server the configuration asks for, and returns its URL, its process
// id (0 if unknown) and how to stop it.
func (r *runner) startServer(ctx context.Context) (base string, pid int, stop func(), err error) {
	cfg := &r.cfg
	switch {
	case cfg.Spawn != "":
		s, err := spawnServer(ctx, cfg.Spawn, os.Stderr)
		if err != nil {
			return "", 0, nil, err
		}
		r.logf("server: %s (pid %d)", s.base, s.pid())
		return s.base, s.pid(), s.stop, nil
	case cfg.InProcess:
		return r.startInProcess()
	}
	return cfg.Server, cfg.ServerPID, func() {}, nil
}

// startInProcess runs the whole service in this process, its goroutines labelled side=server
// for CPU profiles.
func (r *runner) startInProcess() (base string, pid int, stop func(), err error) {
	c := config.Default()
	c.HTTP.Addr = "127.0.0.1:0"
	c.Media.UDPPort = 0
	c.Media.TCPPort = 0
	c.TURN.Port = 0
	c.Media.LoopbackOnly = true
	c.Log.Level = "warn"
	c.Signal.MaxSocketsPerAddress = c.Signal.MaxSockets // every participant comes from one address
	// A throwaway store: the rooms and development sign-ins of a load test are not kept.
	dataDir, err := os.MkdirTemp("", "visio-loadtest-")
	if err != nil {
		return "", 0, nil, err
	}
	c.Store.DataDir = dataDir
	if err := c.Validate(); err != nil {
		_ = os.RemoveAll(dataDir)
		return "", 0, nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var a *app.App
	pprof.Do(runCtx, pprof.Labels("side", "server"), func(ctx context.Context) {
		a, err = app.New(c, app.NewLogger(c.Log, os.Stderr))
		if err == nil {
			go func() { done <- a.Run(ctx, nil) }()
		}
	})
	if err != nil {
		cancel()
		_ = os.RemoveAll(dataDir)
		return "", 0, nil, err
	}
	return a.URL(), 0, func() {
		cancel()
		<-done
		_ = os.RemoveAll(dataDir)
	}, nil
}

func isLoopbackURL(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// runSFU joins everyone through base, measures the servers (one, or a cluster's nodes, whose
// figures are summed), and fills rep; each node's samples go to per if not nil.
func (r *runner) runSFU(ctx context.Context, base string, servers []target, rep *Report, per *nodeSamples) error {
	cfg := &r.cfg
	idle, err := sampleAll(ctx, servers)
	if err != nil {
		return err
	}
	sendCtx, cancelSend := context.WithCancel(ctx)
	defer cancelSend()
	r.sendCtx = sendCtx

	var all []*participant
	defer func() {
		cancelSend()
		for _, p := range all {
			if p.pub != nil && p.pub.snd != nil {
				p.pub.snd.wait()
			}
		}
		r.closeAll(all)
	}()
	var joinErr error
	pprof.Do(ctx, pprof.Labels("side", "client"), func(ctx context.Context) {
		all, joinErr = r.joinAll(ctx, base)
	})
	if joinErr != nil {
		return joinErr
	}
	r.logf("joined: %d participants in %d rooms", len(all), cfg.Rooms)
	rep.Participants = len(all)
	if err := r.waitForMedia(ctx, all); err != nil {
		rep.Warnings = append(rep.Warnings, err.Error())
		r.logf("warning: %v", err)
	}
	if _, err := measureWindow(ctx, cfg.Warmup); err != nil {
		return err
	}

	before, err := sampleAll(ctx, servers)
	if err != nil {
		return err
	}
	c0 := snapshotCounters(r.counters)
	r.selfCPU0 = selfCPU()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	r.phase.Store(phaseMeasure)
	r.logf("measuring for %s", cfg.Duration)
	window, err := measureWindow(ctx, cfg.Duration)
	r.phase.Store(phaseDone)
	if cfg.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	after, err := sampleAll(ctx, servers)
	if err != nil {
		return err
	}
	c1 := snapshotCounters(r.counters)
	rep.fill(r, all, sumSamples(idle), sumSamples(before), sumSamples(after), c1.sub(c0), window, servers[0].pid == 0 && cfg.InProcess)
	if per != nil {
		*per = nodeSamples{idle: idle, before: before, after: after, window: window}
	}
	return nil
}

// sampleAll samples every server.
func sampleAll(ctx context.Context, servers []target) ([]serverSample, error) {
	out := make([]serverSample, len(servers))
	for i, s := range servers {
		var err error
		if out[i], err = sampleServer(ctx, s.base, s.pid); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sumSamples adds the servers' samples up: the cluster as one server.
func sumSamples(ss []serverSample) serverSample {
	var t serverSample
	for _, s := range ss {
		t.at = s.at
		t.cpu += s.cpu
		t.rss += s.rss
		t.heapInuse += s.heapInuse
		t.goroutines += s.goroutines
		t.fwdPackets += s.fwdPackets
		t.fwdBytes += s.fwdBytes
		t.participants += s.participants
	}
	return t
}

// joinAll creates the rooms and joins the publishers (one after the other, each publishing
// before the next joins) and then the subscribers (JoinParallel at once).
func (r *runner) joinAll(ctx context.Context, base string) ([]*participant, error) {
	cfg := &r.cfg
	var (
		mu  sync.Mutex
		all []*participant
	)
	codes := make([]string, cfg.Rooms)
	pubIndex := 0
	for room := range cfg.Rooms {
		code := cfg.Room
		if code == "" {
			jctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			var err error
			at := base
			if r.createBase != "" {
				at = r.createBase
			}
			code, err = client.CreateRoom(jctx, at)
			cancel()
			if err != nil {
				return all, err
			}
		}
		codes[room] = code
		for i := range cfg.Publishers {
			p := r.newParticipant(room, fmt.Sprintf("pub-%d-%d", room, i))
			p.pub = &publisher{times: newSendTimes(r.seed)}
			jctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err := p.join(jctx, base, code)
			if err == nil {
				all = append(all, p)
				err = p.publish(jctx, pubIndex)
			}
			cancel()
			if err != nil {
				return all, err
			}
			pubIndex++
		}
	}
	sem := make(chan struct{}, max(cfg.JoinParallel, 1))
	var wg sync.WaitGroup
	var firstErr error
	for room := range cfg.Rooms {
		for i := range cfg.Subscribers {
			p := r.newParticipant(room, fmt.Sprintf("sub-%d-%d", room, i))
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				err := p.join(jctx, base, codes[room])
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					return
				}
				all = append(all, p)
			}()
		}
	}
	wg.Wait()
	return all, firstErr
}

// waitForMedia waits until every receiver has media on a track of every other publisher of its
// room (audio, and video unless audio only).
func (r *runner) waitForMedia(ctx context.Context, all []*participant) error {
	cfg := &r.cfg
	perPub := 2
	if cfg.AudioOnly {
		perPub = 1
	}
	deadline := time.Now().Add(15*time.Second + time.Duration(len(all))*100*time.Millisecond)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		missing := 0
		for _, p := range all {
			want := cfg.Publishers * perPub
			if p.pub != nil {
				if cfg.PublishOnly {
					continue
				}
				want -= perPub
			}
			if int(p.mediaTracks.Load()) < want {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d receivers still lack some remote tracks; measuring anyway", missing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeAll makes everyone leave, a few at a time.
func (r *runner) closeAll(all []*participant) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, p := range all {
		c := p.c.Load()
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c.Leave(ctx)
		}()
	}
	wg.Wait()
}

// runFloor runs the bare relay with the publishers' packets and the same fan-out as the SFU
// run, and measures its CPU per forwarded packet.
func (r *runner) runFloor(ctx context.Context) (*FloorResult, error) {
	cfg := &r.cfg
	cmd := cfg.RelayCommand
	if len(cmd) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = []string{exe, "loadtest"}
	}
	var (
		streams []floorStream
		ssrcs   [][numStreams]uint32
		layers  []int
	)
	switch {
	case cfg.AudioOnly:
	case cfg.Simulcast:
		layers = []int{0, 1, 2}
	default:
		layers = []int{2}
	}
	fwdLayer := cfg.viewLayer(r.media)
	recvPerRoom := cfg.receiversPerRoom()
	for room := range cfg.Rooms {
		for i := range cfg.Publishers {
			// Receivers of this room: subscribers first, then publishers unless publish-only.
			var subs []int
			for k := range recvPerRoom {
				if !cfg.PublishOnly && k == cfg.Subscribers+i {
					continue // not to itself
				}
				subs = append(subs, room*recvPerRoom+k)
			}
			var ss [numStreams]uint32
			for s := range numStreams {
				ss[s] = randUint32()
			}
			ssrcs = append(ssrcs, ss)
			streams = append(streams, floorStream{ssrc: ss[streamAudio], subs: subs})
			for _, l := range layers {
				fs := floorStream{ssrc: ss[streamVideo+l]}
				if l == fwdLayer {
					fs.subs = subs
				}
				streams = append(streams, fs)
			}
		}
	}
	f, err := startFloor(ctx, cmd[0], cmd[1:], cfg.Rooms*recvPerRoom, streams)
	if err != nil {
		return nil, err
	}
	sendCtx, cancel := context.WithCancel(ctx)
	var senders []*sender
	var closers []func()
	defer func() {
		cancel()
		for _, s := range senders {
			s.wait()
		}
		for _, c := range closers {
			c()
		}
	}()
	for i, ss := range ssrcs {
		emit, closeFn, err := f.publisherEmit(ss)
		if err != nil {
			_, _ = f.stop()
			return nil, err
		}
		closers = append(closers, closeFn)
		s := newSender(r.media, true, layers, i*7, r.cfg.Burst, emit)
		s.start(sendCtx)
		senders = append(senders, s)
	}
	res := &FloorResult{}
	err = func() error {
		if _, err := measureWindow(ctx, max(cfg.Warmup, time.Second)); err != nil {
			return err
		}
		cpu0, _, err := procStats(f.pid())
		if err != nil {
			return err
		}
		n0 := f.received.Load()
		f.measuring.Store(true)
		window, err := measureWindow(ctx, cfg.FloorDuration)
		f.measuring.Store(false)
		if err != nil {
			return err
		}
		cpu1, _, err := procStats(f.pid())
		if err != nil {
			return err
		}
		res.Window = window
		res.Packets = float64(f.received.Load() - n0)
		res.CPUSeconds = cpu1 - cpu0
		return nil
	}()
	cancel()
	for _, s := range senders {
		s.wait()
	}
	senders = nil
	forwarded, serr := f.stop()
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	if forwarded == 0 {
		return nil, errors.New("floor relay forwarded nothing")
	}
	f.mu.Lock()
	res.Delay = f.delay.summary()
	f.mu.Unlock()
	return res, nil
}
