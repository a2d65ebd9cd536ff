package api

import (
	"errors"
	"fmt"
	"net/http"

	"visio/internal/recording"
	"visio/internal/store"
)

// RecordingTrackJSON is one per-track file of a recording that was not composed.
type RecordingTrackJSON struct {
	// Participant is the publisher's id in the meeting, Name their name.
	Participant string `json:"participant"`
	Name        string `json:"name"`
	// Source is "microphone", "camera", "screen" or "screen_audio"; Kind "audio" or "video".
	Source string `json:"source"`
	Kind   string `json:"kind"`
	// OffsetMS and EndMS place the track on the recording's clock, from its start.
	OffsetMS int64 `json:"offset_ms"`
	EndMS    int64 `json:"end_ms,omitempty"`
	// ContentType is audio/ogg (Opus) or video/webm (VP8).
	ContentType string `json:"content_type"`
	// URL downloads the file (range requests answered).
	URL string `json:"url"`
}

// RecordingTracks is the answer of GET /api/v1/recordings/{id}/tracks.
type RecordingTracks struct {
	Tracks []RecordingTrackJSON `json:"tracks"`
	// ManifestURL is the recording's manifest (JSON): everything needed to compose the tracks
	// later, with ffmpeg or another tool.
	ManifestURL string `json:"manifest_url"`
}

// recordingTracks lists the per-track files of a recording kept uncomposed.
func (s *server) recordingTracks(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.tracksOf(w, r)
	if !ok {
		return
	}
	m, err := s.p.Recordings.Tracks(r.Context(), rec)
	if !s.tracksAvailable(w, r, rec, err) {
		return
	}
	prefix := "/api/v1/recordings/" + rec.ID + "/tracks/"
	out := RecordingTracks{Tracks: []RecordingTrackJSON{}, ManifestURL: prefix + recording.ManifestFile}
	for _, t := range m.Tracks {
		ctype := "audio/ogg"
		if t.Kind == "video" {
			ctype = "video/webm"
		}
		out.Tracks = append(out.Tracks, RecordingTrackJSON{Participant: t.Participant, Name: m.ParticipantName(t.Participant),
			Source: t.Source, Kind: t.Kind, OffsetMS: t.OffsetMS, EndMS: t.EndMS, ContentType: ctype, URL: prefix + t.File})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// recordingTrackFile serves one per-track file (or the manifest), with range requests.
func (s *server) recordingTrackFile(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.tracksOf(w, r)
	if !ok {
		return
	}
	name := r.PathValue("file")
	o, err := s.p.Recordings.OpenTrack(r.Context(), rec, name)
	if !s.tracksAvailable(w, r, rec, err) {
		return
	}
	defer o.Close()
	ctype := "audio/ogg"
	switch {
	case name == recording.ManifestFile:
		ctype = "application/json"
	case len(name) > 5 && name[len(name)-5:] == ".webm":
		ctype = "video/webm"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Has("download") {
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", rec.ID+"-"+name))
	}
	http.ServeContent(w, r, name, o.ModTime(), o)
}

// tracksOf is recordingOf for a recording kept as per-track files: 409 for another.
func (s *server) tracksOf(w http.ResponseWriter, r *http.Request) (store.Recording, bool) {
	rec, ok := s.recordingOf(w, r)
	if ok && rec.Status != store.RecordingTracksOnly {
		writeError(w, http.StatusConflict, "not_tracks_only", "This recording is not kept as per-track files: "+string(rec.Status)+".")
		return rec, false
	}
	return rec, ok
}

// tracksAvailable answers for err, if not nil, and says whether to go on.
func (s *server) tracksAvailable(w http.ResponseWriter, r *http.Request, rec store.Recording, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, recording.ErrNotStored):
		writeError(w, http.StatusNotFound, "recording_not_found", "No such file in this recording.")
	case errors.Is(err, recording.ErrBadManifest):
		s.p.Log.Error("a stored recording's manifest", "recording", rec.ID, "err", err)
		writeError(w, http.StatusNotFound, "recording_not_found", "The recording's manifest is damaged.")
	default:
		s.p.Log.Error("opening a recording's tracks", "recording", rec.ID, "err", err)
		writeError(w, http.StatusBadGateway, "storage_error", "The recording storage could not be reached.")
	}
	return false
}
