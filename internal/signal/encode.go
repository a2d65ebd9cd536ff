package signal

import (
	"visio/internal/room"
)

// encode turns a meeting event into its protocol message (docs/protocol.md). It returns nil for
// an event this version of the protocol does not carry.
func (h *Hub) encode(ev room.Event) any {
	switch e := ev.(type) {
	case room.Welcome:
		return h.welcome(e)
	case room.ParticipantJoined:
		return ParticipantEvent{Type: "participant_joined", Participant: participantJSON(e.Participant)}
	case room.ParticipantUpdated:
		return ParticipantEvent{Type: "participant_updated", Participant: participantJSON(e.Participant)}
	case room.ParticipantLeft:
		return ParticipantLeft{Type: "participant_left", ParticipantID: e.ParticipantID, Reason: e.Reason}
	case room.Offer:
		return SDPMessage{Type: "offer", SDP: e.SDP}
	case room.Layers:
		return Layers{Type: "layers", TrackID: e.TrackID, Active: e.Active}
	case room.Speakers:
		msg := Speakers{Type: "speakers", Speakers: make([]SpeakerJSON, len(e.Speakers))}
		for i, s := range e.Speakers {
			msg.Speakers[i] = SpeakerJSON{ParticipantID: s.ParticipantID, Level: float64(int(s.Level*1000)) / 1000}
		}
		return msg
	case room.Waiting:
		return LobbyWaiting{Type: "lobby", State: "waiting", RequestID: e.RequestID, ModeratorsPresent: e.ModeratorsPresent}
	case room.LobbyRequested:
		r := lobbyJSON(e.Entry)
		r.Type = "lobby_request"
		return r
	case room.LobbySettled:
		u := LobbyUpdate{Type: "lobby_update", RequestID: e.RequestID, State: e.State, ActorID: e.ActorID, ActorName: e.ActorName}
		if e.Reason != nil {
			u.Reason = protocolError(e.Reason).Code
		}
		return u
	case room.Denied:
		return Denied{Type: "denied", Reason: e.Reason, Message: e.Message}
	case room.Bye:
		return Bye{Type: "bye", Reason: e.Reason, Message: e.Message}
	case room.Refused:
		pe := refusal(e.Err)
		return ErrorMessage{Type: "error", Code: pe.Code, Message: pe.Message, Fatal: true}
	case room.Moderated:
		return Moderation{Type: "moderation", Action: e.Action, ActorID: e.ActorID, ActorName: e.ActorName, TargetID: e.TargetID, TargetName: e.TargetName}
	case room.RoomUpdated:
		return RoomUpdated{Type: "room_updated", Room: roomJSON(e.Room)}
	case room.TranscriptionState:
		st := transcriptionJSON(e)
		st.Type = "transcription_state"
		return st
	case room.RecordingState:
		st := recordingJSON(e)
		st.Type = "recording_state"
		return st
	case room.StateLost:
		return ErrorMessage{Type: "error", Code: CodeStateLost, Message: e.Message}
	case room.RecordingFailed:
		return ErrorMessage{Type: "error", Code: CodeRecordingFailed, Message: e.Message}
	case room.HandsChanged:
		msg := HandsMessage{Type: "hands", Hands: handsJSON(e.Hands), ParticipantID: e.ParticipantID, Raised: e.Raised, Reason: e.Reason}
		if e.By != nil {
			msg.By = &ParticipantRef{ID: e.By.ID, Name: e.By.Name}
		}
		return msg
	case room.ChatState:
		st := chatStateJSON(e)
		st.Type = "chat_state"
		return st
	case room.ChatMessage:
		msg := chatJSON(e)
		msg.Type = "chat"
		return msg
	case room.Reacted:
		return Reaction{Type: "reaction", ParticipantID: e.ParticipantID, Name: e.Name, Emoji: e.Emoji}
	case room.Caption:
		return Caption{Type: "caption", ParticipantID: e.ParticipantID, Name: e.Name,
			StartMS: e.Start.Milliseconds(), EndMS: e.End.Milliseconds(), Text: e.Text}
	case room.BreakoutState, room.BreakoutEnding, room.BreakoutMessage:
		return encodeBreakout(ev)
	}
	return nil
}

func (h *Hub) welcome(e room.Welcome) Welcome {
	ice := h.cfg.ICEServers
	if h.cfg.ICEServersFor != nil {
		ice = append(append([]ICEServerJSON{}, ice...), h.cfg.ICEServersFor(e.Participant.ID)...)
	}
	if ice == nil {
		ice = []ICEServerJSON{}
	}
	others := make([]ParticipantJSON, len(e.Others))
	for i, o := range e.Others {
		others[i] = participantJSON(o)
	}
	var lobby []LobbyRequestJSON
	if e.Lobby != nil {
		lobby = make([]LobbyRequestJSON, len(e.Lobby))
		for i, l := range e.Lobby {
			lobby[i] = lobbyJSON(l)
		}
	}
	return Welcome{
		Type:         "welcome",
		Participant:  participantJSON(e.Participant),
		Participants: others,
		Room:         roomJSON(e.Room),
		Permissions:  e.Permissions,
		Lobby:        lobby,
		ResumeToken:  e.ResumeToken,
		ICEServers:   ice,
		Resumed:      e.Resumed,
		Limits: LimitsJSON{
			MaxMessageBytes:      h.cfg.MaxMessageBytes,
			MaxMessagesPerSecond: h.cfg.MaxMessagesPerSecond,
			ReconnectGraceMS:     h.cfg.ReconnectGrace.Milliseconds(),
		},
		Transcription: transcriptionJSON(e.Transcription),
		Recording:     recordingJSON(e.Recording),
		Hands:         handsJSON(e.Hands),
		Chat:          chatHistoryJSON(e.Chat),
		ChatState:     chatStateJSON(e.ChatState),
	}
}

func participantJSON(p room.ParticipantInfo) ParticipantJSON {
	tracks := make([]TrackJSON, len(p.Tracks))
	for i, t := range p.Tracks {
		tracks[i] = TrackJSON{ID: t.ID, Source: string(t.Source), Kind: t.Kind, Muted: t.Muted, Layers: t.Layers}
	}
	return ParticipantJSON{ID: p.ID, Name: p.Name, State: p.State, JoinedAt: p.JoinedAt, Role: p.Role, SignedIn: p.SignedIn, Tracks: tracks}
}

func lobbyJSON(e room.LobbyEntry) LobbyRequestJSON {
	return LobbyRequestJSON{RequestID: e.RequestID, Name: e.Name, SignedIn: e.SignedIn, RequestedAt: e.RequestedAt}
}

func roomJSON(r room.RoomState) RoomJSON {
	return RoomJSON{Code: r.Code, Name: r.Name, Access: r.Access, Locked: r.Locked}
}

func transcriptionJSON(t room.TranscriptionState) TranscriptionState {
	st := TranscriptionState{Active: t.Active, StartedAt: t.StartedAt, Recognizer: t.Recognizer, Language: t.Language,
		Available: t.Available, Reason: t.Reason, Notice: t.Notice, CanControl: t.CanControl, TranscriptID: t.TranscriptID}
	if t.By != nil {
		st.By = &ParticipantRef{ID: t.By.ID, Name: t.By.Name}
	}
	return st
}

func recordingJSON(r room.RecordingState) RecordingState {
	st := RecordingState{State: r.State, AudioOnly: r.AudioOnly, StartsAt: r.StartsAt, StartedAt: r.StartedAt,
		Available: r.Available, CanControl: r.CanControl, Stopped: r.Stopped, RecordingID: r.RecordingID}
	if r.By != nil {
		st.By = &ParticipantRef{ID: r.By.ID, Name: r.By.Name}
	}
	return st
}

func handsJSON(list []room.RaisedHand) []RaisedHandJSON {
	out := make([]RaisedHandJSON, len(list))
	for i, h := range list {
		out[i] = RaisedHandJSON{ParticipantID: h.ParticipantID, Name: h.Name, RaisedAt: h.RaisedAt}
	}
	return out
}
