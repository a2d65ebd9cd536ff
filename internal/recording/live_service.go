package recording

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"visio/internal/store"
)

// liveUploads are the uploaders of a service's recordings (live.go), with S3 storage.
type liveUploads struct {
	s3 *S3Storage // nil: not used
	mu sync.Mutex
	by map[string]*liveRun
}

type liveRun struct {
	stop chan struct{}
	done chan struct{}
}

func (l *liveUploads) init(st Storage) {
	if s3, ok := st.(*S3Storage); ok {
		l.s3, l.by = s3, map[string]*liveRun{}
	}
}

// startLive uploads the growth of recording id, recorded by r, every LiveEvery until endLive;
// without r, only its manifest, to say that this node is composing it (after a restart, or a
// take-over).
func (s *Service) startLive(id string, r *Recorder) {
	heartbeatOnly := r == nil
	if s.live.s3 == nil {
		return
	}
	run := &liveRun{stop: make(chan struct{}), done: make(chan struct{})}
	s.live.mu.Lock()
	if s.live.by[id] != nil {
		s.live.mu.Unlock()
		return
	}
	s.live.by[id] = run
	s.live.mu.Unlock()
	u := &liveUploader{s: s.live.s3, id: id, dir: filepath.Join(s.p.Dir, id), sent: map[string]int64{}, seq: map[string]int{}}
	go func() {
		defer close(run.done)
		t := time.NewTicker(s.p.LiveEvery)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-run.stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), max(s.p.LiveEvery, 10*time.Second))
			var err error
			if heartbeatOnly {
				var mb []byte
				if mb, err = os.ReadFile(filepath.Join(u.dir, ManifestFile)); err == nil {
					err = u.s.PutLiveManifest(ctx, id, mb)
				}
			} else {
				r.Sync(ctx) // the manifest says where the files end
				err = u.upload(ctx)
			}
			cancel()
			if err != nil && !failing {
				s.p.Logger.Warn("uploading a running recording to the bucket; trying again", "recording", id, "err", err)
			} else if err == nil && failing {
				s.p.Logger.Info("uploading a running recording to the bucket works again", "recording", id)
			}
			failing = err != nil
		}
	}()
}

// endLive stops recording id's uploads and removes its segments from the bucket, once it is
// composed or stored (or failed).
func (s *Service) endLive(ctx context.Context, id string) {
	if s.live.s3 == nil || ctx.Err() != nil {
		return // shutting down: composed again at the next start, with its uploads
	}
	s.live.mu.Lock()
	run := s.live.by[id]
	delete(s.live.by, id)
	s.live.mu.Unlock()
	if run != nil {
		close(run.stop)
		<-run.done
	}
	rec, err := s.p.Store.Recording(context.WithoutCancel(ctx), id)
	if err == nil && (rec.Status == store.RecordingActive || rec.Status == store.RecordingComposing) {
		return // not done: keep what was uploaded
	}
	if err := s.live.s3.DeleteLive(context.WithoutCancel(ctx), id); err != nil {
		s.p.Logger.Warn("removing a recording's segments from the bucket", "recording", id, "err", err)
	}
}

// stopAllLive stops every upload (the service is stopping; the segments stay).
func (s *Service) stopAllLive() {
	if s.live.s3 == nil {
		return
	}
	s.live.mu.Lock()
	runs := s.live.by
	s.live.by = map[string]*liveRun{}
	s.live.mu.Unlock()
	for _, run := range runs {
		close(run.stop)
		<-run.done
	}
}

// adopt takes over the recordings whose node stopped uploading them more than LiveStale ago
// (lost for good, or down for long): it fetches what reached the bucket and composes it. A
// recording whose directory is here is this node's, composed by recover.
func (s *Service) adopt(ctx context.Context) {
	if s.live.s3 == nil {
		return
	}
	list, err := s.live.s3.ListLive(ctx)
	if err != nil {
		s.p.Logger.Warn("listing the recordings under way in the bucket", "err", err)
		return
	}
	for _, l := range list {
		if ctx.Err() != nil || s.p.Now().Sub(l.Updated) < s.p.LiveStale {
			continue
		}
		dir := filepath.Join(s.p.Dir, l.ID)
		if _, err := os.Stat(dir); err == nil {
			continue
		}
		rec, err := s.p.Store.Recording(ctx, l.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && rec.Status != store.RecordingActive && rec.Status != store.RecordingComposing) {
			_ = s.live.s3.DeleteLive(ctx, l.ID) // deleted, or done elsewhere: leftovers
			continue
		}
		if err != nil {
			continue
		}
		s.p.Logger.Warn("composing a recording whose node stopped uploading it, from what reached the bucket",
			"recording", l.ID, "room", rec.RoomCode, "last_upload", l.Updated)
		if _, err := s.live.s3.FetchLive(ctx, l.ID, dir); err != nil {
			s.p.Logger.Error("fetching a recording's segments", "recording", l.ID, "err", err)
			_ = os.RemoveAll(dir)
			continue
		}
		s.startLive(l.ID, nil)
		s.compose(ctx, l.ID)
	}
}
