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
	"visio/internal/routine"
	"visio/internal/sfu"
	"visio/internal/store"
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
	// ICEServersFor, if set, returns ICE servers of participant id's own (TURN with
	// short-lived credentials), given with each welcome after ICEServers.
	ICEServersFor func(participantID string) []ICEServerJSON
	// OriginPatterns are extra host patterns allowed to open a WebSocket from another origin
	// (the server's own origin is always allowed).
	OriginPatterns []string
	// LobbyTimeout is how long someone waits in the lobby before being told nobody let them in.
	LobbyTimeout time.Duration
	// JoinTimeout is how long a socket may stay open without sending join (default 10 s).
	JoinTimeout time.Duration
	// MaxSocketsPerAddress and MaxSockets cap the sockets open at once from one client address
	// and in total (defaults 256 and 10000).
	MaxSocketsPerAddress, MaxSockets int
}

// Hub runs the signalling of every meeting on this server: it upgrades requests to sessions
// and hands what they ask to the meetings (room.Meetings).
type Hub struct {
	cfg      Config
	gate     Gate
	meetings *room.Meetings
	metrics  *Metrics
	log      *slog.Logger
	sessions *routine.Group // one goroutine per open socket

	mu     sync.Mutex // guards the following fields; a leaf
	open   int        // sockets open
	byAddr map[string]int
}

// NewHub returns a hub for the meetings gate lets people into, with media from engine.
func NewHub(cfg Config, gate Gate, engine *sfu.Engine, metrics *Metrics, log *slog.Logger) *Hub {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = 10 * time.Second
	}
	if cfg.MaxSocketsPerAddress <= 0 {
		cfg.MaxSocketsPerAddress = 256
	}
	if cfg.MaxSockets <= 0 {
		cfg.MaxSockets = 10000
	}
	ms := room.New(room.Params{
		Config: room.Config{MaxParticipants: cfg.MaxParticipants, ReconnectGrace: cfg.ReconnectGrace, LobbyTimeout: cfg.LobbyTimeout},
		Media:  sfuMedia(engine), Roles: gate,
		Rooms: metrics.Rooms, Participants: metrics.Participants, Log: log,
	})
	return &Hub{cfg: cfg, gate: gate, meetings: ms, metrics: metrics, log: log,
		sessions: routine.NewGroup(context.Background()), byAddr: map[string]int{}}
}

// SetTranscription enables live transcription in the hub's meetings. Call it before serving.
func (h *Hub) SetTranscription(t *room.Transcription) { h.meetings.SetTranscription(t) }

// SetMeetingStates keeps the meeting state that outlives this server in s (lock, removals,
// lobby, transcription, recording: ADR 0004). Call it before serving.
func (h *Hub) SetMeetingStates(s store.MeetingStates) { h.meetings.SetMeetingStates(s) }

// SetRecording enables recording in the hub's meetings. Call it before serving.
func (h *Hub) SetRecording(r *room.Recording) { h.meetings.SetRecording(r) }

// Locked reports whether a moderator locked the meeting in progress in room code.
func (h *Hub) Locked(code string) bool { return h.meetings.Locked(code) }

// LockedOut reports whether the meeting code is locked to subject, who was neither in it nor
// in its lobby.
func (h *Hub) LockedOut(code, subject string) bool { return h.meetings.LockedOut(code, subject) }

// Participants returns how many participants are in the meeting code right now.
func (h *Hub) Participants(code string) int { return h.meetings.Participants(code) }

// LiveRooms returns how many meetings are live.
func (h *Hub) LiveRooms() int { return h.meetings.Live() }

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
	// The session runs on the hub's group, so that Shutdown can wait for it and, past its
	// deadline, cancel it; this handler's goroutine waits for it.
	done := make(chan struct{})
	started := h.sessions.Go(func(ctx context.Context) {
		defer close(done)
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols:   []string{Subprotocol},
			OriginPatterns: h.cfg.OriginPatterns,
		})
		if err != nil {
			h.log.Debug("websocket upgrade refused", "err", err)
			return
		}
		addr := remoteIP(r)
		if !h.openSocket(addr) {
			h.refuse(ctx, conn, addr)
			return
		}
		defer h.closeSocket(addr)
		conn.SetReadLimit(int64(h.cfg.MaxMessageBytes))
		s := newSession(h, code, conn)
		s.addr = addr
		s.run(ctx)
	})
	if !started {
		writeHTTPError(w, http.StatusServiceUnavailable, "shutting_down", "The server is restarting. Try again in a moment.")
		return
	}
	<-done
}

// Shutdown tells every participant the server is going away, closes every meeting and waits
// for the sessions to end, or for ctx to end: the sessions left are then cut.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.meetings.Shutdown()
	err := h.sessions.Wait(ctx)
	h.sessions.Close()
	return err
}

// WaitTranscripts waits until the transcripts of closed meetings are written, or ctx ends (the
// rest is then cut short and written as it is). Call it after Shutdown.
func (h *Hub) WaitTranscripts(ctx context.Context) error {
	err := h.meetings.Wait(ctx)
	h.meetings.Close()
	return err
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

// remoteIP returns the client's address without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
