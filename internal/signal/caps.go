package signal

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"
)

// CodeTooManyConnections: the server or the client's address has as many signalling sockets
// open as allowed (signal.max_sockets, signal.max_sockets_per_address).
const CodeTooManyConnections = "too_many_connections"

// CodeJoinTimeout: the socket sent no join within signal.join_timeout.
const CodeJoinTimeout = "join_timeout"

// openSocket counts a new socket from addr, or reports false if a cap is reached.
func (h *Hub) openSocket(addr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open >= h.cfg.MaxSockets || h.byAddr[addr] >= h.cfg.MaxSocketsPerAddress {
		return false
	}
	h.open++
	h.byAddr[addr]++
	return true
}

// closeSocket forgets a socket from addr.
func (h *Hub) closeSocket(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open--
	if h.byAddr[addr]--; h.byAddr[addr] <= 0 {
		delete(h.byAddr, addr)
	}
}

// OpenSockets returns how many signalling sockets are open.
func (h *Hub) OpenSockets() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}

// refuse tells a socket over the caps why, and closes it: the error message, then WebSocket
// status 1013 (try again later) with the code as the close reason.
func (h *Hub) refuse(ctx context.Context, conn *websocket.Conn, addr string) {
	h.metrics.Errors.WithLabelValues(CodeTooManyConnections).Inc()
	h.log.Warn("signalling socket refused: too many open", "addr", addr)
	msg, _ := json.Marshal(ErrorMessage{Type: "error", Code: CodeTooManyConnections,
		Message: "too many connections from your address or to this server; try again later", Fatal: true})
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if conn.Write(wctx, websocket.MessageText, msg) == nil {
		_ = conn.Close(websocket.StatusTryAgainLater, CodeTooManyConnections)
	}
	_ = conn.CloseNow()
}

// joinDeadline closes the session if it has not sent join within the join timeout.
func (s *session) joinDeadline(ctx context.Context) {
	t := time.NewTimer(s.hub.cfg.JoinTimeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.joined:
	case <-t.C:
		s.fail(&ProtocolError{Code: CodeJoinTimeout, Message: "no join message in time; connection closed", Fatal: true})
	}
}

// markJoined stops the join deadline. Called by the reading goroutine.
func (s *session) markJoined() {
	if !s.hasJoined {
		s.hasJoined = true
		close(s.joined)
	}
}
