package recording

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/pion/rtp"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
	"visio/internal/store"
	"visio/internal/store/sqlite"
)

// TestNodeLostForGood: node A records with S3 storage, uploading its tracks every 300 ms, and
// is lost for good 3 s in (its disk gone, nothing finished). Node B, sharing the store and the
// bucket, sees A's uploads stop, fetches what reached the bucket and composes it: the recording
// is ready, about as long as what A had uploaded, and the segments are gone from the bucket.
func TestNodeLostForGood(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an S3 server")
	}
	recordingtest.NeedFFmpeg(t)
	tone := recordingtest.ToneOpus(t, 440, 4)
	srv := startS3(t)
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
	node := func() (*Service, string, context.CancelFunc, chan struct{}) {
		dir := t.TempDir()
		svc, err := NewService(ServiceParams{Dir: dir, Storage: st, Store: db, Retention: time.Hour,
			LiveEvery: 300 * time.Millisecond, LiveStale: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = svc.Run(runCtx); close(done) }()
		return svc, dir, stop, done
	}
	a, dirA, stopA, doneA := node()
	r, err := a.Start(ctx, StartParams{Room: "abc-defg-hij", StartedBy: Participant{ID: "A", Name: "Alice"}, AudioOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 150 { // 3 s of audio, in real time
		at := start.Add(time.Duration(i) * 20 * time.Millisecond)
		time.Sleep(time.Until(at))
		r.Packet("A", "TA_mic", sfu.SourceMicrophone, false, 0, at.UnixNano(),
			&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: tone[i]})
	}
	// Node A is lost: its process and its disk.
	stopA()
	<-doneA
	lost := time.Since(start)
	r.Halt()
	_, _ = r.Stop()
	if err := os.RemoveAll(dirA); err != nil {
		t.Fatal(err)
	}
	if rec, _ := db.Recording(ctx, r.ID()); rec.Status != store.RecordingActive {
		t.Fatalf("record after the loss: %+v", rec)
	}

	_, _, stopB, doneB := node()
	defer func() { stopB(); <-doneB }()
	rec := waitStatus(t, db, r.ID(), store.RecordingReady)
	t.Logf("lost after %s; composed %s from the bucket", lost.Round(time.Millisecond), rec.Duration.Round(time.Millisecond))
	if rec.Duration < lost-600*time.Millisecond || rec.Duration > lost+300*time.Millisecond {
		t.Errorf("composed %s of a recording lost after %s", rec.Duration, lost)
	}
	// The tone is there throughout: the segments were put back together.
	o, err := st.Open(ctx, rec.ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "meeting.ogg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(f, o)
	_ = o.Close()
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	lv := recordingtest.ToneLevels(t, path, 250*time.Millisecond, 440)
	for i, row := range lv[1 : len(lv)-1] {
		if row[0] < 0.02 {
			t.Errorf("no tone at %s of the composed file\n%s", time.Duration(i+1)*250*time.Millisecond, recordingtest.FormatLevels(lv))
			break
		}
	}
	c, _ := minio.New(srv.addr, &minio.Options{Creds: credentials.NewStaticV4(srv.access, srv.secret, "")})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n := 0
		for o := range c.ListObjects(ctx, "recordings", minio.ListObjectsOptions{Prefix: "visio/live/", Recursive: true}) {
			if o.Err == nil {
				n++
			}
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d segments left in the bucket", n)
		}
	}
}
