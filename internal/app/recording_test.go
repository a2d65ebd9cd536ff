package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"visio/internal/api"
	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/recording/recordingtest"
	"visio/internal/signal"
)

// publisher is a headless participant sending a VP8 camera and an Opus microphone, in real
// time, looping known media.
type publisher struct {
	*participant
	cam, mic *webrtc.TrackLocalStaticSample
	wg       sync.WaitGroup
}

func joinPublisher(t testing.TB, api *webrtc.API, base, code, name string, hc *http.Client) *publisher {
	t.Helper()
	p := &publisher{participant: joinAs(t, api, base, code, name, hc)}
	var err error
	if p.cam, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam-"+name, "s-"+name); err != nil {
		t.Fatal(err)
	}
	if p.mic, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic-"+name, "s-"+name); err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.AddTrack(p.cam, "camera"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.AddTrack(p.mic, "microphone"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.c.Negotiate(ctx, false); err != nil {
		t.Fatalf("negotiate: %v", err)
	}
	return p
}

// send loops frames (at fps) or Opus packets (20 ms) on track until ctx ends.
func (p *publisher) send(ctx context.Context, track *webrtc.TrackLocalStaticSample, samples [][]byte, every time.Duration) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		next := time.Now()
		for i := 0; ctx.Err() == nil; i++ {
			_ = track.WriteSample(media.Sample{Data: samples[i%len(samples)], Duration: every})
			next = next.Add(every)
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(next)):
			}
		}
	}()
}

// recordingState returns the last recording state p saw.
func (p *participant) recordingState() signal.RecordingState {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		switch m := p.events[i].(type) {
		case *signal.RecordingState:
			return *m
		case *signal.Welcome:
			return m.Recording
		}
	}
	return signal.RecordingState{}
}

// sawRecordingState reports whether p was ever told state.
func (p *participant) sawRecordingState(state string) bool {
	return p.sawEvent(func(m any) bool {
		s, ok := m.(*signal.RecordingState)
		return ok && s.State == state
	})
}

// TestRecordingMeeting records a meeting of two headless participants publishing known VP8
// and Opus media (Alice: a 440 Hz tone from the start; Bob: a 1000 Hz tone from 1.5 s), then
// checks the composed file (duration, frame count, each tone at its offset), the API's range
// requests, and that nobody but the room's owner reaches the recording.
func TestRecordingMeeting(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	frames := recordingtest.Video(t, 320, 180, 15, 4)
	video := recordingtest.Payloads(frames)
	toneA, toneB := recordingtest.ToneOpus(t, 440, 4), recordingtest.ToneOpus(t, 1000, 4)
	base := startServer(t, func(c *config.Config) { c.Recording.Notice = config.Duration(300 * time.Millisecond) })
	rtcAPI, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner, code := aliceRoom(ctx, t, base, "Point hebdo")
	a := joinPublisher(t, rtcAPI, base, code, "Alice", owner)
	b := joinPublisher(t, rtcAPI, base, code, "Bob", nil)
	if st := a.c.Welcome().Recording; !st.Available || st.State != signal.RecordingOff || !st.CanControl {
		t.Fatalf("Alice's welcome recording state %+v, want available, off, controllable", st)
	}
	if st := b.c.Welcome().Recording; st.CanControl {
		t.Fatalf("Bob (a guest) may control recording: %+v", st)
	}
	mctx, stopMedia := context.WithCancel(ctx)
	defer func() { stopMedia(); a.wg.Wait(); b.wg.Wait() }()
	a.send(mctx, a.cam, video, time.Second/15)
	a.send(mctx, a.mic, toneA, 20*time.Millisecond)
	b.send(mctx, b.cam, video, time.Second/15)

	// A guest may not start it.
	(&speaker{participant: b.participant}).control(t, `{"type":"recording","action":"start"}`)
	eventually(t, 5*time.Second, "Bob refused", func() bool {
		return b.sawEvent(func(m any) bool { e, ok := m.(*signal.ErrorMessage); return ok && e.Code == signal.CodeForbidden })
	})
	(&speaker{participant: a.participant}).control(t, `{"type":"recording","action":"start"}`)
	eventually(t, 5*time.Second, "everyone told before recording begins", func() bool {
		return a.sawRecordingState(signal.RecordingStarting) && b.sawRecordingState(signal.RecordingStarting)
	})
	eventually(t, 5*time.Second, "everyone sees the recording indicator", func() bool {
		return a.recordingState().State == signal.RecordingActive && b.recordingState().State == signal.RecordingActive
	})
	activeAt := time.Now()
	started := *a.recordingState().StartedAt
	// Someone arriving now knows from the welcome, before sending any media.
	late := join(t, rtcAPI, base, code, "Late")
	if st := late.c.Welcome().Recording; st.State != signal.RecordingActive || st.By == nil || st.By.Name != "Alice" {
		t.Fatalf("late joiner's welcome: %+v", st)
	}
	late.close()

	time.Sleep(1500 * time.Millisecond)
	bStart := time.Now()
	b.send(mctx, b.mic, toneB, 20*time.Millisecond)
	time.Sleep(2500 * time.Millisecond)
	(&speaker{participant: a.participant}).control(t, `{"type":"recording","action":"stop"}`)
	stopAt := time.Now()
	eventually(t, 5*time.Second, "everyone told recording stopped", func() bool {
		return a.recordingState().State == signal.RecordingOff && b.recordingState().State == signal.RecordingOff
	})

	var list api.RecordingList
	eventually(t, 90*time.Second, "the recording composed and listed", func() bool {
		getJSON(t, owner, base+"/api/v1/recordings?room="+code, &list)
		return len(list.Recordings) == 1 && list.Recordings[0].Status == "ready"
	})
	rec := list.Recordings[0]
	if !list.Composition || rec.StartedBy != "Alice" || rec.FileURL == "" || rec.CaptionsURL != "" || rec.ContentType != "video/webm" {
		t.Fatalf("listed %+v", list)
	}
	recorded := stopAt.Sub(activeAt)
	if got := metric(t, base, `visio_recording_compositions_total{result="ready"}`); got != 1 {
		t.Errorf("compositions ready = %v, want 1", got)
	}
	if got := metric(t, base, "visio_recordings_active"); got != 0 {
		t.Errorf("recordings active = %v after the stop, want 0", got)
	}
	t.Logf("recorded %s (started %s), composed %d ms, %d bytes", recorded.Round(time.Millisecond), started.Format(time.StampMilli), rec.DurationMS, rec.Size)

	// The file, whole, then a range as a seeking player asks.
	path := filepath.Join(t.TempDir(), "meeting.webm")
	download(t, owner, base+rec.FileURL+"?download", path)
	p := recordingtest.FFprobe(t, path)
	if d := p.Duration - recorded; d < -time.Second || d > time.Second {
		t.Errorf("composed %s, recorded %s", p.Duration, recorded)
	}
	if want := int(p.Duration.Seconds() * 25); p.VideoFrames < want*95/100 || p.VideoFrames > want*105/100 {
		t.Errorf("%d video frames in %s, want about %d", p.VideoFrames, p.Duration, want)
	}
	const step = 250 * time.Millisecond
	lv := recordingtest.ToneLevels(t, path, step, 440, 1000)
	bOff := bStart.Sub(activeAt)
	for i, row := range lv {
		at := time.Duration(i) * step
		if at < step || at+step > p.Duration-300*time.Millisecond {
			continue
		}
		if row[0] < 0.02 {
			t.Errorf("at %s: Alice's tone missing\n%s", at, recordingtest.FormatLevels(lv))
			break
		}
		if at+step < bOff-500*time.Millisecond && row[1] > 0.02 {
			t.Errorf("at %s: Bob's tone before he spoke (%s)\n%s", at, bOff, recordingtest.FormatLevels(lv))
			break
		}
		if at > bOff+500*time.Millisecond && row[1] < 0.02 {
			t.Errorf("at %s: Bob's tone missing (he spoke from %s)\n%s", at, bOff, recordingtest.FormatLevels(lv))
			break
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+rec.FileURL, nil)
	req.Header.Set("Range", "bytes=100-199")
	resp, err := owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	whole, _ := os.ReadFile(path)
	if resp.StatusCode != http.StatusPartialContent || len(part) != 100 || string(part) != string(whole[100:200]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(whole)) {
		t.Errorf("range request: %s %q, %d bytes", resp.Status, resp.Header.Get("Content-Range"), len(part))
	}

	checkRecordingAccess(t, ctx, base, code, owner, rec)

	// The owner deletes it.
	if err := client.Call(ctx, owner, http.MethodDelete, base+"/api/v1/recordings/"+rec.ID, nil, nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := client.Call(ctx, owner, http.MethodGet, base+"/api/v1/recordings/"+rec.ID, nil, nil); apiCode(err) != "recording_not_found" {
		t.Errorf("after delete: %v", err)
	}
}

// download saves url to path.
func download(t *testing.T, hc *http.Client, url, path string) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/webm" {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Fatal(err)
	}
}

// checkRecordingAccess: guests, other users, the owner of another room and a signed-out
// session neither see, read, download nor delete the recording.
func checkRecordingAccess(t *testing.T, ctx context.Context, base, code string, owner *http.Client, rec api.RecordingJSON) {
	t.Helper()
	eve, err := client.SignIn(ctx, base, "Eve", "eve@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	eveRoom, err := client.CreateRoomWith(ctx, eve, base, "Eve's", "public")
	if err != nil {
		t.Fatal(err)
	}
	// A session of the owner's, signed out: its cookie is a stale link.
	stale, err := client.SignIn(ctx, base, "Alice", "alice@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(base)
	cookies := stale.Jar.Cookies(u)
	if err := client.Call(ctx, stale, http.MethodPost, base+"/auth/logout", nil, nil); err != nil {
		t.Fatal(err)
	}
	replay, _ := cookiejar.New(nil)
	replay.SetCookies(u, cookies)
	signedOut := &http.Client{Jar: replay, Timeout: 10 * time.Second}

	for name, hc := range map[string]*http.Client{"guest": {Timeout: 10 * time.Second}, "another user": eve, "signed-out session": signedOut} {
		for _, q := range []string{"", "?room=" + code, "?room=" + eveRoom, "?room=../" + code} {
			var l api.RecordingList
			getJSON(t, hc, base+"/api/v1/recordings"+q, &l)
			if len(l.Recordings) != 0 {
				t.Errorf("%s lists %d recordings with %q", name, len(l.Recordings), q)
			}
		}
		for _, path := range []string{"", "/file", "/captions"} {
			if err := client.Call(ctx, hc, http.MethodGet, base+"/api/v1/recordings/"+rec.ID+path, nil, nil); apiCode(err) != "recording_not_found" {
				t.Errorf("%s GET %s: %v, want recording_not_found", name, path, err)
			}
		}
		if err := client.Call(ctx, hc, http.MethodDelete, base+"/api/v1/recordings/"+rec.ID, nil, nil); apiCode(err) != "recording_not_found" {
			t.Errorf("%s DELETE: %v, want recording_not_found", name, err)
		}
	}
	for _, id := range []string{"RE_000000000000", "..%2f..%2fetc%2fpasswd", "RE_x", rec.ID + "%00"} {
		if err := client.Call(ctx, owner, http.MethodGet, base+"/api/v1/recordings/"+id+"/file", nil, nil); apiCode(err) != "recording_not_found" {
			t.Errorf("owner GET %s: %v, want recording_not_found", id, err)
		}
	}
	// A page of another site cannot make the owner's browser delete it.
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/recordings/"+rec.ID, nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site DELETE: %s, want 403", resp.Status)
	}
	var l api.RecordingList
	getJSON(t, owner, base+"/api/v1/recordings", &l)
	if len(l.Recordings) != 1 || l.Recordings[0].ID != rec.ID {
		t.Errorf("after the attempts the owner lists %+v", l.Recordings)
	}
}
