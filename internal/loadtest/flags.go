package loadtest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ParseFlags reads the flags of `visio loadtest` into a configuration.
func ParseFlags(args []string, stderr io.Writer) (Config, bool, error) {
	cfg := Defaults()
	fs := flag.NewFlagSet("visio loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: visio loadtest (--server URL [--server-pid PID] | --spawn PATH | --in-process) [flags]

Runs headless participants that publish VP8 (optionally simulcast) and Opus made with ffmpeg,
and reports forwarded packets and bitrate, loss, NACKs, PLIs, join times, forwarding delay and
the server's CPU and memory. With --floor it first measures a bare relay (SRTP decrypt once,
then per subscriber SRTP encrypt and UDP send) with the same packets and fan-out, and quotes the
server's CPU per forwarded packet as a ratio to it.

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Server, "server", "", "base URL of a running server, e.g. http://127.0.0.1:8080")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "process id of --server on this machine, to read its CPU and memory from /proc")
	fs.StringVar(&cfg.Spawn, "spawn", "", "path of a visio binary to start as the server (on loopback, free ports)")
	fs.BoolVar(&cfg.InProcess, "in-process", false, "run the server in this process (CPU figures then include the participants)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "with --in-process: write a CPU profile of the measurement (go tool pprof -tagfocus side=server)")
	fs.IntVar(&cfg.Rooms, "rooms", cfg.Rooms, "rooms")
	fs.StringVar(&cfg.Room, "room", "", "with --server: join this existing public meeting (code) instead of creating rooms")
	fs.IntVar(&cfg.Publishers, "publishers", cfg.Publishers, "publishers per room")
	fs.IntVar(&cfg.Subscribers, "subscribers", cfg.Subscribers, "receive-only participants per room")
	fs.BoolVar(&cfg.AudioOnly, "audio-only", false, "publishers send audio only")
	fs.BoolVar(&cfg.Simulcast, "simulcast", false, "publishers send video in three layers (q, h, f)")
	fs.BoolVar(&cfg.Burst, "burst", false, "publishers send each video frame at once instead of pacing it like a browser")
	fs.BoolVar(&cfg.PublishOnly, "publish-only", false, "publishers do not receive the others")
	view := fs.String("view", "", "size WxH at which receivers show each video (subscribe message); default none, or 640x360 with --simulcast")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "measurement time, after everyone has media and the warm-up")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "time between everyone having media and the measurement")
	fs.IntVar(&cfg.JoinParallel, "join-parallel", cfg.JoinParallel, "subscribers joining at once")
	size := fs.String("video-size", fmt.Sprintf("%dx%d", cfg.Media.Width, cfg.Media.Height), "size WxH of the full video layer (the others are 1/2 and 1/4)")
	fs.IntVar(&cfg.Media.FPS, "fps", cfg.Media.FPS, "video frames per second")
	fs.DurationVar(&cfg.Media.Duration, "media-duration", cfg.Media.Duration, "length of the media made (it loops)")
	fs.StringVar(&cfg.MediaDir, "media-dir", cfg.MediaDir, "where the media made with ffmpeg is cached")
	fs.BoolVar(&cfg.Floor, "floor", false, "first measure the bare-relay floor with the same packets and fan-out")
	fs.DurationVar(&cfg.FloorDuration, "floor-duration", cfg.FloorDuration, "measurement time of the floor")
	trans := fs.String("transports", "", "compare subscriber transports, each on a server of its own: a list of udp, tcp, turn-udp, turn-tcp (the first is the reference), e.g. udp,tcp,turn-udp")
	sizes := fs.String("spawn-cluster", "", "with --spawn: measure clusters of these sizes in turn, e.g. 1,2,3 (nodes sharing a NATS run here and --postgres, behind a round-robin front)")
	fs.StringVar(&cfg.Postgres, "postgres", firstEnv("VISIO_STORE_POSTGRES_URL", "VISIO_TEST_POSTGRES_URL"), "with --spawn-cluster: the PostgreSQL the nodes share (default $VISIO_STORE_POSTGRES_URL, else $VISIO_TEST_POSTGRES_URL)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("%w: unexpected argument %q", ErrBadConfig, fs.Arg(0))
	}
	var err error
	if cfg.Transports, err = parseTransports(*trans); err != nil {
		return cfg, false, err
	}
	if cfg.Cluster, err = parseSizes(*sizes); err != nil {
		return cfg, false, err
	}
	if cfg.Media.Width, cfg.Media.Height, err = parseSize(*size); err != nil {
		return cfg, false, err
	}
	switch {
	case *view != "":
		if cfg.ViewWidth, cfg.ViewHeight, err = parseSize(*view); err != nil {
			return cfg, false, err
		}
	case cfg.Simulcast:
		cfg.ViewWidth, cfg.ViewHeight = 640, 360
	}
	return cfg, *asJSON, cfg.Validate()
}

// firstEnv is the first of these environment variables that is set.
func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func parseSize(s string) (w, h int, err error) {
	a, b, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("%w: size %q: want WIDTHxHEIGHT, e.g. 1280x720", ErrBadConfig, s)
	}
	return w, h, nil
}

// Main runs `visio loadtest args` (or the floor relay, when started as one) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if IsRelayChild() {
		if err := RelayMain(os.Stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "visio loadtest relay:", err)
			return 1
		}
		return 0
	}
	cfg, asJSON, err := ParseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "visio loadtest:", err)
		return 2
	}
	cfg.Log = stderr
	rep, err := Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "visio loadtest:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		rep.WriteText(stdout)
	}
	return 0
}
