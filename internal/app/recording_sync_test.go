package app

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/api"
	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/recording"
	"visio/internal/recording/recordingtest"
	"visio/internal/signal"
)

// ntpTime is t as a 64-bit NTP timestamp (RFC 3550).
func ntpTime(t time.Time) uint64 {
	ns := t.UnixNano()
	secs := uint64(ns/1e9) + 2208988800
	return secs<<32 | uint64(ns%1e9)<<32/1e9
}

// TestRecordingLipSync: a pion publisher captures a tone and a white picture at the same
// instant, 2 s into its media, but its video leaves 500 ms after its audio (an encoder's delay),
// and it sends RTCP sender reports dated at capture, as a browser does. In the composed file the
// picture turns white within a frame (40 ms) of the tone's start, where arrival alone would put
// it 500 ms late; the manifest says the tracks were placed by sender reports.
func TestRecordingLipSync(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	const fps, skew, change = 25, 500 * time.Millisecond, 2 * time.Second
	frames := recordingtest.Flash(t, 320, 180, fps, 4, change)
	tone := recordingtest.ToneFrom(t, 1000, 4, change)
	recDir := t.TempDir()
	base := startServer(t, func(c *config.Config) {
		c.Recording.Notice = config.Duration(200 * time.Millisecond)
		c.Recording.Dir = recDir
	})
	rtcAPI, err := client.NewAPIWith(client.APIOptions{Loopback: true, OwnSenderReports: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner, code := aliceRoom(ctx, t, base, "")
	a := joinAs(t, rtcAPI, base, code, "Alice", owner)
	cam, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "s")
	if err != nil {
		t.Fatal(err)
	}
	mic, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "s")
	if err != nil {
		t.Fatal(err)
	}
	camS, err := a.c.AddTrack(cam, "camera")
	if err != nil {
		t.Fatal(err)
	}
	micS, err := a.c.AddTrack(mic, "microphone")
	if err != nil {
		t.Fatal(err)
	}
	nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
	if err := a.c.Negotiate(nctx, false); err != nil {
		t.Fatal(err)
	}
	ncancel()
	(&speaker{participant: a}).control(t, `{"type":"recording","action":"start"}`)
	eventually(t, 10*time.Second, "recording active", func() bool { return a.recordingState().State == signal.RecordingActive })

	// Capture starts at t0: audio packet i is taken at t0+20ms*i and sent then, video frame j
	// taken at t0+j/fps and sent skew later. RTP times count from capture.
	t0 := time.Now()
	baseA, baseV := rand.Uint32(), rand.Uint32()
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 3)
	wait := func(at time.Time) bool {
		select {
		case <-mctx.Done():
			return false
		case <-time.After(time.Until(at)):
			return true
		}
	}
	go func() {
		defer func() { done <- struct{}{} }()
		for i, p := range tone {
			if !wait(t0.Add(time.Duration(i) * 20 * time.Millisecond)) {
				return
			}
			_ = mic.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: baseA + uint32(i*960)}, Payload: p})
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		seq := uint16(0)
		for j, fr := range frames {
			if !wait(t0.Add(time.Duration(j)*time.Second/fps + skew)) {
				return
			}
			for k, p := range fr.Packets {
				_ = cam.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: baseV + uint32(j*90000/fps),
					Marker: k == len(fr.Packets)-1}, Payload: p})
				seq++
			}
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		for wait(time.Now().Add(250 * time.Millisecond)) {
			now := time.Now()
			el := now.Sub(t0)
			for _, s := range []struct {
				sender *webrtc.RTPSender
				base   uint32
				rate   int64
			}{{micS, baseA, 48000}, {camS, baseV, 90000}} {
				sr := &rtcp.SenderReport{SSRC: uint32(s.sender.GetParameters().Encodings[0].SSRC), NTPTime: ntpTime(now),
					RTPTime: s.base + uint32(int64(el)*s.rate/int64(time.Second))}
				_, _ = s.sender.Transport().WriteRTCP([]rtcp.Packet{sr})
			}
		}
	}()
	time.Sleep(4*time.Second + skew + 300*time.Millisecond)
	(&speaker{participant: a}).control(t, `{"type":"recording","action":"stop"}`)
	stop()
	for range 3 {
		<-done
	}
	var list api.RecordingList
	eventually(t, 90*time.Second, "the recording composed", func() bool {
		getJSON(t, owner, base+"/api/v1/recordings?room="+code, &list)
		return len(list.Recordings) == 1 && list.Recordings[0].Status == "ready"
	})
	rec := list.Recordings[0]
	m, err := recording.ReadManifest(filepath.Join(recDir, rec.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range m.Tracks {
		t.Logf("%s %s: offset %d ms (arrival %d ms), %s, end %d ms", tr.Source, tr.ID, tr.OffsetMS, tr.ArrivalOffsetMS, tr.Sync, tr.EndMS)
		if tr.Sync != "sender_report" {
			t.Errorf("track %s placed by %q, want sender_report", tr.ID, tr.Sync)
		}
	}
	path := filepath.Join(t.TempDir(), "meeting.webm")
	download(t, owner, base+rec.FileURL, path)
	luma := recordingtest.Luma(t, path, fps, 0.25, 0.25, 0.5, 0.5)
	white := -1
	for i, l := range luma {
		if l > 128 {
			white = i
			break
		}
	}
	const step = 5 * time.Millisecond
	lv := recordingtest.ToneLevels(t, path, step, 1000)
	loud := -1
	for i, row := range lv {
		if row[0] > 0.05 {
			loud = i
			break
		}
	}
	if white < 0 || loud < 0 {
		t.Fatalf("no white picture (%v) or no tone in the composed file", luma)
	}
	pic, snd := time.Duration(white)*time.Second/fps, time.Duration(loud)*step
	t.Logf("picture white at %s, tone from %s: %s apart", pic, snd, pic-snd)
	// A 25 fps picture changes up to a frame (40 ms) after the instant; the tone is found within
	// 5 ms windows.
	if d := pic - snd; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("the picture turns white at %s and the tone starts at %s: %s apart, want within a frame", pic, snd, d)
	}
	if os.Getenv("VISIO_TEST_KEEP") != "" {
		_ = os.Rename(path, os.Getenv("VISIO_TEST_KEEP"))
	}
}
