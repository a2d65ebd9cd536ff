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
	// LockedOut reports whether the meeting in progress is locked to subject (a user or guest
	// id) who was neither in it nor waiting in its lobby.
	LockedOut(code, subject string) bool
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
	// Chats are the kept chats of meetings (chat.go); nil: none.
	Chats store.Chats
	// RoomLimits bound room creation (roomlimits.go).
	RoomLimits RoomLimits
	// NoMetrics leaves /metrics out: they are served on their own listener (http.metrics_addr).
	NoMetrics bool
	// HSTS sends Strict-Transport-Security: the server serves HTTPS itself.
	HSTS bool
	// Draining, if set, reports whether the node is handing its meetings to others: /healthz
	// then answers 503, so that load balancers stop sending new people here.
	Draining func() bool
	// NetTest is the connection test's server side (nettest.go); nil: the page only.
	NetTest NetTest
}

// Error is the API's one error shape: a stable code and a message safe to show a user.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewHandler returns the HTTP handler of the whole service.
func NewHandler(p Params) http.Handler {
	mux := http.NewServeMux()
	s := &server{p: p, rooms: &creationGate{limits: p.RoomLimits}}
	s.routeRooms(mux)
	s.routeMembers(mux)
	mux.Handle("GET /api/v1/rooms/{code}/ws", p.Signal)
	s.routeTranscripts(mux)
	s.routeRecordings(mux)
	s.routeChat(mux)
	s.routeNetTest(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "No such API endpoint.")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if p.Draining != nil && p.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if !p.NoMetrics {
		mux.Handle("GET /metrics", promhttp.HandlerFor(p.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.Handle("/", s.webApp())
	return securityHeaders(mux, p.HSTS)
}

type server struct {
	p     Params
	joins addrLimiter   // join token requests per address
	rooms *creationGate // room creation per owner
}

func (s *server) meetingURL(r *http.Request, code string) string {
	if s.p.PublicURL != "" {
		return strings.TrimRight(s.p.PublicURL, "/") + "/" + code
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host + "/" + code
}

// validHost reports whether a Host header is a plain host name or address with an optional
// port: meeting links built from it (with no http.public_url) carry nothing else.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
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
		if st, err := fs.Stat(s.p.Web, strings.TrimSuffix(path, "/")); strings.HasSuffix(path, "/") || err == nil && st.IsDir() {
			// A directory: http.FileServer would list its files.
			writeError(w, http.StatusNotFound, "not_found", "No such page.")
			return
		}
		if strings.HasPrefix(path, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}

// securityHeaders keeps every page to the server's own origin: nothing it serves loads from a
// third party. 'wasm-unsafe-eval' lets the page compile the WebAssembly it is served (background
// effects and noise suppression), and nothing else: eval stays refused. With hsts (the server
// serves HTTPS itself), browsers are told to use HTTPS only for a year.
func securityHeaders(next http.Handler, hsts bool) http.Handler {
	const csp = "default-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; " +
		"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'wasm-unsafe-eval'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), speaker-selection=(self)")
		if hsts && r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
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
