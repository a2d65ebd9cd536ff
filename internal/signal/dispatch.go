package signal

import (
	"context"

	"visio/internal/room"
)

// handle turns one decoded message into a call of the meeting (room) or of the participant's
// media negotiation. A new meeting feature adds its message's case here.
func (s *session) handle(ctx context.Context, msg any) error {
	s.adopt()
	if j, ok := msg.(*Join); ok {
		s.count("join")
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
		s.count("ping")
		s.send(Pong{Type: "pong", ID: m.ID})
	case *Offer:
		s.count("offer")
		answer, err := s.media().HandleOffer(ctx, m.SDP, m.Tracks)
		if err != nil {
			return err
		}
		s.send(SDPMessage{Type: "answer", SDP: answer})
	case *Answer:
		s.count("answer")
		return s.media().HandleAnswer(m.SDP)
	case *Candidate:
		s.count("candidate")
		return s.media().AddCandidate(m.Target, m.Candidate)
	case *Subscribe:
		s.count("subscribe")
		for _, v := range m.Tracks {
			s.media().SetSubscription(v.TrackID, v.Visible, v.Width, v.Height)
		}
	case *Mute:
		s.count("mute")
		s.p.Mute(room.Source(m.Source), m.Muted)
	case *TranscriptionControl:
		s.count("transcription")
		return s.p.ControlTranscription(m.Action)
	case *RecordingControl:
		s.count("recording")
		return s.p.ControlRecording(m.Action, m.AudioOnly)
	case *Captions:
		s.count("captions")
		s.p.SetCaptions(m.Enabled)
	case *LobbyDecision:
		if m.Admit {
			s.count("admit")
		} else {
			s.count("deny")
		}
		return s.p.Decide(m.Admit, m.RequestIDs, m.All)
	case *Moderate:
		s.count("moderate")
		return s.p.Moderate(ctx, m.Action, m.ParticipantID)
	case *Hand:
		s.count("hand")
		if m.ParticipantID != "" {
			return s.p.LowerHand(m.ParticipantID)
		}
		return s.p.RaiseHand(m.Raised)
	case *React:
		s.count("reaction")
		return s.p.React(m.Emoji)
	case *BreakoutControl:
		s.count("breakout")
		return s.handleBreakout(m)
	case *ChatSend:
		s.count("chat")
		_, err := s.p.Chat(m.Text, m.To)
		return chatError(err)
	case *ChatKeep:
		s.count("chat_keep")
		return chatError(s.p.KeepChat(m.Keep))
	case *Leave:
		s.count("leave")
		s.left = true
		s.p.Leave()
	}
	return nil
}

func (s *session) count(typ string) { s.hub.metrics.Messages.WithLabelValues(typ).Inc() }

// media is the participant's media, for the negotiation.
func (s *session) media() negotiator { return s.p.Peer().(negotiator) }

// join checks the join token (or the resume token) and enters the meeting.
func (s *session) join(ctx context.Context, j *Join) error {
	if j.ResumeToken != "" {
		p, err := s.hub.meetings.Resume(s.code, j.ResumeToken, s)
		if err != nil {
			return err
		}
		s.attach(p)
		return nil
	}
	if j.Token == "" {
		return &ProtocolError{Code: CodeTokenRequired, Message: "join needs a token from POST /api/v1/rooms/{code}/join", Fatal: true}
	}
	e, err := s.hub.gate.Admit(ctx, s.code, j.Token)
	if err != nil {
		return err
	}
	p, req, err := s.hub.meetings.Join(s.code, s.addr, s, e)
	if err != nil {
		return err
	}
	if req != nil {
		s.req = req
		s.markJoined()
		s.log = s.log.With("lobby_request", req.ID())
		return nil
	}
	s.attach(p)
	return nil
}

func (s *session) attach(p *room.Participant) {
	s.markJoined()
	s.p = p
	s.log = s.log.With("participant", p.ID())
}

// adopt notices that the lobby request of this session was admitted: from then on the session
// is its participant's.
func (s *session) adopt() {
	if s.req == nil {
		return
	}
	if p := s.req.Admitted(); p != nil {
		s.req = nil
		s.attach(p)
	}
}

// handleWaiting answers a message from someone waiting in the lobby: they may only ping or
// leave. In particular no offer, answer or candidate reaches the media: they have none.
func (s *session) handleWaiting(msg any) error {
	switch m := msg.(type) {
	case *Ping:
		s.count("ping")
		s.send(Pong{Type: "pong", ID: m.ID})
		return nil
	case *Leave:
		s.count("leave")
		s.req.Leave()
		s.req = nil
		s.left = true
		return nil
	}
	return &ProtocolError{Code: CodeInLobby, Message: "you are waiting in the lobby: only ping and leave are allowed"}
}
