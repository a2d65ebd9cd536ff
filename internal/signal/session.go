package signal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"visio/internal/room"
	"visio/internal/routine"
)

// sendQueueSize is how many messages may wait for a slow client before its session is closed.
const sendQueueSize = 256

// writeTimeout bounds one WebSocket write.
const writeTimeout = 10 * time.Second

// outgoing is one queued message, or the instruction to close after the messages before it.
type outgoing struct {
	data        []byte
	close       bool
	closeStatus websocket.StatusCode
	closeReason string
}

// session is one client WebSocket: it reads and decodes messages, hands them to the meeting
// (dispatch.go), and writes what the meeting sends (room.Conn).
type session struct {
	hub   *Hub
	code  string
	addr  string // the client's IP address, for rate limits
	conn  *websocket.Conn
	log   *slog.Logger
	out   chan outgoing
	group *routine.Group // the writer, the pinger, a close that could not be queued

	soft *rate.Limiter // above it: messages refused
	hard *rate.Limiter // above it: connection closed

	closeOnce  sync.Once
	closing    chan struct{}
	writerDone chan struct{}
	joined     chan struct{} // closed at the first join accepted (caps.go)

	// Owned by the reading goroutine.
	p         *room.Participant
	req       *room.LobbyRequest // waiting in the lobby; p is nil until admitted
	left      bool
	hasJoined bool
}

var _ room.Conn = (*session)(nil)

func newSession(h *Hub, code string, conn *websocket.Conn) *session {
	perSec := h.cfg.MaxMessagesPerSecond
	return &session{
		hub:        h,
		code:       code,
		conn:       conn,
		log:        h.log.With("room", code),
		out:        make(chan outgoing, sendQueueSize),
		soft:       rate.NewLimiter(rate.Limit(perSec), int(2*perSec)),
		hard:       rate.NewLimiter(rate.Limit(2*perSec), int(4*perSec)),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		joined:     make(chan struct{}),
	}
}

// run serves the session until the socket closes or ctx is cancelled.
func (s *session) run(ctx context.Context) {
	s.group = routine.NewGroup(ctx)
	s.group.Go(func(ctx context.Context) {
		defer close(s.writerDone)
		s.writeLoop(ctx)
	})
	s.group.Go(s.pingLoop)
	s.group.Go(s.joinDeadline)

	s.readLoop(s.group.Context())
	// Let the writer flush what is queued (a fatal error, a bye) and close the socket.
	s.closeStatus(websocket.StatusNormalClosure, "")
	select {
	case <-s.writerDone:
	case <-time.After(writeTimeout):
	}
	s.group.Close()
	_ = s.conn.CloseNow()

	s.adopt()
	if s.req != nil {
		s.req.Leave()
	}
	if s.p != nil && !s.left {
		s.p.Detach(s)
	}
}

func (s *session) readLoop(ctx context.Context) {
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			if status := websocket.CloseStatus(err); status == websocket.StatusMessageTooBig {
				s.log.Info("client sent an oversized message", "limit", s.hub.cfg.MaxMessageBytes)
			}
			return
		}
		if !s.hard.Allow() {
			s.fail(&ProtocolError{Code: CodeRateLimited, Message: "too many messages; connection closed", Fatal: true})
			return
		}
		if !s.soft.Allow() {
			s.sendError(&ProtocolError{Code: CodeRateLimited, Message: "too many messages; this one was ignored"})
			continue
		}
		if typ != websocket.MessageText {
			s.sendError(badMessage("binary frames are not part of the protocol"))
			continue
		}
		msg, err := Decode(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				pe = badMessage("%v", err)
			}
			s.hub.metrics.Messages.WithLabelValues("invalid").Inc()
			if pe.Fatal {
				s.fail(pe)
				return
			}
			s.sendError(pe)
			continue
		}
		if err := s.handle(ctx, msg); err != nil {
			var known *ProtocolError
			pe := protocolError(err)
			if pe.Code == CodeServerError && !errors.As(err, &known) {
				s.log.Error("handling message", "err", err)
			}
			if pe.Fatal {
				s.fail(pe)
				return
			}
			s.sendError(pe)
		}
		if s.left {
			s.closeWith(nil)
			return
		}
	}
}

// Send implements room.Conn.
func (s *session) Send(ev room.Event) {
	if msg := s.hub.encode(ev); msg != nil {
		s.send(msg)
	}
}

// Close implements room.Conn: a refusal closes as a fatal error does, anything else normally.
func (s *session) Close(last room.Event) {
	if r, ok := last.(room.Refused); ok {
		s.fail(refusal(r.Err))
		return
	}
	var msg any
	if last != nil {
		msg = s.hub.encode(last)
	}
	s.closeWith(msg)
}

// send queues msg for the client. A client too slow to read its messages is disconnected.
func (s *session) send(msg any) {
	data, err := json.Marshal(msg)
	if err != nil {
		s.log.Error("encode message", "err", err)
		return
	}
	select {
	case <-s.closing:
	case s.out <- outgoing{data: data}:
	default:
		s.log.Warn("client too slow to read its messages; closing")
		s.closeWith(nil)
	}
}

func (s *session) sendError(pe *ProtocolError) {
	s.hub.metrics.Errors.WithLabelValues(pe.Code).Inc()
	s.send(ErrorMessage{Type: "error", Code: pe.Code, Message: pe.Message, Fatal: pe.Fatal})
}

// fail sends a fatal error and closes the socket after it.
func (s *session) fail(pe *ProtocolError) {
	pe.Fatal = true
	s.sendError(pe)
	s.closeStatus(websocket.StatusPolicyViolation, pe.Code)
}

// closeWith sends last (if not nil) and closes the socket normally.
func (s *session) closeWith(last any) {
	if last != nil {
		s.send(last)
	}
	s.closeStatus(websocket.StatusNormalClosure, "")
}

func (s *session) closeStatus(status websocket.StatusCode, reason string) {
	s.closeOnce.Do(func() {
		// The close instruction must not be lost even if the queue is full.
		select {
		case s.out <- outgoing{close: true, closeStatus: status, closeReason: reason}:
		default:
			s.group.Go(func(context.Context) { _ = s.conn.Close(status, reason) })
		}
		close(s.closing)
	})
}

func (s *session) writeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-s.out:
			if m.close {
				_ = s.conn.Close(m.closeStatus, m.closeReason)
				return
			}
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := s.conn.Write(wctx, websocket.MessageText, m.data)
			cancel()
			if err != nil {
				_ = s.conn.CloseNow()
				return
			}
		}
	}
}

func (s *session) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.hub.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, 2*s.hub.cfg.PingInterval)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					s.log.Info("client stopped answering pings; treating the connection as lost")
					_ = s.conn.CloseNow()
				}
				return
			}
		}
	}
}
