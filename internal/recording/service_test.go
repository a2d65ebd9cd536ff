package recording

import (
	"bufio"
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
	"visio/internal/store"
	"visio/internal/store/sqlite"
)

const helperEnv = "VISIO_RECORDING_TEST_HELPER"

// TestHelperRecordingProcess is not a test: it is the process TestKillMidRecording kills. It
// records real-time media until it is killed.
func TestHelperRecordingProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("run by TestKillMidRecording")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(ServiceParams{Dir: filepath.Join(dir, "recordings"), Storage: LocalStorage{Dir: filepath.Join(dir, "recordings")}, Store: db})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Start(ctx, StartParams{Room: "abc-defg-hij", StartedBy: Participant{ID: "A", Name: "Alice"}})
	if err != nil {
		t.Fatal(err)
	}
	video := recordingtest.Video(t, 160, 90, 15, 4)
	tone := recordingtest.ToneOpus(t, 440, 4)
	start := time.Now()
	told := false
	var seq [2]uint16
	for i := 0; ; i++ { // 20 ms ticks: audio every tick, video every third (16.7 fps)
		at := start.Add(time.Duration(i) * 20 * time.Millisecond)
		time.Sleep(time.Until(at))
		r.Packet("A", "TA_mic", sfu.SourceMicrophone, false, 0, time.Now().UnixNano(),
			&rtp.Packet{Header: rtp.Header{SequenceNumber: seq[0], Timestamp: uint32(i * 960)}, Payload: tone[i%len(tone)]})
		seq[0]++
		if i%3 == 0 {
			fr := video[(i/3)%len(video)]
			for k, p := range fr.Packets {
				r.Packet("A", "TA_cam", sfu.SourceCamera, true, 0, time.Now().UnixNano(),
					&rtp.Packet{Header: rtp.Header{SequenceNumber: seq[1], Timestamp: uint32(i * 1800), Marker: k == len(fr.Packets)-1}, Payload: p})
				seq[1]++
			}
		}
		if !told && time.Since(start) > 2*time.Second {
			told = true
			os.Stdout.WriteString("recording " + r.ID() + "\n")
		}
	}
}

// TestKillMidRecording kills a process while it records, then checks that the next start
// composes the partial recording, lists it as ready, and tells the webhook.
func TestKillMidRecording(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	t0 := time.Now()
	recordingtest.Video(t, 160, 90, 15, 4) // made before the child needs it
	recordingtest.ToneOpus(t, 440, 4)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRecordingProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "recording "); ok {
				line <- s
			}
		}
		close(line)
	}()
	var id string
	select {
	case id = <-line:
	case <-time.After(2 * time.Minute):
		t.Fatal("the recording process did not start recording")
	}
	t.Logf("recording after %s", time.Since(t0))
	killedAt := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// The webhook receiver.
	var mu sync.Mutex
	var got []WebhookEvent
	hook := &Webhook{Secret: []byte("s3cret")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !hmac.Equal([]byte(r.Header.Get("Visio-Signature")), []byte(hook.Sign(body))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev WebhookEvent
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	hook.URL = srv.URL

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rdir := filepath.Join(dir, "recordings")
	svc, err := NewService(ServiceParams{Dir: rdir, Storage: LocalStorage{Dir: rdir}, Store: db, Webhook: hook, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() { stop(); <-done }()

	rec := waitStatus(t, db, id, store.RecordingReady)
	t.Logf("ready after %s", time.Since(t0))
	m, err := ReadManifest(filepath.Join(rdir, id))
	if err != nil {
		t.Fatal(err)
	}
	recorded := killedAt.Sub(m.StartedAt)
	p := recordingtest.FFprobe(t, filepath.Join(rdir, rec.ObjectKey))
	if d := p.Duration - recorded; d < -time.Second || d > time.Second {
		t.Errorf("composed %s of a recording killed after %s", p.Duration, recorded)
	}
	if p.VideoFrames == 0 || len(p.Streams) != 2 {
		t.Errorf("composed file: %+v", p)
	}
	if list, err := db.RoomRecordings(ctx, "abc-defg-hij"); err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("listed %+v, %v", list, err)
	}
	mu.Lock()
	if len(got) != 1 || got[0].ID != id || got[0].Type != "recording.ready" {
		t.Errorf("webhook got %+v", got)
	}
	mu.Unlock()

	o, err := svc.Open(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if o.Size() != rec.Size || o.Size() == 0 {
		t.Errorf("stored size %d, record says %d", o.Size(), rec.Size)
	}
	_ = o.Close()

	// Retention: an hour later it is gone, files and record.
	svc.p.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n := svc.Sweep(ctx); n != 1 {
		t.Fatalf("swept %d recordings, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(rdir, id)); !os.IsNotExist(err) {
		t.Errorf("files left after the retention sweep: %v", err)
	}
	if _, err := db.Recording(ctx, id); err == nil {
		t.Error("record left after the retention sweep")
	}
}

// waitStatus waits for a recording to reach status.
func waitStatus(t *testing.T, db store.Recordings, id string, want store.RecordingStatus) store.Recording {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		rec, err := db.Recording(context.Background(), id)
		if err == nil && rec.Status == want {
			return rec
		}
		if err == nil && rec.Status == store.RecordingFailed {
			t.Fatalf("recording failed: %s", rec.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording %s is %+v (%v), want %s", id, rec, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
