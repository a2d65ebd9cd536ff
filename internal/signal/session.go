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

	"visio/internal/sfu"
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

// session is one client WebSocket.
type session struct {
	hub  *Hub
	code string
	addr string // the client's IP address, for rate limits
	conn *websocket.Conn
	log  *slog.Logger
	out  chan outgoing

	soft *rate.Limiter // above it: messages refused
	hard *rate.Limiter // above it: connection closed

	closeOnce  sync.Once
	closing    chan struct{}
	writerDone chan struct{}

	// Owned by the reading goroutine.
	p    *participant
	req  *lobbyRequest // waiting in the lobby; p is nil until admitted
	left bool
}

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
	}
}

// run serves the session until the socket closes.
func (s *session) run(parent context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(s.writerDone)
		s.writeLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		s.pingLoop(ctx)
	}()

	s.readLoop(ctx)
	// Let the writer flush what is queued (a fatal error, a bye) and close the socket.
	s.closeStatus(websocket.StatusNormalClosure, "")
	select {
	case <-s.writerDone:
	case <-time.After(writeTimeout):
	}
	cancel()
	wg.Wait()
	_ = s.conn.CloseNow()

	s.adopt()
	if s.req != nil {
		s.req.conf.settleOne(s.req, "left")
	}
	if s.p != nil && !s.left {
		s.p.conf.detach(s.p, s)
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
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				s.log.Error("handling message", "err", err)
				pe = &ProtocolError{Code: CodeServerError, Message: "the server could not handle this message"}
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

// handle acts on one decoded message.
func (s *session) handle(ctx context.Context, msg any) error {
	s.adopt()
	if j, ok := msg.(*Join); ok {
		s.hub.metrics.Messages.WithLabelValues("join").Inc()
		if s.p != nil || s.req != nil {
			return &ProtocolError{Code: CodeAlreadyJoined, Message: "this connection has already joined"}
		}
		return s.join(ctx, j)
	}
	if s.req != nil {
		return s.handleWaiting(msg)
	}
	if _, ok := msg.(*Ping); !ok && s.p == nil {
		return &ProtocolError{Code: CodeNotJoined, Message: "send join first"}
	}
	switch m := msg.(type) {
	case *Ping:
		s.hub.metrics.Messages.WithLabelValues("ping").Inc()
		s.send(Pong{Type: "pong", ID: m.ID})
	case *Offer:
		s.hub.metrics.Messages.WithLabelValues("offer").Inc()
		decl := make([]sfu.DeclaredTrack, len(m.Tracks))
		for i, t := range m.Tracks {
			decl[i] = sfu.DeclaredTrack{CID: t.CID, Source: sfu.Source(t.Source), Layers: t.Layers}
		}
		answer, err := s.p.peer.HandleOffer(ctx, m.SDP, decl)
		if err != nil {
			return mediaError(err)
		}
		s.send(SDPMessage{Type: "answer", SDP: answer})
	case *Answer:
		s.hub.metrics.Messages.WithLabelValues("answer").Inc()
		if err := s.p.peer.HandleAnswer(m.SDP); err != nil {
			return mediaError(err)
		}
	case *Candidate:
		s.hub.metrics.Messages.WithLabelValues("candidate").Inc()
		if err := s.p.peer.AddCandidate(sfu.Target(m.Target), m.Candidate); err != nil {
			return mediaError(err)
		}
	case *Subscribe:
		s.hub.metrics.Messages.WithLabelValues("subscribe").Inc()
		for _, v := range m.Tracks {
			s.p.peer.SetSubscription(v.TrackID, v.Visible, v.Width, v.Height)
		}
	case *Mute:
		s.hub.metrics.Messages.WithLabelValues("mute").Inc()
		s.p.peer.SetMuted(sfu.Source(m.Source), m.Muted)
	case *TranscriptionControl:
		s.hub.metrics.Messages.WithLabelValues("transcription").Inc()
		return s.p.conf.controlTranscription(s.p, m.Action)
	case *RecordingControl:
		s.hub.metrics.Messages.WithLabelValues("recording").Inc()
		return s.p.conf.controlRecording(s.p, m)
	case *Captions:
		s.hub.metrics.Messages.WithLabelValues("captions").Inc()
		s.p.conf.setCaptions(s.p, m.Enabled)
	case *LobbyDecision:
		name := "deny"
		if m.Admit {
			name = "admit"
		}
		s.hub.metrics.Messages.WithLabelValues(name).Inc()
		return s.p.conf.decide(s.p, m)
	case *Moderate:
		s.hub.metrics.Messages.WithLabelValues("moderate").Inc()
		return s.p.conf.moderate(ctx, s.p, m)
	case *Leave:
		s.hub.metrics.Messages.WithLabelValues("leave").Inc()
		s.left = true
		s.p.conf.remove(s.p, "left")
	}
	return nil
}

func (s *session) join(ctx context.Context, j *Join) error {
	var e Entrant
	switch {
	case j.ResumeToken != "":
	case j.Token == "":
		return &ProtocolError{Code: CodeTokenRequired, Message: "join needs a token from POST /api/v1/rooms/{code}/join", Fatal: true}
	default:
		var err error
		if e, err = s.hub.gate.Admit(ctx, s.code, j.Token); err != nil {
			return err
		}
	}
	for attempt := 0; attempt < 3; attempt++ {
		c := s.hub.conference(s.code)
		if c == nil {
			return &ProtocolError{Code: CodeServerError, Message: "the server is shutting down", Fatal: true}
		}
		var p *participant
		var req *lobbyRequest
		var err error
		if j.ResumeToken != "" {
			p, err = c.resume(s, j.ResumeToken)
		} else {
			p, req, err = c.join(s, e)
		}
		if errors.Is(err, errConferenceClosed) {
			continue // the room closed as we arrived: a new one is made
		}
		if err != nil {
			return err
		}
		if req != nil {
			s.req = req
			s.log = s.log.With("lobby_request", req.id)
			return nil
		}
		s.p = p
		s.log = s.log.With("participant", p.id)
		return nil
	}
	return &ProtocolError{Code: CodeServerError, Message: "could not join the room; try again", Fatal: true}
}

// mediaError turns an SFU error into a protocol error.
func mediaError(err error) error {
	switch {
	case errors.Is(err, sfu.ErrBadSDP):
		return &ProtocolError{Code: CodeBadSDP, Message: truncate(err.Error(), 300)}
	case errors.Is(err, sfu.ErrBadCandidate):
		return &ProtocolError{Code: CodeBadCandidate, Message: truncate(err.Error(), 300)}
	case errors.Is(err, sfu.ErrBadTrack):
		return &ProtocolError{Code: CodeBadTrack, Message: truncate(err.Error(), 300)}
	}
	return err
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
			go func() { _ = s.conn.Close(status, reason) }()
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

// adopt notices that the lobby request of this session was admitted: from then on the session
// is its participant's.
func (s *session) adopt() {
	if s.req == nil {
		return
	}
	if p := s.req.conf.admitted(s.req); p != nil {
		s.p, s.req = p, nil
		s.log = s.log.With("participant", p.id)
	}
}

// handleWaiting answers a message from someone waiting in the lobby: they may only ping or
// leave. In particular no offer, answer or candidate reaches the SFU: they have no media.
func (s *session) handleWaiting(msg any) error {
	switch m := msg.(type) {
	case *Ping:
		s.hub.metrics.Messages.WithLabelValues("ping").Inc()
		s.send(Pong{Type: "pong", ID: m.ID})
		return nil
	case *Leave:
		s.hub.metrics.Messages.WithLabelValues("leave").Inc()
		s.req.conf.settleOne(s.req, "left")
		s.req = nil
		s.left = true
		return nil
	}
	return &ProtocolError{Code: CodeInLobby, Message: "you are waiting in the lobby: only ping and leave are allowed"}
}
