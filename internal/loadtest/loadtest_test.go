package loadtest

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/testenv"
)

func TestMain(m *testing.M) {
	if IsRelayChild() { // the floor relay, started by a test below
		if err := RelayMain(os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// testMedia makes tiny media (320x180, 2 s) in a temporary directory; without ffmpeg the test
// fails in CI and is skipped elsewhere (testenv).
func testMedia(t *testing.T) (dir string, spec MediaSpec) {
	t.Helper()
	testenv.Program(t, "ffmpeg", "ffmpeg")
	return t.TempDir(), MediaSpec{Width: 320, Height: 180, FPS: 30, Duration: 2 * time.Second}
}

func TestLoadMedia(t *testing.T) {
	dir, spec := testMedia(t)
	m, err := LoadMedia(context.Background(), dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	for l, want := range [3]int{80, 160, 320} {
		layer := m.Layers[l]
		if layer.Width != want || len(layer.Frames) < 50 || !layer.Frames[0].Keyframe {
			t.Errorf("layer %s: %dx%d, %d frames", layerRIDs[l], layer.Width, layer.Height, len(layer.Frames))
		}
	}
	if n := len(m.Audio); n < 90 || n > 110 {
		t.Errorf("%d Opus packets for 2 s, want about 100", n)
	}
	// A second load uses the cached files.
	if _, err := LoadMedia(context.Background(), dir, spec); err != nil {
		t.Fatal(err)
	}
}

// TestRun runs the whole load tester for a few seconds against an in-process server, with the
// floor, and checks that media flowed and every figure was measured.
func TestRun(t *testing.T) {
	dir, spec := testMedia(t)
	for _, tc := range []struct {
		name      string
		simulcast bool
	}{{"single", false}, {"simulcast", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.InProcess = true
			cfg.Publishers, cfg.Subscribers = 2, 2
			cfg.Simulcast = tc.simulcast
			if tc.simulcast {
				cfg.ViewWidth, cfg.ViewHeight = 320, 180
			}
			cfg.Duration, cfg.Warmup = time.Second, 200*time.Millisecond
			cfg.Media, cfg.MediaDir = spec, dir
			cfg.Floor, cfg.FloorDuration = true, 500*time.Millisecond
			cfg.RelayCommand = []string{os.Args[0], "-test.run=^$"}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			rep, err := Run(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			rep.WriteText(&out)
			t.Log("\n" + out.String())
			if rep.Participants != 4 || rep.ForwardedPackets == 0 || rep.ReceivedPackets == 0 {
				t.Errorf("participants %d, forwarded %v, received %d", rep.Participants, rep.ForwardedPackets, rep.ReceivedPackets)
			}
			if rep.DelayAudio.N == 0 || rep.DelayVideo.N == 0 || rep.Join.N != 4 || rep.FirstMedia.N != 4 {
				t.Errorf("missing samples: delay audio %d video %d, join %d, first media %d",
					rep.DelayAudio.N, rep.DelayVideo.N, rep.Join.N, rep.FirstMedia.N)
			}
			if rep.Floor == nil || rep.Floor.Packets == 0 || rep.Floor.CPUSeconds <= 0 || rep.Ratio <= 0 || rep.Floor.Delay.N == 0 {
				t.Errorf("floor: %+v, ratio %v", rep.Floor, rep.Ratio)
			}
		})
	}
}

// TestRunTransports compares subscriber transports in one run: subscribers over TCP and
// through the relay receive the media, and each transport's CPU per packet is quoted against
// the first's.
func TestRunTransports(t *testing.T) {
	dir, spec := testMedia(t)
	cfg := Defaults()
	cfg.InProcess = true
	cfg.Publishers, cfg.Subscribers = 1, 2
	cfg.Transports = []string{TransportUDP, TransportTCP, TransportTURNUDP}
	cfg.Duration, cfg.Warmup = time.Second, 200*time.Millisecond
	cfg.Media, cfg.MediaDir = spec, dir
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.WriteText(&out)
	t.Log("\n" + out.String())
	if len(rep.Transports) != 3 || rep.Transports[0].Ratio != 1 {
		t.Fatalf("transports %+v", rep.Transports)
	}
	for _, tr := range rep.Transports {
		if tr.ForwardedPerSec == 0 || tr.CPUPerPacket <= 0 || tr.Ratio <= 0 {
			t.Errorf("%s: %+v", tr.Transport, tr)
		}
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
		want func(Config) bool
	}{
		{[]string{"--server", "http://127.0.0.1:8080", "--publishers", "1", "--subscribers", "50"}, true,
			func(c Config) bool { return c.Publishers == 1 && c.Subscribers == 50 && c.ViewWidth == 0 }},
		{[]string{"--spawn", "bin/visio", "--simulcast", "--floor"}, true,
			func(c Config) bool { return c.Simulcast && c.Floor && c.ViewWidth == 640 && c.ViewHeight == 360 }},
		{[]string{"--in-process", "--audio-only", "--view", "320x180", "--video-size", "640x360"}, true,
			func(c Config) bool { return c.AudioOnly && c.ViewWidth == 320 && c.Media.Width == 640 }},
		{nil, false, nil}, // no server
		{[]string{"--server", "x", "--spawn", "y"}, false, nil},
		{[]string{"--server", "x", "--view", "big"}, false, nil},
		{[]string{"--server", "x", "--cpuprofile", "p"}, false, nil},
		{[]string{"--server", "x", "--publishers", "0"}, false, nil},
		{[]string{"--server", "x", "extra"}, false, nil},
		{[]string{"--spawn", "bin/visio", "--transports", "udp,turn-tcp"}, true,
			func(c Config) bool { return len(c.Transports) == 2 && c.Transports[1] == TransportTURNTCP }},
		{[]string{"--spawn", "bin/visio", "--transports", "udp,quic"}, false, nil},
		{[]string{"--server", "x", "--transports", "udp,tcp"}, false, nil},
		{[]string{"--spawn", "bin/visio", "--spawn-cluster", "1,2,3", "--postgres", "postgres:///x"}, true,
			func(c Config) bool { return len(c.Cluster) == 3 && c.Cluster[2] == 3 && c.Postgres == "postgres:///x" }},
		{[]string{"--spawn", "bin/visio", "--spawn-cluster", "1,0", "--postgres", "postgres:///x"}, false, nil},
		{[]string{"--server", "x", "--spawn-cluster", "2", "--postgres", "postgres:///x"}, false, nil},
		{[]string{"--spawn", "bin/visio", "--spawn-cluster", "2", "--postgres", ""}, false, nil},
	} {
		cfg, _, err := ParseFlags(tc.args, io.Discard)
		if tc.ok != (err == nil) {
			t.Errorf("%q: error %v", tc.args, err)
			continue
		}
		if !tc.ok && !errors.Is(err, ErrBadConfig) {
			t.Errorf("%q: error %v is not ErrBadConfig", tc.args, err)
		}
		if tc.want != nil && !tc.want(cfg) {
			t.Errorf("%q: config %+v", tc.args, cfg)
		}
	}
}
