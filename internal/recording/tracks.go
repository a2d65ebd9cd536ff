package recording

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"visio/internal/store"
)

// TracksMessage is what a recording kept as per-track files says, in words safe to show.
const TracksMessage = "ffmpeg is not installed on the server: the recording is kept as one file per track, not composed into one."

// storeTracks stores a recording that cannot be composed (no ffmpeg) as it is: each track's
// file and the manifest, where the operator configured (with S3, uploaded and then removed
// from the recordings directory). Its record says tracks_only and points at the manifest.
func (s *Service) storeTracks(ctx context.Context, id, dir string, m *Manifest) {
	if m.EndedAt.IsZero() {
		recoverEnds(dir, m) // after a crash: the manifest stored is complete
		if err := writeManifest(dir, m); err != nil {
			s.p.Logger.Warn("completing a recording's manifest", "recording", id, "err", err)
		}
	}
	var size int64
	put := func(name, ctype string) error {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		size += fi.Size()
		return s.p.Storage.Put(ctx, path.Join(id, name), p, ctype)
	}
	var err error
	for _, t := range m.Tracks {
		ctype := "audio/ogg"
		if t.Kind == "video" {
			ctype = "video/webm"
		}
		if err = put(t.File, ctype); err != nil {
			break
		}
	}
	if err == nil {
		err = put(ManifestFile, "application/json") // last: its presence says the tracks are all there
	}
	if err != nil {
		s.p.Logger.Error("storing a recording's tracks", "recording", id, "err", err)
		if ctx.Err() == nil {
			s.p.Metrics.Compositions.WithLabelValues("failed").Inc()
			s.setStatus(ctx, id, func(r *store.Recording) {
				r.Status, r.Error = store.RecordingFailed, "The recording's tracks could not be stored."
			})
		}
		return
	}
	s.p.Metrics.Compositions.WithLabelValues("tracks_only").Inc()
	s.setStatus(ctx, id, func(r *store.Recording) {
		r.Status, r.Error = store.RecordingTracksOnly, TracksMessage
		r.ObjectKey, r.ContentType, r.Size = path.Join(id, ManifestFile), "application/json", size
		r.Duration = Duration(dir, m)
		r.TranscriptID = m.TranscriptID
		if r.EndedAt.IsZero() {
			r.EndedAt = m.StartedAt.Add(r.Duration)
		}
	})
	if !s.p.Storage.Local() {
		if err := os.RemoveAll(dir); err != nil {
			s.p.Logger.Warn("removing a stored recording's local files", "recording", id, "err", err)
		}
	}
	s.p.Logger.Info("recording stored as per-track files, not composed (no ffmpeg)", "recording", id, "tracks", len(m.Tracks), "bytes", size)
}

// Tracks returns the manifest of a recording kept as per-track files (tracks_only), read from
// the storage: its tracks are the files OpenTrack serves.
func (s *Service) Tracks(ctx context.Context, rec store.Recording) (*Manifest, error) {
	if rec.Status != store.RecordingTracksOnly || rec.ObjectKey != path.Join(rec.ID, ManifestFile) {
		return nil, ErrNotStored
	}
	o, err := s.p.Storage.Open(ctx, rec.ObjectKey)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	b, err := io.ReadAll(io.LimitReader(o, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", rec.ID, err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, err
	}
	if m.ID != rec.ID {
		return nil, fmt.Errorf("%w: manifest of %s in %s", ErrBadManifest, m.ID, rec.ID)
	}
	return m, nil
}

// OpenTrack opens one file of a recording kept as per-track files: a track's, or the manifest
// (ManifestFile). ErrNotStored for any other name.
func (s *Service) OpenTrack(ctx context.Context, rec store.Recording, name string) (Object, error) {
	if name != ManifestFile && !fileName.MatchString(name) {
		return nil, ErrNotStored
	}
	m, err := s.Tracks(ctx, rec)
	if err != nil {
		return nil, err
	}
	if name != ManifestFile && !m.hasFile(name) {
		return nil, ErrNotStored
	}
	return s.p.Storage.Open(ctx, path.Join(rec.ID, name))
}

// hasFile reports whether name is one of m's track files.
func (m *Manifest) hasFile(name string) bool {
	for _, t := range m.Tracks {
		if t.File == name {
			return true
		}
	}
	return false
}

// ParticipantName returns the name of participant id in m, or "".
func (m *Manifest) ParticipantName(id string) string { return m.participantName(id) }
