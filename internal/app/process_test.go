package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/api"
	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/recording/recordingtest"
	sig "visio/internal/signal"
)

const serverHelperEnv = "VISIO_APP_TEST_SERVER_DIR"

// TestHelperServerProcess is not a test: it is a visio server run as its own process by the
// tests that kill it or measure its CPU. It serves until it is killed or gets SIGTERM.
func TestHelperServerProcess(t *testing.T) {
	dir := os.Getenv(serverHelperEnv)
	if dir == "" {
		t.Skip("run by the tests that start a server process")
	}
	cfg := config.Default()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Media.UDPPort = 0
	cfg.Media.LoopbackOnly = true
	cfg.Store.DataDir = dir
	cfg.Room.MaxParticipants = 200
	cfg.Recording.Notice = config.Duration(200 * time.Millisecond)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, NewLogger(config.Log{Level: "info"}, os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fmt.Printf("url %s\n", a.URL())
	if err := a.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// serverProcess is a visio server in its own process.
type serverProcess struct {
	cmd  *exec.Cmd
	base string
}

// startServerProcess starts a server on data directory dir (reused across restarts).
func startServerProcess(t testing.TB, dir string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), serverHelperEnv+"="+dir)
	log, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serverProcess{cmd: cmd}
	t.Cleanup(s.kill)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "url "); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("the server process exited; see %s", filepath.Join(dir, "server.log"))
		}
		s.base = u
	case <-time.After(60 * time.Second):
		t.Fatal("the server process did not start")
	}
	return s
}

// kill kills the process at once (SIGKILL), as a crash would.
func (s *serverProcess) kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// cpuSeconds is the process's user + system CPU time (/proc/PID/stat, in clock ticks of 10 ms).
func (s *serverProcess) cpuSeconds(t testing.TB) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// TestRecordingSurvivesKill kills the server while a meeting is recorded: after the restart
// the partial recording is composed and listed, as long as what was recorded before the kill.
// A screen share (white) stopped 1.5 s into the recording, before the kill, leaves the stage
// then: the camera is back on it, not the share's black end.
func TestRecordingSurvivesKill(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	frames := recordingtest.Video(t, 320, 180, 15, 4)
	video := recordingtest.Payloads(frames)
	tone := recordingtest.ToneOpus(t, 440, 4)
	dir := t.TempDir()
	srv := startServerProcess(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	owner, err := client.SignIn(ctx, srv.base, "Alice", "alice@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	code, err := client.CreateRoomWith(ctx, owner, srv.base, "", "public")
	if err != nil {
		t.Fatal(err)
	}
	rtcAPI, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	a := joinPublisher(t, rtcAPI, srv.base, code, "Alice", owner)
	screen, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen", "s-screen")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.AddTrack(screen, "screen"); err != nil {
		t.Fatal(err)
	}
	nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
	if err := a.c.Negotiate(nctx, false); err != nil {
		t.Fatal(err)
	}
	ncancel()
	white := recordingtest.Flash(t, 320, 180, 15, 4, 0)
	shared := make([][]byte, len(white))
	for i, f := range white {
		shared[i] = f.Data
	}
	mctx, stopMedia := context.WithCancel(ctx)
	defer func() { stopMedia(); a.wg.Wait() }()
	a.send(mctx, a.cam, video, time.Second/15)
	a.send(mctx, a.mic, tone, 20*time.Millisecond)
	(&speaker{participant: a.participant}).control(t, `{"type":"recording","action":"start"}`)
	eventually(t, 10*time.Second, "recording active", func() bool { return a.recordingState().State == sig.RecordingActive })
	activeAt := time.Now()
	sctx, stopShare := context.WithTimeout(mctx, 1500*time.Millisecond)
	defer stopShare()
	a.send(sctx, screen, shared, time.Second/15)
	time.Sleep(4 * time.Second)
	srv.kill()
	recorded := time.Since(activeAt)
	stopMedia()
	a.close()

	srv = startServerProcess(t, dir)
	var list api.RecordingList
	eventually(t, 90*time.Second, "the partial recording composed and listed after the restart", func() bool {
		getJSON(t, owner, srv.base+"/api/v1/recordings?room="+code, &list)
		return len(list.Recordings) == 1 && list.Recordings[0].Status == "ready"
	})
	rec := list.Recordings[0]
	path := filepath.Join(t.TempDir(), "meeting.webm")
	download(t, owner, srv.base+rec.FileURL, path)
	p := recordingtest.FFprobe(t, path)
	if d := p.Duration - recorded; d < -time.Second || d > time.Second || p.VideoFrames == 0 {
		t.Errorf("composed %s with %d frames of a recording killed after %s", p.Duration, p.VideoFrames, recorded)
	}
	// The share is white on the stage (the left three quarters) while shared, then the camera
	// (which starts at its first keyframe, 2 s in) takes the whole picture, not the black end of
	// the share.
	luma := recordingtest.Luma(t, path, 25, 0.1, 0.25, 0.5, 0.5)
	if len(luma) < 90 || luma[25] < 200 || luma[62] < 30 || luma[62] > 200 || luma[87] < 30 || luma[87] > 200 {
		t.Errorf("the screen share does not leave the stage when it stopped: stage brightness %.0f", luma)
	}
	if rec.EndedAt == nil || rec.DurationMS == 0 {
		t.Errorf("record after recovery: %+v", rec)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "server.log")); !strings.Contains(string(log), "composing a recording left unfinished by a restart") {
		t.Errorf("the restarted server did not say it recovered the recording:\n%s", log)
	}
}
