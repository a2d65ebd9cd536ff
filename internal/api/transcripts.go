package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"visio/internal/store"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/format"
)

// Transcripts is the store of meeting transcripts (archive.Store).
type Transcripts interface {
	List() []archive.Meta
	Get(id string) (*archive.Record, error)
}

// TranscriptList is the answer of GET /api/v1/transcripts.
type TranscriptList struct {
	Transcripts []archive.Meta `json:"transcripts"`
	// Formats are the values GET /api/v1/transcripts/{id}?format= accepts.
	Formats []string `json:"formats"`
}

// routeTranscripts adds the transcript endpoints, and the web app's transcripts page.
func (s *server) routeTranscripts(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/transcripts", s.listTranscripts)
	mux.HandleFunc("GET /api/v1/transcripts/{id}", s.getTranscript)
	page := func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" // the app routes /transcripts itself
		s.webApp().ServeHTTP(w, r2)
	}
	mux.HandleFunc("GET /transcripts", page)
}

// mayReadTranscript says whether the request may read a transcript: a signed-in owner or
// administrator of the meeting's room.
func (s *server) mayReadTranscript(r *http.Request, m archive.Meta) bool {
	if s.p.Access.Auth == nil || s.p.Access.Store == nil {
		return false
	}
	id, err := s.p.Access.Auth.Identify(r)
	if err != nil {
		return false
	}
	role, err := s.p.Access.Store.Role(r.Context(), m.Room, id.UserID)
	return err == nil && (role == store.RoleOwner || role == store.RoleAdmin)
}

func (s *server) listTranscripts(w http.ResponseWriter, r *http.Request) {
	out := TranscriptList{Transcripts: []archive.Meta{}, Formats: format.Names}
	if s.p.Transcripts != nil {
		room := r.URL.Query().Get("room")
		for _, m := range s.p.Transcripts.List() {
			if (room == "" || m.Room == room) && s.mayReadTranscript(r, m) {
				out.Transcripts = append(out.Transcripts, m)
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getTranscript(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("format")
	if name == "" {
		name = "json"
	}
	if !slices.Contains(format.Names, name) {
		writeError(w, http.StatusBadRequest, "bad_format", "format must be one of json, vtt, srt, md, html.")
		return
	}
	if s.p.Transcripts == nil {
		writeError(w, http.StatusNotFound, "transcript_not_found", "No such transcript.")
		return
	}
	rec, err := s.p.Transcripts.Get(r.PathValue("id"))
	if errors.Is(err, archive.ErrNotFound) || (err == nil && !s.mayReadTranscript(r, rec.Meta)) {
		writeError(w, http.StatusNotFound, "transcript_not_found", "No such transcript; it may have been deleted at the end of its retention period.")
		return
	}
	if err != nil {
		s.p.Log.Error("reading transcript", "transcript", r.PathValue("id"), "err", err)
		writeError(w, http.StatusInternalServerError, "server_error", "The transcript could not be read.")
		return
	}
	var buf bytes.Buffer
	if err := rec.Render(&buf, name); err != nil {
		s.p.Log.Error("rendering transcript", "transcript", rec.ID, "format", name, "err", err)
		writeError(w, http.StatusInternalServerError, "server_error", "The transcript could not be rendered.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", archive.ContentType(name))
	h.Set("Cache-Control", "no-store")
	if r.URL.Query().Has("download") {
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "transcript-"+rec.Room+"-"+rec.ID+"."+name))
	}
	if name == "html" {
		// The minutes are a standalone page: no script, styles inline.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	}
	_, _ = w.Write(buf.Bytes())
}
