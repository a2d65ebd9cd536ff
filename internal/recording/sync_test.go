package recording

import (
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
)

// unixToNTP is the inverse of ntpToUnix.
func unixToNTP(ns int64) uint64 {
	secs := ns/int64(time.Second) + ntpEpochOffset
	frac := uint64(ns%int64(time.Second)) << 32 / 1e9
	return uint64(secs)<<32 | frac
}

func TestNTPToUnix(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 123456789, time.UTC).UnixNano()
	if got := ntpToUnix(unixToNTP(at)); got-at > 1 || at-got > 1 {
		t.Fatalf("ntpToUnix(unixToNTP(%d)) = %d", at, got)
	}
}

// TestSenderReportAlignment: a publisher's audio and video are captured from 100 ms on, the
// audio arrives 20 ms after capture and the video 420 ms after (a slow encoder, a jitter buffer);
// the publisher's clock is 5 s ahead of the server's. With its sender reports both tracks start
// at 120 ms (the capture plus the network's 20 ms); B, who sends no sender report, is placed by
// arrival, and the manifest says which is which.
func TestSenderReportAlignment(t *testing.T) {
	defer goleak.VerifyNone(t)
	video := recordingtest.Video(t, 160, 90, 15, 4)
	tone := recordingtest.ToneOpus(t, 440, 4)
	dir := filepath.Join(t.TempDir(), "RE_sync0001")
	clk := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	r, err := Start(Params{Dir: dir, ID: "RE_sync0001", Room: "abc-defg-hij", QueueLen: 1 << 16, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	f := &feeder{r: r, t0: clk.t}
	const capture, net, encoder = 100 * time.Millisecond, 20 * time.Millisecond, 400 * time.Millisecond
	const ahead = 5 * time.Second
	sr := func(track string, video bool, at time.Duration) {
		rate := int64(48000)
		if video {
			rate = 90000
		}
		ts := f.base[track] + uint32(int64(at-capture)*rate/int64(time.Second))
		r.SenderReport("A", track, 0, ts, unixToNTP(clk.t.Add(at+ahead).UnixNano()), clk.t.Add(at+net).UnixNano())
	}
	for i, p := range tone[:100] {
		at := capture + time.Duration(i)*20*time.Millisecond
		f.packet("A", "TA_mic", sfu.SourceMicrophone, false, at+net, uint32(i*960), false, p)
		f.packet("B", "TB_mic", sfu.SourceMicrophone, false, at+300*time.Millisecond, uint32(i*960), false, p)
		if i%25 == 24 {
			sr("TA_mic", false, at)
		}
	}
	for i, fr := range video[:30] {
		at := capture + time.Duration(i)*time.Second/15
		for k, p := range fr.Packets {
			f.packet("A", "TA_cam", sfu.SourceCamera, true, at+net+encoder, uint32(i*6000), k == len(fr.Packets)-1, p)
		}
		if i%15 == 14 {
			sr("TA_cam", true, at)
		}
	}
	clk.t = clk.t.Add(3 * time.Second)
	m, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Track{
		"TA_mic": {OffsetMS: 120, ArrivalOffsetMS: 120, Sync: "sender_report", EndMS: 2120},
		"TA_cam": {OffsetMS: 120, ArrivalOffsetMS: 520, Sync: "sender_report", EndMS: 120 + 30*1000/15},
		"TB_mic": {OffsetMS: 400, ArrivalOffsetMS: 400, Sync: "arrival", EndMS: 2400},
	}
	if len(m.Tracks) != len(want) {
		t.Fatalf("tracks %+v", m.Tracks)
	}
	for _, tr := range m.Tracks {
		w := want[tr.ID]
		if d := tr.OffsetMS - w.OffsetMS; d < -1 || d > 1 || tr.ArrivalOffsetMS != w.ArrivalOffsetMS || tr.Sync != w.Sync ||
			tr.EndMS-tr.OffsetMS != w.EndMS-w.OffsetMS {
			t.Errorf("%s: offset %d (arrival %d, %s), end %d; want offset %d (arrival %d, %s), end %d",
				tr.ID, tr.OffsetMS, tr.ArrivalOffsetMS, tr.Sync, tr.EndMS, w.OffsetMS, w.ArrivalOffsetMS, w.Sync, w.EndMS)
		}
	}
	if got, err := ReadManifest(dir); err != nil || len(got.Tracks) != 3 || got.Tracks[0].Sync == "" {
		t.Errorf("manifest on disk: %+v, %v", got, err)
	}
}
