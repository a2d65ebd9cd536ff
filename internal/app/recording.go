package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"visio/internal/config"
	"visio/internal/recording"
	"visio/internal/room"
	"visio/internal/routine"
	"visio/internal/signal"
	"visio/internal/store"
)

// recordings is meeting recording's part of the service: the recordings service (composition,
// recovery, retention) and its storage.
type recordings struct {
	log    *slog.Logger
	svc    *recording.Service // nil when recording is turned off
	tmpDir string             // set when recordings live in a temporary directory

	group *routine.Group // the service's Run
}

// newRecordings builds the recordings service the configuration asks for and enables
// recording in hub.
func newRecordings(cfg config.Config, db store.Store, hub *signal.Hub, reg prometheus.Registerer, log *slog.Logger) (*recordings, error) {
	r := &recordings{log: log}
	rc := cfg.Recording
	if !rc.Enabled {
		log.Info("recording is turned off (recording.enabled = false)")
		return r, nil
	}
	dir := ""
	if rc.Dir != "" || cfg.Store.DataDir != "" {
		dir = rc.StorageDir(cfg.Store.DataDir)
	} else {
		tmp, err := os.MkdirTemp("", "visio-recordings-")
		if err != nil {
			return nil, fmt.Errorf("recordings directory: %w", err)
		}
		dir, r.tmpDir = tmp, tmp
		log.Warn("no data directory configured: recordings are kept in a temporary directory and lost on exit", "dir", dir)
	}
	var st recording.Storage = recording.LocalStorage{Dir: dir}
	if rc.Storage == "s3" {
		s3, err := recording.NewS3Storage(recording.S3Params{
			Endpoint: rc.S3.Endpoint, Bucket: rc.S3.Bucket, Region: rc.S3.Region,
			AccessKey: rc.S3.AccessKey, SecretKey: rc.S3.SecretKey, Insecure: rc.S3.Insecure, Prefix: rc.S3.Prefix,
			PartSize: uint64(rc.S3.PartSize), Encryption: rc.S3.Encryption, KMSKeyID: rc.S3.KMSKeyID, Logger: log,
		})
		if err != nil {
			r.close()
			return nil, err
		}
		st = s3
	}
	var hook *recording.Webhook
	if rc.WebhookURL != "" {
		hook = &recording.Webhook{URL: rc.WebhookURL, Secret: []byte(rc.WebhookSecret)}
	}
	svc, err := recording.NewService(recording.ServiceParams{
		Dir: dir, Storage: st, Store: db, FFmpeg: rc.FFmpeg, ComposeTimeout: rc.ComposeTimeout.D(),
		Retention: rc.Retention.D(), MaxBytes: rc.MaxBytes, MaxDuration: rc.MaxDuration.D(), MinFreeBytes: rc.MinFreeBytes,
		Webhook: hook, Metrics: recording.NewMetrics(reg), Logger: log,
		LiveEvery: rc.S3.LiveEvery.D(), LiveStale: rc.S3.LiveStale.D(),
	})
	if err != nil {
		r.close()
		return nil, err
	}
	r.svc = svc
	hub.SetRecording(&room.Recording{Service: recordingService{svc}, Notice: rc.Notice.D(), Logger: log})
	log.Info("recording available", "storage", rc.Storage, "dir", dir, "composition", svc.CanCompose())
	return r, nil
}

// files returns the service for the API, or nil (a nil interface, not a nil pointer).
func (r *recordings) files() (recording *recording.Service, ok bool) { return r.svc, r.svc != nil }

// start runs the composition queue, the recovery of interrupted recordings and the retention
// sweeper until finish.
func (r *recordings) start() {
	if r.svc == nil {
		return
	}
	r.group = routine.NewGroup(context.Background())
	r.group.Go(func(ctx context.Context) { _ = r.svc.Run(ctx) })
}

// finish stops the service: a composition in progress is done again at the next start. Call
// it after the transcription's finish, which waits for the closed meetings' work (their
// recordings stopped and queued for composition).
func (r *recordings) finish() {
	if r.group != nil {
		r.group.Close()
	}
	r.close()
}

func (r *recordings) close() {
	if r.tmpDir != "" {
		_ = os.RemoveAll(r.tmpDir)
	}
}

// recordingService adapts recording.Service to the meeting's RecordingService.
type recordingService struct{ svc *recording.Service }

var _ room.RecordingService = recordingService{}

func (a recordingService) Start(ctx context.Context, p room.RecordingStart) (room.Recorder, error) {
	parts := make([]recording.Participant, len(p.Participants))
	for i, x := range p.Participants {
		parts[i] = recording.Participant{ID: x.ID, Name: x.Name}
	}
	onLimit := p.OnLimit
	r, err := a.svc.Start(ctx, recording.StartParams{
		Room: p.Room, StartedBy: recording.Participant{ID: p.By.ID, Name: p.By.Name}, AudioOnly: p.AudioOnly,
		Participants: parts, RequestKeyframe: p.RequestKeyframe, OnLimit: func(error) { onLimit() },
	})
	if errors.Is(err, recording.ErrDiskFull) {
		return nil, fmt.Errorf("%w: %w", room.ErrRecordingDiskFull, err)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (a recordingService) Finish(ctx context.Context, r room.Recorder) {
	if rec, ok := r.(*recording.Recorder); ok {
		a.svc.Finish(ctx, rec)
	}
}
