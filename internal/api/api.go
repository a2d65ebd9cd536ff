// Package api serves the HTTP interface: the meeting API, the signalling WebSocket, health and
// metrics endpoints, and the web application.
package api

import (
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"visio/internal/room"
	"visio/internal/store"
)

// Rooms is what the API needs to know about live meetings.
type Rooms interface {
	// Participants returns how many people are in the meeting now.
	Participants(code string) int
	// Locked reports whether a moderator locked the meeting in progress.
	Locked(code string) bool
}

// Params are the dependencies of the API server.
type Params struct {
	Access    Access // rooms, sign-in, join tokens (rooms.go)
	Rooms     Rooms
	Signal    http.Handler // the WebSocket endpoint
	Web       fs.FS        // the built web application (or the placeholder page)
	Gatherer  prometheus.Gatherer
	PublicURL string // base URL for meeting links; empty: taken from the request
	Log       *slog.Logger
	// Transcripts are the meeting transcripts (transcripts.go); nil: none.
	Transcripts Transcripts
	// Recordings are the recorded meetings' files and RecordingStore their records
	// (recordings.go); nil: recording is off.
	Recordings     RecordingFiles
	RecordingStore store.Recordings
}

// Error is the API's one error shape: a stable code and a message safe to show a user.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewHandler returns the HTTP handler of the whole service.
func NewHandler(p Params) http.Handler {
	mux := http.NewServeMux()
	s := &server{p: p}
	s.routeRooms(mux)
	mux.Handle("GET /api/v1/rooms/{code}/ws", p.Signal)
	s.routeTranscripts(mux)
	s.routeRecordings(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "No such API endpoint.")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.Gatherer, promhttp.HandlerOpts{}))
	mux.Handle("/", s.webApp())
	return securityHeaders(mux)
}

type server struct {
	p     Params
	joins addrLimiter // join token requests per address
}

func (s *server) meetingURL(r *http.Request, code string) string {
	if s.p.PublicURL != "" {
		return strings.TrimRight(s.p.PublicURL, "/") + "/" + code
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/" + code
}

// webApp serves the embedded application: its files, and index.html for the home page and for
// meeting paths, which the app routes itself.
func (s *server) webApp() http.Handler {
	files := http.FileServerFS(s.p.Web)
	index, _ := fs.ReadFile(s.p.Web, "index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		if path == "" || path == "index.html" || room.ValidCode(path) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(index)
			return
		}
		if strings.HasPrefix(path, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}

// securityHeaders keeps every page to the server's own origin: nothing it serves loads from a
// third party.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; " +
		"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), speaker-selection=(self)")
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]Error{"error": {Code: code, Message: message}})
}
