package loadtest

import (
	"fmt"
	"io"
	"time"
)

// Config describes one load test. Every field has a default (see Defaults).
type Config struct {
	// Room is the code of an existing public meeting to join, with Server, instead of creating
	// rooms: for example to watch a loaded meeting in a browser.
	Room string
	// Server is the base URL of a running server (http://host:port). Empty with Spawn or
	// InProcess.
	Server string
	// ServerPID is the process id of Server when it runs on this machine, to read its CPU and
	// memory from /proc; otherwise they come from its /metrics.
	ServerPID int
	// Spawn is the path of a visio binary to start as a child process (`visio serve` on
	// loopback with free ports) for the test, and stop afterwards.
	Spawn string
	// InProcess runs the server inside the load tester (its CPU then includes the
	// participants'); for CPU profiles, whose samples are labelled side=server or side=client.
	InProcess bool
	// CPUProfile, with InProcess, writes a CPU profile of the measurement window to this file.
	CPUProfile string

	// Rooms, Publishers and Subscribers per room. Publishers send audio and video (see
	// AudioOnly, Simulcast) and receive the others unless PublishOnly; subscribers only receive.
	Rooms, Publishers, Subscribers int
	// AudioOnly publishers send only Opus.
	AudioOnly bool
	// Simulcast publishers send VP8 in three layers (q, h, f); otherwise only the full layer.
	Simulcast bool
	// Burst publishers send each video frame's packets at once; by default they pace them as a
	// browser does (2.5 times the media rate, 5 ms bursts).
	Burst bool
	// PublishOnly publishers do not receive (they leave the subscriber connection unanswered).
	PublishOnly bool
	// ViewWidth x ViewHeight is the size at which receivers show every remote video, sent with
	// the subscribe message; 0 sends none (the server then forwards the lowest layer).
	ViewWidth, ViewHeight int

	// Duration of the measurement, after every receiver has media and Warmup has passed.
	Duration, Warmup time.Duration
	// JoinParallel is how many subscribers join at once.
	JoinParallel int

	// Media is the test media to publish; MediaDir caches it (made with ffmpeg when missing).
	Media    MediaSpec
	MediaDir string

	// Floor also runs the bare relay with the same packets and fan-out, before the SFU, for
	// FloorDuration.
	Floor         bool
	FloorDuration time.Duration
	// RelayCommand is the command that runs the floor relay (with RelayEnv set): by default
	// this executable with the argument "loadtest".
	RelayCommand []string

	// Transports, if set, runs the measurement once per subscriber transport (udp, tcp,
	// turn-udp, turn-tcp: transports.go), each on a new server, and compares their CPU per
	// forwarded packet with the first's. Empty: subscribers use UDP, once.
	Transports []string

	// Cluster, with Spawn, runs the measurement once per size listed: each time on that many
	// nodes (Spawn's `visio serve`) sharing a NATS server run by the load tester and a fresh
	// schema of Postgres, behind a round-robin HTTP front in the load tester through which
	// participants join, so that rooms spread over the nodes and signalling that enters a node
	// other than the room's is relayed (docs/BENCHMARKS.md, Several nodes).
	Cluster []int
	// Postgres is the PostgreSQL server the nodes of Cluster share (a URL); each cluster gets a
	// schema of its own, dropped at the end.
	Postgres string

	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Defaults returns a small load: one room, two publishers (audio and 640x360 VP8), two
// subscribers, ten seconds.
func Defaults() Config {
	return Config{
		Rooms: 1, Publishers: 2, Subscribers: 2,
		Duration: 10 * time.Second, Warmup: 2 * time.Second, JoinParallel: 8,
		Media:         MediaSpec{Width: 1280, Height: 720, FPS: 30, Duration: 10 * time.Second},
		MediaDir:      defaultMediaDir(),
		FloorDuration: 5 * time.Second,
	}
}

// Validate says what is wrong with c.
func (c *Config) Validate() error {
	n := 0
	for _, set := range []bool{c.Server != "", c.Spawn != "", c.InProcess} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return fmt.Errorf("%w: give exactly one of --server URL, --spawn PATH or --in-process", ErrBadConfig)
	case c.Rooms < 1 || c.Publishers < 0 || c.Subscribers < 0 || c.Publishers+c.Subscribers < 2:
		return fmt.Errorf("%w: want at least one room and two participants per room", ErrBadConfig)
	case c.Publishers < 1:
		return fmt.Errorf("%w: want at least one publisher", ErrBadConfig)
	case c.Duration <= 0 || c.Warmup < 0:
		return fmt.Errorf("%w: duration must be positive", ErrBadConfig)
	case c.Room != "" && (c.Server == "" || c.Rooms != 1):
		return fmt.Errorf("%w: --room joins one existing meeting on --server", ErrBadConfig)
	case c.Floor && c.FloorDuration <= 0:
		return fmt.Errorf("%w: floor duration must be positive", ErrBadConfig)
	case c.CPUProfile != "" && !c.InProcess:
		return fmt.Errorf("%w: --cpuprofile needs --in-process (profile a spawned server with perf, see docs/BENCHMARKS.md)", ErrBadConfig)
	case len(c.Transports) > 1 && c.Server != "":
		return fmt.Errorf("%w: comparing transports needs a server of its own per transport: use --spawn or --in-process", ErrBadConfig)
	case len(c.Cluster) > 0 && c.Spawn == "":
		return fmt.Errorf("%w: --spawn-cluster starts the nodes from --spawn PATH", ErrBadConfig)
	case len(c.Cluster) > 0 && c.Postgres == "":
		return fmt.Errorf("%w: --spawn-cluster needs the PostgreSQL the nodes share: --postgres URL (eval \"$(scripts/postgres-test.sh start)\" gives one)", ErrBadConfig)
	case len(c.Cluster) > 0 && len(c.Transports) > 0:
		return fmt.Errorf("%w: give --spawn-cluster or --transports, not both", ErrBadConfig)
	case (c.ViewWidth == 0) != (c.ViewHeight == 0):
		return fmt.Errorf("%w: the view size wants a width and a height", ErrBadConfig)
	}
	return nil
}

// viewLayer is the video layer receivers are expected to get: the smallest layer at least as
// wide as the view (the lowest without a view), or the only one without simulcast.
func (c *Config) viewLayer(m *Media) int {
	if !c.Simulcast {
		return 2
	}
	if c.ViewWidth == 0 {
		return 0
	}
	for l := range 3 {
		if m.Layers[l].Width >= c.ViewWidth {
			return l
		}
	}
	return 2
}

func (c *Config) receiversPerRoom() int {
	if c.PublishOnly {
		return c.Subscribers
	}
	return c.Subscribers + c.Publishers
}
