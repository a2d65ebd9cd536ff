package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"visio/internal/api"
	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/recording/recordingtest"
	"visio/internal/signal"
)

// TestRecordingTracksOnly: on a server without ffmpeg (hidden from PATH) a recorded meeting is
// listed as per-track files, not composed; its owner lists and downloads each track and the
// manifest, a guest reaches none of them.
func TestRecordingTracksOnly(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	frames := recordingtest.Video(t, 320, 180, 15, 4)
	video := recordingtest.Payloads(frames)
	tone := recordingtest.ToneOpus(t, 440, 4)
	t.Setenv("PATH", t.TempDir())
	base := startServer(t, func(c *config.Config) { c.Recording.Notice = config.Duration(200 * time.Millisecond) })
	rtcAPI, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner, code := aliceRoom(ctx, t, base, "")
	a := joinPublisher(t, rtcAPI, base, code, "Alice", owner)
	mctx, stopMedia := context.WithCancel(ctx)
	defer func() { stopMedia(); a.wg.Wait() }()
	a.send(mctx, a.cam, video, time.Second/15)
	a.send(mctx, a.mic, tone, 20*time.Millisecond)
	(&speaker{participant: a.participant}).control(t, `{"type":"recording","action":"start"}`)
	eventually(t, 10*time.Second, "recording active", func() bool { return a.recordingState().State == signal.RecordingActive })
	time.Sleep(2500 * time.Millisecond)
	(&speaker{participant: a.participant}).control(t, `{"type":"recording","action":"stop"}`)

	var list api.RecordingList
	eventually(t, 30*time.Second, "the recording stored as per-track files", func() bool {
		getJSON(t, owner, base+"/api/v1/recordings?room="+code, &list)
		return len(list.Recordings) == 1 && list.Recordings[0].Status == "tracks_only"
	})
	rec := list.Recordings[0]
	if list.Composition || rec.TracksURL == "" || rec.FileURL != "" || rec.Error == "" || rec.Size == 0 {
		t.Fatalf("listed %+v", list)
	}
	var tracks api.RecordingTracks
	getJSON(t, owner, base+rec.TracksURL, &tracks)
	if len(tracks.Tracks) != 2 || tracks.ManifestURL == "" {
		t.Fatalf("tracks %+v", tracks)
	}
	magic := map[string][]byte{"audio/ogg": []byte("OggS"), "video/webm": {0x1a, 0x45, 0xdf, 0xa3}, "application/json": []byte("{")}
	files := map[string]string{tracks.ManifestURL: "application/json"}
	for _, tr := range tracks.Tracks {
		if tr.Name != "Alice" || tr.EndMS <= tr.OffsetMS {
			t.Errorf("track %+v", tr)
		}
		files[tr.URL] = tr.ContentType
	}
	for url, ctype := range files {
		resp, err := owner.Get(base + url + "?download")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ctype || !bytes.HasPrefix(b, magic[ctype]) ||
			resp.Header.Get("Content-Disposition") == "" {
			t.Errorf("GET %s: %s %s, %d bytes", url, resp.Status, resp.Header.Get("Content-Type"), len(b))
		}
	}
	if err := client.Call(ctx, owner, http.MethodGet, base+rec.TracksURL+"/..%2fserver.log", nil, nil); apiCode(err) != "recording_not_found" {
		t.Errorf("a file outside the recording: %v", err)
	}
	if err := client.Call(ctx, owner, http.MethodGet, base+"/api/v1/recordings/"+rec.ID+"/file", nil, nil); apiCode(err) != "recording_not_ready" {
		t.Errorf("composed file of a per-track recording: %v", err)
	}
	guest := &http.Client{Timeout: 10 * time.Second}
	for _, url := range []string{rec.TracksURL, tracks.ManifestURL, tracks.Tracks[0].URL} {
		if err := client.Call(ctx, guest, http.MethodGet, base+url, nil, nil); apiCode(err) != "recording_not_found" {
			t.Errorf("guest GET %s: %v, want recording_not_found", url, err)
		}
	}
}
