package signal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"visio/internal/room"
	"visio/internal/sfu"
)

// Config holds the signalling limits.
type Config struct {
	// MaxMessageBytes is the largest message a client may send; larger ones close the socket.
	MaxMessageBytes int
	// MaxMessagesPerSecond is the sustained message rate allowed per client (burst: twice that).
	MaxMessagesPerSecond float64
	// ReconnectGrace is how long a participant whose connection dropped keeps its place.
	ReconnectGrace time.Duration
	// PingInterval is how often the server pings each client; two missed pings close the socket.
	PingInterval time.Duration
	// MaxParticipants is the most participants one room holds.
	MaxParticipants int
	// ICEServers are given to clients for their peer connections (TURN, for example).
	ICEServers []ICEServerJSON
	// OriginPatterns are extra host patterns allowed to open a WebSocket from another origin
	// (the server's own origin is always allowed).
	OriginPatterns []string
	// LobbyTimeout is how long someone waits in the lobby before being told nobody let them in.
	LobbyTimeout time.Duration
}

// Hub runs the signalling of every room on this server.
type Hub struct {
	cfg     Config
	gate    Gate
	knocks  *knockLimiter
	engine  *sfu.Engine
	metrics *Metrics
	log     *slog.Logger

	sessions      sync.WaitGroup
	transcription *Transcription // nil: unavailable (transcription.go)
	recording     *Recording     // nil: unavailable (recording.go)
	recordings    sync.WaitGroup // recordings being stopped (recording.go)

	mu       sync.Mutex // guards the following fields
	rooms    map[string]*conference
	shutdown bool
}

// NewHub returns a hub for the meetings gate lets people into, with media from engine.
func NewHub(cfg Config, gate Gate, engine *sfu.Engine, metrics *Metrics, log *slog.Logger) *Hub {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	if cfg.LobbyTimeout <= 0 {
		cfg.LobbyTimeout = 10 * time.Minute
	}
	return &Hub{cfg: cfg, gate: gate, knocks: newKnockLimiter(), engine: engine, metrics: metrics, log: log, rooms: make(map[string]*conference)}
}

// Locked reports whether a moderator locked the meeting in progress in room code.
func (h *Hub) Locked(code string) bool {
	h.mu.Lock()
	c := h.rooms[code]
	h.mu.Unlock()
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locked
}

// Participants returns how many participants are in the meeting code right now.
func (h *Hub) Participants(code string) int {
	h.mu.Lock()
	c := h.rooms[code]
	h.mu.Unlock()
	if c == nil {
		return 0
	}
	return c.count()
}

// conference returns the live conference for code, creating it if needed. It returns nil while
// the server shuts down.
func (h *Hub) conference(code string) *conference {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shutdown {
		return nil
	}
	c := h.rooms[code]
	if c == nil {
		c = newConference(h, code)
		h.rooms[code] = c
		h.metrics.Rooms.Inc()
	}
	return c
}

// dropConference forgets c once it is empty.
func (h *Hub) dropConference(c *conference) {
	h.mu.Lock()
	if h.rooms[c.code] == c {
		delete(h.rooms, c.code)
		h.metrics.Rooms.Dec()
	}
	h.mu.Unlock()
	c.endTranscription()
	c.endRecording()
	c.media.Close()
	h.log.Info("room closed", "room", c.code)
}

// ServeHTTP upgrades a request for /api/v1/rooms/{code}/ws to a signalling session.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !room.ValidCode(code) {
		writeHTTPError(w, http.StatusNotFound, "room_not_found", "This meeting does not exist or has expired.")
		return
	}
	if _, err := h.gate.Room(r.Context(), code); errors.Is(err, ErrRoomNotFound) {
		writeHTTPError(w, http.StatusNotFound, "room_not_found", "This meeting does not exist or has expired.")
		return
	} else if err != nil {
		h.log.Error("look up room", "room", code, "err", err)
		writeHTTPError(w, http.StatusInternalServerError, "server_error", "The server could not look up this meeting.")
		return
	}
	if !offersSubprotocol(r, Subprotocol) {
		writeHTTPError(w, http.StatusBadRequest, "unsupported_protocol", "The client must offer the WebSocket sub-protocol "+Subprotocol+".")
		return
	}
	h.mu.Lock()
	down := h.shutdown
	if !down {
		h.sessions.Add(1)
	}
	h.mu.Unlock()
	if down {
		writeHTTPError(w, http.StatusServiceUnavailable, "shutting_down", "The server is restarting. Try again in a moment.")
		return
	}
	defer h.sessions.Done()

	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: h.cfg.OriginPatterns,
	})
	if err != nil {
		h.log.Debug("websocket upgrade refused", "err", err)
		return
	}
	conn.SetReadLimit(int64(h.cfg.MaxMessageBytes))
	s := newSession(h, code, conn)
	s.addr = remoteIP(r)
	s.run(r.Context())
}

// Shutdown tells every participant the server is going away, closes every room and waits for the
// sessions to end or ctx to expire.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.shutdown = true
	rooms := make([]*conference, 0, len(h.rooms))
	for _, c := range h.rooms {
		rooms = append(rooms, c)
	}
	h.mu.Unlock()
	for _, c := range rooms {
		c.closeAll("shutdown", "The server is restarting. Rejoin in a moment.")
	}
	return waitCtx(ctx, &h.sessions)
}

// waitCtx waits for wg, or until ctx ends.
func waitCtx(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func offersSubprotocol(r *http.Request, want string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == want {
				return true
			}
		}
	}
	return false
}

// writeHTTPError writes the API's one error shape.
func writeHTTPError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

var errConferenceClosed = errors.New("signal: conference closed")

// remoteIP returns the client's address without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
