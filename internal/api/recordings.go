package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"visio/internal/recording"
	"visio/internal/store"
)

// RecordingFiles is what the API needs of the recordings service (recording.Service).
type RecordingFiles interface {
	// Open opens a recording's composed file.
	Open(ctx context.Context, rec store.Recording) (recording.Object, error)
	// Delete deletes a recording, files and record.
	Delete(ctx context.Context, rec store.Recording) error
	// ExpiresAt is when a recording is deleted.
	ExpiresAt(rec store.Recording) time.Time
	// CanCompose reports whether recordings are composed into one file (ffmpeg installed).
	CanCompose() bool
	// Tracks returns the manifest of a recording kept as per-track files (tracks_only).
	Tracks(ctx context.Context, rec store.Recording) (*recording.Manifest, error)
	// OpenTrack opens one of its files (a track's, or the manifest).
	OpenTrack(ctx context.Context, rec store.Recording, name string) (recording.Object, error)
}

// WithRecordings returns p with the recordings service svc, if ok (a nil *Service would make a
// non-nil interface).
func (p Params) WithRecordings(svc *recording.Service, ok bool) Params {
	if ok {
		p.Recordings = svc
	}
	return p
}

// RecordingJSON is a recording as the API shows it.
type RecordingJSON struct {
	ID          string     `json:"id"`
	Room        string     `json:"room"`
	Status      string     `json:"status"`
	AudioOnly   bool       `json:"audio_only"`
	StartedBy   string     `json:"started_by"`
	StartedAt   time.Time  `json:"started_at"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	DurationMS  int64      `json:"duration_ms"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"`
	// Error says, in words safe to show, why a recording failed or was not composed.
	Error string `json:"error,omitempty"`
	// FileURL is where the composed file is (with ready recordings); it answers range requests.
	FileURL string `json:"file_url,omitempty"`
	// CaptionsURL is the meeting's transcript as WebVTT on the recording's clock, when the
	// meeting was transcribed.
	CaptionsURL string `json:"captions_url,omitempty"`
	// TracksURL lists the per-track files of a recording that was not composed (status
	// tracks_only: the server has no ffmpeg).
	TracksURL string `json:"tracks_url,omitempty"`
}

// RecordingList is the answer of GET /api/v1/recordings.
type RecordingList struct {
	Recordings []RecordingJSON `json:"recordings"`
	// Composition is false when the server cannot compose recordings (no ffmpeg): they are
	// kept as one file per track (status tracks_only, listed at tracks_url).
	Composition bool `json:"composition"`
}

// routeRecordings adds the recording endpoints, and the web app's recordings page.
func (s *server) routeRecordings(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/recordings", s.listRecordings)
	mux.HandleFunc("GET /api/v1/recordings/{id}", s.getRecording)
	mux.HandleFunc("GET /api/v1/recordings/{id}/file", s.recordingFile)
	mux.HandleFunc("GET /api/v1/recordings/{id}/captions", s.recordingCaptions)
	mux.HandleFunc("GET /api/v1/recordings/{id}/tracks", s.recordingTracks)
	mux.HandleFunc("GET /api/v1/recordings/{id}/tracks/{file}", s.recordingTrackFile)
	mux.HandleFunc("DELETE /api/v1/recordings/{id}", s.deleteRecording)
	mux.HandleFunc("GET /recordings", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" // the app routes /recordings itself
		s.webApp().ServeHTTP(w, r2)
	})
}

// mayManageRecordings says whether the request comes from a signed-in owner or administrator
// of room code.
func (s *server) mayManageRecordings(r *http.Request, code string) bool {
	if s.p.Access.Auth == nil || s.p.Access.Store == nil {
		return false
	}
	id, err := s.p.Access.Auth.Identify(r)
	if err != nil {
		return false
	}
	role, err := s.p.Access.Store.Role(r.Context(), code, id.UserID)
	return err == nil && (role == store.RoleOwner || role == store.RoleAdmin)
}

func (s *server) recordingJSON(rec store.Recording) RecordingJSON {
	out := RecordingJSON{ID: rec.ID, Room: rec.RoomCode, Status: string(rec.Status), AudioOnly: rec.AudioOnly,
		StartedBy: rec.StartedBy, StartedAt: rec.StartedAt, DurationMS: rec.Duration.Milliseconds(), Size: rec.Size,
		ContentType: rec.ContentType, ExpiresAt: s.p.Recordings.ExpiresAt(rec), Error: rec.Error}
	if !rec.EndedAt.IsZero() {
		e := rec.EndedAt
		out.EndedAt = &e
	}
	if rec.Status == store.RecordingTracksOnly && rec.ObjectKey != "" {
		out.TracksURL = "/api/v1/recordings/" + rec.ID + "/tracks"
		if rec.TranscriptID != "" {
			out.CaptionsURL = "/api/v1/recordings/" + rec.ID + "/captions"
		}
	}
	if rec.Status == store.RecordingReady {
		out.FileURL = "/api/v1/recordings/" + rec.ID + "/file"
		if rec.TranscriptID != "" {
			out.CaptionsURL = "/api/v1/recordings/" + rec.ID + "/captions"
		}
	}
	return out
}

func (s *server) listRecordings(w http.ResponseWriter, r *http.Request) {
	out := RecordingList{Recordings: []RecordingJSON{}}
	w.Header().Set("Cache-Control", "no-store")
	if s.p.Recordings == nil || s.p.RecordingStore == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	out.Composition = s.p.Recordings.CanCompose()
	var rooms []string
	if code := r.URL.Query().Get("room"); code != "" {
		rooms = []string{code}
	} else if s.p.Access.Auth != nil && s.p.Access.Store != nil {
		if id, err := s.p.Access.Auth.Identify(r); err == nil {
			mine, err := s.p.Access.Store.UserRooms(r.Context(), id.UserID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, rm := range mine {
				rooms = append(rooms, rm.Code)
			}
		}
	}
	for _, code := range rooms {
		if !s.mayManageRecordings(r, code) {
			continue
		}
		list, err := s.p.RecordingStore.RoomRecordings(r.Context(), code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rec := range list {
			out.Recordings = append(out.Recordings, s.recordingJSON(rec))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// recordingOf returns the recording of the request if its user may manage it; otherwise it
// answers 404 (whether the recording exists is not told to others) and returns false.
func (s *server) recordingOf(w http.ResponseWriter, r *http.Request) (store.Recording, bool) {
	id := r.PathValue("id")
	if s.p.Recordings == nil || s.p.RecordingStore == nil || !recording.ValidID(id) {
		writeError(w, http.StatusNotFound, "recording_not_found", "No such recording; it may have been deleted at the end of its retention period.")
		return store.Recording{}, false
	}
	rec, err := s.p.RecordingStore.Recording(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.mayManageRecordings(r, rec.RoomCode)) {
		writeError(w, http.StatusNotFound, "recording_not_found", "No such recording; it may have been deleted at the end of its retention period.")
		return store.Recording{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return store.Recording{}, false
	}
	return rec, true
}

func (s *server) getRecording(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recordingOf(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.recordingJSON(rec))
}

// recordingFile serves the composed file, with range requests so that a player can seek.
func (s *server) recordingFile(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recordingOf(w, r)
	if !ok {
		return
	}
	if rec.Status != store.RecordingReady {
		writeError(w, http.StatusConflict, "recording_not_ready", "This recording has no playable file yet: "+string(rec.Status)+".")
		return
	}
	o, err := s.p.Recordings.Open(r.Context(), rec)
	if errors.Is(err, recording.ErrNotStored) {
		writeError(w, http.StatusNotFound, "recording_not_found", "The recording's file is missing from the storage.")
		return
	}
	if err != nil {
		s.p.Log.Error("opening a recording", "recording", rec.ID, "err", err)
		writeError(w, http.StatusBadGateway, "storage_error", "The recording storage could not be reached.")
		return
	}
	defer o.Close()
	h := w.Header()
	h.Set("Content-Type", rec.ContentType)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	ext := ".webm"
	if rec.ContentType == "audio/ogg" {
		ext = ".ogg"
	}
	name := "recording-" + rec.RoomCode + "-" + rec.StartedAt.UTC().Format("2006-01-02-1504") + ext
	if r.URL.Query().Has("download") {
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	}
	http.ServeContent(w, r, name, o.ModTime(), o)
}

// recordingCaptions serves the meeting's transcript as WebVTT on the recording's clock.
func (s *server) recordingCaptions(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recordingOf(w, r)
	if !ok {
		return
	}
	if rec.TranscriptID == "" || s.p.Transcripts == nil {
		writeError(w, http.StatusNotFound, "no_captions", "This meeting was not transcribed while it was recorded.")
		return
	}
	tr, err := s.p.Transcripts.Get(rec.TranscriptID)
	if err != nil {
		writeError(w, http.StatusNotFound, "no_captions", "The meeting's transcript was deleted.")
		return
	}
	var buf bytes.Buffer
	if err := recording.Captions(&buf, tr, rec.StartedAt); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/vtt; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(buf.Bytes())
}

func (s *server) deleteRecording(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recordingOf(w, r)
	if !ok {
		return
	}
	err := s.p.Recordings.Delete(r.Context(), rec)
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusConflict, "recording_running", "This recording is still running: stop it in the meeting first.")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "recording_not_found", "No such recording.")
	case err != nil:
		s.p.Log.Error("deleting a recording", "recording", rec.ID, "err", err)
		writeError(w, http.StatusBadGateway, "storage_error", "The recording could not be deleted from the storage; try again.")
	default:
		s.p.Log.Info("recording deleted", "recording", rec.ID, "room", rec.RoomCode)
		w.WriteHeader(http.StatusNoContent)
	}
}
