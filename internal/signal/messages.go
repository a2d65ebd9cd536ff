package signal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"visio/internal/room"
)

// Subprotocol is the WebSocket sub-protocol of this version of the protocol.
const Subprotocol = "visio.v1"

// MaxNameLength is the longest display name, in characters.
const MaxNameLength = 64

// Error codes sent in error messages. They are stable: clients translate them.
const (
	CodeBadMessage    = "bad_message"
	CodeNotJoined     = "not_joined"
	CodeAlreadyJoined = "already_joined"
	CodeInvalidName   = "invalid_name"
	CodeRoomFull      = "room_full"
	CodeResumeExpired = "resume_expired"
	CodeBadSDP        = "bad_sdp"
	CodeBadCandidate  = "bad_candidate"
	CodeBadTrack      = "bad_track"
	CodeRateLimited   = "rate_limited"
	CodeServerError   = "server_error"
)

// ProtocolError is an error to report to the client.
type ProtocolError struct {
	Code    string
	Message string
	Fatal   bool
}

func (e *ProtocolError) Error() string { return e.Code + ": " + e.Message }

func badMessage(format string, a ...any) *ProtocolError {
	return &ProtocolError{Code: CodeBadMessage, Message: fmt.Sprintf(format, a...)}
}

// Client messages.

// Join is the first message a client sends.
type Join struct {
	// Token is the join token from POST /api/v1/rooms/{code}/join; the name comes from it.
	Token string `json:"token,omitempty"`
	// Name is ignored (version 1 clients sent it); it is checked only if present.
	Name        string `json:"name"`
	ResumeToken string `json:"resume_token,omitempty"`
}

// TrackDecl declares the source of a track in a publisher offer.
type TrackDecl struct {
	CID    string   `json:"cid"`
	Source string   `json:"source"`
	Layers []string `json:"layers,omitempty"`
}

// Offer is a publisher-connection offer.
type Offer struct {
	SDP    string      `json:"sdp"`
	Tracks []TrackDecl `json:"tracks"`
}

// Answer answers a subscriber-connection offer.
type Answer struct {
	SDP string `json:"sdp"`
}

// Candidate is a trickled ICE candidate.
type Candidate struct {
	Target    string                  `json:"target"`
	Candidate webrtc.ICECandidateInit `json:"candidate"`
}

// Mute reports that a source was muted or unmuted.
type Mute struct {
	Source string `json:"source"`
	Muted  bool   `json:"muted"`
}

// Subscribe says how the client shows remote video tracks.
type Subscribe struct {
	Tracks []TrackView `json:"tracks"`
}

// TrackView is how one remote video track is shown.
type TrackView struct {
	TrackID string `json:"track_id"`
	Visible bool   `json:"visible"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
}

// maxTrackViews bounds one subscribe message.
const maxTrackViews = 256

// Leave leaves the room.
type Leave struct{}

// Ping asks for a pong.
type Ping struct {
	ID string `json:"id,omitempty"`
}

// Decode parses one client message. It returns one of *Join, *Offer, *Answer, *Candidate,
// *Mute, *Leave or *Ping, or a *ProtocolError saying what is wrong.
func Decode(data []byte) (any, error) {
	var env struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, badMessage("not a JSON object: %v", err)
	}
	var msg any
	switch env.Type {
	case "join":
		msg = &Join{}
	case "offer":
		msg = &Offer{}
	case "answer":
		msg = &Answer{}
	case "candidate":
		msg = &Candidate{}
	case "mute":
		msg = &Mute{}
	case "subscribe":
		msg = &Subscribe{}
	case "leave":
		return &Leave{}, nil
	case "ping":
		msg = &Ping{}
	case "transcription":
		msg = &TranscriptionControl{}
	case "captions":
		msg = &Captions{}
	case "recording":
		msg = &RecordingControl{}
	case "admit":
		msg = &LobbyDecision{Admit: true}
	case "deny":
		msg = &LobbyDecision{}
	case "moderate":
		msg = &Moderate{}
	case "hand":
		msg = &Hand{}
	case "reaction":
		msg = &React{}
	case "breakout":
		msg = &BreakoutControl{}
	case "chat":
		msg = &ChatSend{}
	case "chat_keep":
		msg = &ChatKeep{}
	case "":
		return nil, badMessage("missing message type")
	default:
		return nil, badMessage("unknown message type %q", truncate(env.Type, 32))
	}
	if err := json.Unmarshal(data, msg); err != nil {
		return nil, badMessage("%s: %v", env.Type, err)
	}
	if err := validate(msg); err != nil {
		return nil, err
	}
	return msg, nil
}

func validate(msg any) error {
	switch m := msg.(type) {
	case *Join:
		if m.Name != "" {
			name, err := CleanName(m.Name)
			if err != nil {
				return err
			}
			m.Name = name
		}
		if len(m.ResumeToken) > 128 {
			return badMessage("join: resume token too long")
		}
		if len(m.Token) > 4096 {
			return &ProtocolError{Code: CodeTokenInvalid, Message: "join: token too long", Fatal: true}
		}
	case *LobbyDecision:
		if !m.All && len(m.RequestIDs) == 0 {
			return badMessage("admit/deny: give request_ids or all:true")
		}
		if len(m.RequestIDs) > maxLobbyDecision {
			return badMessage("admit/deny: at most %d request ids", maxLobbyDecision)
		}
	case *Moderate:
		known, one := room.ActionTargetsOne(m.Action)
		if !known {
			return badMessage("moderate: unknown action %q", truncate(m.Action, 32))
		}
		if one && (m.ParticipantID == "" || len(m.ParticipantID) > 64) {
			return badMessage("moderate: %s needs a participant_id", m.Action)
		}
	case *Offer:
		if err := checkSDP(m.SDP); err != nil {
			return err
		}
		if len(m.Tracks) > 8 {
			return &ProtocolError{Code: CodeBadTrack, Message: "offer: too many tracks"}
		}
		for _, t := range m.Tracks {
			if t.CID == "" || len(t.CID) > 128 {
				return &ProtocolError{Code: CodeBadTrack, Message: "offer: track cid must be 1 to 128 characters"}
			}
			if len(t.Layers) > 3 {
				return &ProtocolError{Code: CodeBadTrack, Message: "offer: at most 3 simulcast layers"}
			}
		}
	case *Answer:
		return checkSDP(m.SDP)
	case *Candidate:
		if m.Target != "publisher" && m.Target != "subscriber" {
			return badMessage("candidate: target must be publisher or subscriber")
		}
	case *Mute:
		switch m.Source {
		case "microphone", "camera", "screen", "screen_audio":
		default:
			return badMessage("mute: unknown source %q", truncate(m.Source, 32))
		}
	case *Subscribe:
		if len(m.Tracks) > maxTrackViews {
			return badMessage("subscribe: at most %d tracks", maxTrackViews)
		}
		for _, v := range m.Tracks {
			if v.TrackID == "" || len(v.TrackID) > 64 {
				return badMessage("subscribe: track_id must be 1 to 64 characters")
			}
			if v.Width < 0 || v.Height < 0 || v.Width > 16384 || v.Height > 16384 {
				return badMessage("subscribe: width and height must be 0 to 16384")
			}
		}
	case *Ping:
		if len(m.ID) > 64 {
			return badMessage("ping: id too long")
		}
	case *TranscriptionControl:
		if m.Action != "start" && m.Action != "stop" {
			return badMessage("transcription: action must be start or stop")
		}
	case *RecordingControl:
		if m.Action != "start" && m.Action != "stop" {
			return badMessage("recording: action must be start or stop")
		}
	case *Hand:
		if len(m.ParticipantID) > 64 {
			return badMessage("hand: participant_id too long")
		}
		if m.ParticipantID != "" && m.Raised {
			return badMessage("hand: only one's own hand can be raised")
		}
	case *BreakoutControl:
		return m.check()
	case *ChatSend:
		return validateChat(m)
	case *React:
		if !room.IsReaction(m.Emoji) {
			return badMessage("reaction: emoji must be one of %v", room.Reactions)
		}
	}
	return nil
}

// checkSDP parses an SDP before it reaches the WebRTC stack.
func checkSDP(s string) error {
	if s == "" {
		return &ProtocolError{Code: CodeBadSDP, Message: "empty SDP"}
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(s); err != nil {
		return &ProtocolError{Code: CodeBadSDP, Message: "SDP does not parse: " + truncate(err.Error(), 200)}
	}
	return nil
}

// CleanName trims a display name and checks its length and characters.
func CleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n == 0 || n > MaxNameLength {
		return "", &ProtocolError{Code: CodeInvalidName, Message: fmt.Sprintf("name must be 1 to %d characters", MaxNameLength), Fatal: true}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", &ProtocolError{Code: CodeInvalidName, Message: "name contains control characters", Fatal: true}
		}
	}
	return s, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Server messages.

// TrackJSON describes a published track.
type TrackJSON struct {
	ID     string   `json:"id"`
	Source string   `json:"source"`
	Kind   string   `json:"kind"`
	Muted  bool     `json:"muted"`
	Layers []string `json:"layers,omitempty"`
}

// ParticipantJSON describes a participant.
type ParticipantJSON struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	State    string      `json:"state"`
	JoinedAt time.Time   `json:"joined_at"`
	Role     string      `json:"role"`
	SignedIn bool        `json:"signed_in"`
	Tracks   []TrackJSON `json:"tracks"`
}

// RoomJSON describes the room in a welcome.
type RoomJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Access string `json:"access"`
	Locked bool   `json:"locked"`
}

// LimitsJSON tells the client the limits it must respect.
type LimitsJSON struct {
	MaxMessageBytes      int     `json:"max_message_bytes"`
	MaxMessagesPerSecond float64 `json:"max_messages_per_second"`
	ReconnectGraceMS     int64   `json:"reconnect_grace_ms"`
}

// ICEServerJSON is an ICE server for the client's RTCPeerConnection configuration.
type ICEServerJSON struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Welcome confirms a join.
type Welcome struct {
	Type         string             `json:"type"`
	Participant  ParticipantJSON    `json:"participant"`
	Participants []ParticipantJSON  `json:"participants"`
	Room         RoomJSON           `json:"room"`
	Permissions  []string           `json:"permissions"`
	Lobby        []LobbyRequestJSON `json:"lobby,omitempty"`
	ResumeToken  string             `json:"resume_token"`
	ICEServers   []ICEServerJSON    `json:"ice_servers"`
	Resumed      bool               `json:"resumed"`
	Limits       LimitsJSON         `json:"limits"`
	// Transcription is the room's transcription state (transcription_messages.go).
	Transcription TranscriptionState `json:"transcription"`
	// Recording is the room's recording state (recording_messages.go): a participant knows
	// whether the meeting is recorded before sending any media.
	Recording RecordingState `json:"recording"`
	// Hands are the raised hands in the order raised (hands_messages.go).
	Hands []RaisedHandJSON `json:"hands"`
	// Chat is the chat's history this participant may read, oldest first (chat_messages.go).
	Chat []ChatMessageJSON `json:"chat"`
	// ChatState says whether the chat is kept with the room.
	ChatState ChatStateJSON `json:"chat_state"`
}

// ParticipantEvent is participant_joined or participant_updated.
type ParticipantEvent struct {
	Type        string          `json:"type"`
	Participant ParticipantJSON `json:"participant"`
}

// ParticipantLeft says someone is gone.
type ParticipantLeft struct {
	Type          string `json:"type"`
	ParticipantID string `json:"participant_id"`
	Reason        string `json:"reason"`
}

// SDPMessage is a server offer or answer.
type SDPMessage struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// Pong answers a ping.
type Pong struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// ErrorMessage reports a refused message.
type ErrorMessage struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Fatal   bool   `json:"fatal"`
}

// Layers tells a publisher which simulcast layers of a track to send.
type Layers struct {
	Type    string   `json:"type"`
	TrackID string   `json:"track_id"`
	Active  []string `json:"active"`
}

// SpeakerJSON is one active speaker.
type SpeakerJSON struct {
	ParticipantID string  `json:"participant_id"`
	Level         float64 `json:"level"`
}

// Speakers lists who is speaking, loudest first.
type Speakers struct {
	Type     string        `json:"type"`
	Speakers []SpeakerJSON `json:"speakers"`
}

// Bye tells the client the server is ending its session.
type Bye struct {
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}
