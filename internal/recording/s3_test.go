package recording

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// The S3-compatible server of the tests: versitygw (Apache 2.0, a Go module), run as its own
// process on a loopback port with its POSIX back end in a temporary directory. It is built
// once with "go install" into the user cache directory (a few minutes), or taken from
// $VISIO_TEST_VERSITYGW.
const versitygwVersion = "v1.8.0"

func versitygwBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("VISIO_TEST_VERSITYGW"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no cache directory to build versitygw into")
	}
	dir := filepath.Join(cache, "visio", "tools", "versitygw-"+versitygwVersion)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/versity/versitygw/cmd/versitygw@"+versitygwVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building versitygw: %v\n%s", err, out)
	}
	return bin
}

// s3Server is a running versitygw.
type s3Server struct {
	t      *testing.T
	bin    string
	root   string
	addr   string
	cmd    *exec.Cmd
	access string
	secret string
}

func startS3(t *testing.T) *s3Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s := &s3Server{t: t, bin: versitygwBin(t), root: t.TempDir(), addr: addr, access: "visiotest", secret: "visiotestsecret"}
	if err := os.Mkdir(filepath.Join(s.root, "recordings"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *s3Server) start() {
	s.t.Helper()
	side := filepath.Join(filepath.Dir(s.root), "sidecar")
	_ = os.MkdirAll(side, 0o755)
	s.cmd = exec.Command(s.bin, "--access", s.access, "--secret", s.secret, "--port", s.addr, "posix", "--sidecar", side, s.root)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not start on %s: %v", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *s3Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// TestS3Storage stores, reads by range, and deletes a recording in a real S3-compatible
// server, and survives the server's restart in the middle of a multipart upload.
func TestS3Storage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an S3 server")
	}
	srv := startS3(t)
	var logs bytes.Buffer // written before Put returns
	st, err := NewS3Storage(S3Params{Endpoint: srv.addr, Bucket: "recordings", AccessKey: srv.access, SecretKey: srv.secret,
		Insecure: true, Prefix: "visio/", PartSize: 5 << 20, RetryWait: 200 * time.Millisecond, Attempts: 20,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A file of eight parts.
	data := make([]byte, 40<<20)
	_, _ = rand.Read(data)
	src := filepath.Join(t.TempDir(), "meeting.webm")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	key := "RE_s3test0001/meeting.webm"

	// Restart the server once the upload is under way: when its first part is on disk.
	put := make(chan error, 1)
	go func() { put <- st.Put(ctx, key, src, "video/webm") }()
	restarted := false
	for !restarted {
		select {
		case err := <-put:
			t.Fatalf("the upload ended (%v) before the server could be restarted mid-way", err)
		default:
		}
		if f := partOnDisk(srv.root); f != "" {
			t.Logf("restarting the server with %s on disk", f)
			srv.stop()
			time.Sleep(300 * time.Millisecond) // the client sees refused connections meanwhile
			srv.start()
			restarted = true
		}
		time.Sleep(time.Millisecond)
	}
	if err := <-put; err != nil {
		t.Fatalf("upload across a server restart: %v", err)
	}
	t.Logf("upload log: %s", logs.String())

	o, err := st.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if o.Size() != int64(len(data)) {
		t.Fatalf("stored %d bytes, want %d", o.Size(), len(data))
	}
	// A range, as a browser seeking asks for it.
	if _, err := o.Seek(30<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 1000)
	if _, err := io.ReadFull(o, part); err != nil || !bytes.Equal(part, data[30<<20:30<<20+1000]) {
		t.Fatalf("range read: %v, equal %v", err, bytes.Equal(part, data[30<<20:30<<20+1000]))
	}
	_ = o.Close()
	whole, _ := st.Open(ctx, key)
	got, err := io.ReadAll(whole)
	_ = whole.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), not what was stored", len(got), err)
	}

	if _, err := st.Open(ctx, "RE_s3test0001/missing.webm"); err != ErrNotStored {
		t.Errorf("open missing: %v, want ErrNotStored", err)
	}
	if err := st.Delete(ctx, "RE_s3test0001"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(ctx, key); err != ErrNotStored {
		t.Errorf("open after delete: %v, want ErrNotStored", err)
	}
	// No multipart upload is left behind.
	c, _ := minio.New(srv.addr, &minio.Options{Creds: credentials.NewStaticV4(srv.access, srv.secret, "")})
	for u := range c.ListIncompleteUploads(ctx, "recordings", "visio/", true) {
		if u.Err == nil {
			t.Logf("incomplete upload left: %s %s", u.Key, u.UploadID)
		}
	}
}

// partOnDisk returns a part of a multipart upload versitygw has written, or "".
func partOnDisk(root string) string {
	found := ""
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() >= 5<<20 {
			found = strings.TrimPrefix(p, root)
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// TestServiceWithS3: a finished recording is composed, uploaded to the bucket, its local files
// removed, served from the bucket and deleted from it.
func TestServiceWithS3(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an S3 server")
	}
	recordingtest.NeedFFmpeg(t)
	srv := startS3(t)
	st, err := NewS3Storage(S3Params{Endpoint: srv.addr, Bucket: "recordings", AccessKey: srv.access, SecretKey: srv.secret, Insecure: true})
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
	svc, err := NewService(ServiceParams{Dir: dir, Storage: st, Store: db, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	r, err := svc.Start(ctx, StartParams{Room: "abc-defg-hij", StartedBy: Participant{ID: "A", Name: "Alice"}, AudioOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	tone := recordingtest.ToneOpus(t, 440, 4)
	now := time.Now()
	for i := range 100 {
		r.Packet("A", "TA_mic", sfu.SourceMicrophone, false, 0, now.Add(time.Duration(i)*20*time.Millisecond).UnixNano(),
			&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: tone[i]})
	}
	time.Sleep(2 * time.Second) // the recording lasts two seconds
	svc.Finish(ctx, r)
	rec := waitStatus(t, db, r.ID(), store.RecordingReady)
	if rec.ContentType != "audio/ogg" || rec.ObjectKey != r.ID()+"/meeting.ogg" {
		t.Fatalf("record %+v", rec)
	}
	// The local files go once the record says ready.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, r.ID())); os.IsNotExist(err) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("local files kept after the upload: %v", err)
		}
	}
	o, err := svc.Open(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(o)
	_ = o.Close()
	if err != nil || int64(len(b)) != rec.Size || !bytes.HasPrefix(b, []byte("OggS")) {
		t.Fatalf("read %d bytes (%v), record says %d", len(b), err, rec.Size)
	}
	if err := svc.Delete(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(ctx, rec.ObjectKey); err != ErrNotStored {
		t.Errorf("the object is still there after delete: %v", err)
	}
}
