package recording

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
	"visio/internal/store"
	"visio/internal/store/sqlite"
)

// TestTracksOnlyToS3: on a server without ffmpeg (hidden from PATH), a finished recording's
// per-track files and manifest are uploaded to the bucket, its local directory removed; the
// record says tracks_only, the files are read back from the bucket, nothing but them is served,
// and deleting the recording empties the bucket.
func TestTracksOnlyToS3(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an S3 server")
	}
	recordingtest.NeedFFmpeg(t) // to make the test media, before ffmpeg is hidden
	video := recordingtest.Video(t, 160, 90, 15, 4)
	tone := recordingtest.ToneOpus(t, 440, 4)
	srv := startS3(t)
	t.Setenv("PATH", t.TempDir())
	st, err := NewS3Storage(S3Params{Endpoint: srv.addr, Bucket: "recordings", AccessKey: srv.access, SecretKey: srv.secret, Insecure: true, Prefix: "visio/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	svc, err := NewService(ServiceParams{Dir: dir, Storage: st, Store: db, FFmpeg: "ffmpeg", Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if svc.CanCompose() {
		t.Fatal("ffmpeg found with an empty PATH")
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	r, err := svc.Start(ctx, StartParams{Room: "abc-defg-hij", StartedBy: Participant{ID: "A", Name: "Alice"},
		Participants: []Participant{{ID: "A", Name: "Alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 50 {
		r.Packet("A", "TA_mic", sfu.SourceMicrophone, false, 0, now.Add(time.Duration(i)*20*time.Millisecond).UnixNano(),
			&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: tone[i]})
	}
	seq := uint16(0)
	for i, fr := range video[:15] {
		for k, p := range fr.Packets {
			r.Packet("A", "TA_cam", sfu.SourceCamera, true, 0, now.Add(time.Duration(i)*time.Second/15).UnixNano(),
				&rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(i * 6000), Marker: k == len(fr.Packets)-1}, Payload: p})
			seq++
		}
	}
	time.Sleep(time.Second)
	svc.Finish(ctx, r)
	rec := waitStatus(t, db, r.ID(), store.RecordingTracksOnly)
	if rec.Error != TracksMessage || rec.ObjectKey != r.ID()+"/"+ManifestFile || rec.Size == 0 || rec.Duration <= 0 {
		t.Fatalf("record %+v", rec)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, r.ID())); os.IsNotExist(err) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("local files kept after the upload: %v", err)
		}
	}
	m, err := svc.Tracks(ctx, rec)
	if err != nil || len(m.Tracks) != 2 || m.ParticipantName("A") != "Alice" {
		t.Fatalf("tracks from the bucket: %+v, %v", m, err)
	}
	magic := map[string][]byte{"audio": []byte("OggS"), "video": {0x1a, 0x45, 0xdf, 0xa3}}
	var total int64
	for _, tr := range m.Tracks {
		o, err := svc.OpenTrack(ctx, rec, tr.File)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(o)
		_ = o.Close()
		if err != nil || !bytes.HasPrefix(b, magic[tr.Kind]) || len(b) < 1000 {
			t.Errorf("%s from the bucket: %d bytes, %v", tr.File, len(b), err)
		}
		total += int64(len(b))
	}
	if o, err := svc.OpenTrack(ctx, rec, ManifestFile); err != nil {
		t.Error(err)
	} else {
		_ = o.Close()
	}
	for _, name := range []string{"../manifest.json", "camera-9.webm", "meeting.webm", ".manifest-1"} {
		if _, err := svc.OpenTrack(ctx, rec, name); !errors.Is(err, ErrNotStored) {
			t.Errorf("OpenTrack(%q): %v, want ErrNotStored", name, err)
		}
	}
	if _, err := svc.Open(ctx, store.Recording{ID: rec.ID, ObjectKey: rec.ID + "/meeting.webm"}); !errors.Is(err, ErrNotStored) {
		t.Errorf("a composed file exists: %v", err)
	}
	if err := svc.Delete(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(ctx, rec.ObjectKey); !errors.Is(err, ErrNotStored) {
		t.Errorf("the manifest is still in the bucket after delete: %v", err)
	}
}
