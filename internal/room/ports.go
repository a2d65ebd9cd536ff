package room

import (
	"context"
	"time"
)

// The meeting reaches the world through the interfaces of this file; see doc.go for the lock
// order. The meeting calls Conn, Clock, Timer, Media.SetAudioTap and ChatArchive (chat.go) with
// its lock held: they must not block and must not call back into the room (Clock.AfterFunc
// calls f later, on another goroutine). It calls Media's other methods, Peer and Roles without
// its lock, so the media side may call PeerEvents and MediaEvents while holding its own locks.

// Source is a kind of media a participant publishes.
type Source string

// The sources a participant may publish.
const (
	SourceMicrophone  Source = "microphone"
	SourceCamera      Source = "camera"
	SourceScreen      Source = "screen"
	SourceScreenAudio Source = "screen_audio"
)

// Track is a published track, as the meeting shows it.
type Track struct {
	ID     string
	Source Source
	Kind   string // "audio" or "video"
	Muted  bool
	Layers []string // simulcast layers, when the track has several
}

// Speaker is someone speaking, with a level from 0 to 1.
type Speaker struct {
	ParticipantID string
	Level         float64
}

// AudioTap receives every audio packet forwarded in a meeting (live transcription).
type AudioTap func(participantID, trackID string, rtpTimestamp uint32, payload []byte)

// MediaFactory opens the media side of a new meeting (an SFU room). events receives the room's
// events.
type MediaFactory func(code string, events MediaEvents) Media

// Media is the media side of one meeting.
type Media interface {
	// NewPeer creates participant id's media; events receives its events.
	NewPeer(id string, events PeerEvents) (Peer, error)
	// SetAudioTap sends the room's audio to tap; nil stops it. The meeting calls it with its
	// lock held: it must only swap the tap (an atomic store), never block or lock.
	SetAudioTap(tap AudioTap)
	// Close closes every peer and stops the room's goroutines; safe to call twice.
	Close()
}

// MediaEvents receives a media room's events. Calls must not block.
type MediaEvents interface {
	// OnSpeakers is called when the list of active speakers (loudest first) changes.
	OnSpeakers(speakers []Speaker)
}

// Peer is one participant's media. It has six methods, one more than the usual five: each is
// one step of the participant's life that the meeting's rules decide (start, permit, mute,
// show, resume, close), and the negotiation itself (offers, answers, candidates) is left to
// the signalling layer, which knows the concrete peer.
type Peer interface {
	// Start joins the peer to the room's media: from then on it receives others' tracks.
	Start() error
	// Permit says whether the participant may publish (every source) and receive media,
	// whatever its client does.
	Permit(publish, subscribe bool)
	// Mute starts or stops forwarding the participant's tracks of one source.
	Mute(source Source, muted bool)
	// Tracks lists the tracks the participant publishes.
	Tracks() []Track
	// Resume is called when the participant comes back on a new connection.
	Resume()
	// Close ends the participant's media; safe to call twice.
	Close()
}

// PeerEvents receives a peer's events. Calls come from any goroutine, possibly with the media
// side's locks held: they do not take the meeting's lock (except OnTracksChanged, which the
// media side calls without its locks).
type PeerEvents interface {
	// OnOffer is a subscriber-connection offer for the client.
	OnOffer(sdp string)
	// OnTracksChanged says the participant's tracks or their mute state changed.
	OnTracksChanged()
	// OnLayers says which simulcast layers of one of its tracks the participant should send.
	OnLayers(trackID string, rids []string)
}

// Conn is the way to one person's client (their signalling socket). The meeting calls it with
// its lock held: it must not block and must not call into the room.
type Conn interface {
	// Send queues ev for the client.
	Send(ev Event)
	// Close sends last (when not nil) and then closes the connection.
	Close(last Event)
}

// Clock is the time the meeting's timers run on (reconnect grace, lobby timeout).
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once, after d, on a goroutine of its own.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call of Clock.AfterFunc.
type Timer interface {
	// Stop cancels the call; it reports false if it already ran or was stopped.
	Stop() bool
}

// Roles records role changes that outlive the meeting (the store).
type Roles interface {
	// Promote records that the signed-in user is now an administrator of room code.
	Promote(ctx context.Context, code, userID string) error
}

// Gauge counts something that goes up and down (a Prometheus gauge).
type Gauge interface {
	Inc()
	Dec()
}
