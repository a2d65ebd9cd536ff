package room

import "time"

// Event is something the meeting tells one person's client. The signalling layer encodes each
// event type as a protocol message (signal/encode.go); a new meeting feature adds its events
// here and their encoding there.
type Event interface{ event() }

// Info is a room's settings as the meeting knows them.
type Info struct {
	Code   string
	Name   string
	Access string // public, trusted or restricted
}

// RoomState is the room as participants see it.
type RoomState struct {
	Info
	Locked bool
}

// ParticipantInfo describes a participant to the others.
type ParticipantInfo struct {
	ID       string
	Name     string
	State    string // active, or away while reconnecting
	JoinedAt time.Time
	Role     string
	SignedIn bool
	Tracks   []Track
}

// LobbyEntry is someone waiting in the lobby, as moderators see them.
type LobbyEntry struct {
	RequestID   string
	Name        string
	SignedIn    bool
	RequestedAt time.Time
}

// Welcome confirms an entry (or a resumption) to the participant.
type Welcome struct {
	Participant   ParticipantInfo
	Others        []ParticipantInfo // oldest first
	Room          RoomState
	Permissions   []string
	Lobby         []LobbyEntry // for moderators
	ResumeToken   string
	Resumed       bool
	Transcription TranscriptionState
	// Recording is the meeting's recording state (recording.go): known before any media.
	Recording RecordingState
	// Hands are the raised hands in the order raised (hands.go).
	Hands []RaisedHand
	// Chat is the chat's history this participant may read, oldest first (chat.go).
	Chat []ChatMessage
	// ChatState says whether the chat is kept with the room (chat.go).
	ChatState ChatState
}

// ParticipantJoined, ParticipantUpdated and ParticipantLeft keep everyone's list current.
type (
	ParticipantJoined  struct{ Participant ParticipantInfo }
	ParticipantUpdated struct{ Participant ParticipantInfo }
	ParticipantLeft    struct{ ParticipantID, Reason string }
)

// Offer is a subscriber-connection offer from the media side.
type Offer struct{ SDP string }

// Layers tells a publisher which simulcast layers of a track others need.
type Layers struct {
	TrackID string
	Active  []string
}

// Speakers lists who is speaking, loudest first.
type Speakers struct{ Speakers []Speaker }

// Waiting tells someone they wait in the lobby.
type Waiting struct {
	RequestID         string
	ModeratorsPresent bool
}

// LobbyRequested tells moderators someone asks to enter.
type LobbyRequested struct{ Entry LobbyEntry }

// LobbySettled tells moderators a request was settled: admitted, denied, failed, left or
// timeout.
type LobbySettled struct {
	RequestID, State, ActorID, ActorName string
	// Reason is the error when an admission failed (State "failed").
	Reason error
}

// Denied tells someone waiting that they will not enter: denied, timeout or ended.
type Denied struct{ Reason, Message string }

// Bye tells a participant the server ends its session: removed, ended, replaced, shutdown.
type Bye struct{ Reason, Message string }

// Refused tells someone their entry failed; the connection closes after it.
type Refused struct{ Err error }

// Moderated tells everyone what a moderator did.
type Moderated struct {
	Action, ActorID, ActorName, TargetID, TargetName string
}

// RoomUpdated tells everyone the room's state changed.
type RoomUpdated struct{ Room RoomState }

// Caption is a recognized segment, for those who turned captions on.
type Caption struct {
	ParticipantID, Name string
	Start, End          time.Duration // on the meeting's clock
	Text                string
}

// ParticipantRef names a participant.
type ParticipantRef struct{ ID, Name string }

// TranscriptionState is whether the meeting is transcribed, as one participant sees it.
type TranscriptionState struct {
	Active     bool
	By         *ParticipantRef // while active
	StartedAt  *time.Time      // while active
	Recognizer string
	Language   string
	Available  bool
	Reason     string // why unavailable: "no_recognizer"
	Notice     string // "local_english_only" for the built-in recognizer
	CanControl bool
	// TranscriptID is the meeting's transcript, once transcription has been started.
	TranscriptID string
}

func (Welcome) event()            {}
func (ParticipantJoined) event()  {}
func (ParticipantUpdated) event() {}
func (ParticipantLeft) event()    {}
func (Offer) event()              {}
func (Layers) event()             {}
func (Speakers) event()           {}
func (Waiting) event()            {}
func (LobbyRequested) event()     {}
func (LobbySettled) event()       {}
func (Denied) event()             {}
func (Bye) event()                {}
func (Refused) event()            {}
func (Moderated) event()          {}
func (RoomUpdated) event()        {}
func (Caption) event()            {}
func (TranscriptionState) event() {}
