package room

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"visio/internal/transcribe/archive"
)

// The meeting state that outlives its node (ADR 0004): what a moderator decided and what was
// running, written to the shared store on each change and read by the node that takes the
// meeting over. Media, sockets and timers are not in it: they are made again by the clients
// that come back.

// stateVersion is the format of the encoded state. A node reading another version starts
// the meeting afresh and tells the first moderator (ErrStateUnreadable).
const stateVersion = 1

// stateMaxList bounds each list of a decoded state: a row written by a node holds at most a
// meeting's participants and lobby.
const stateMaxList = 10000

// ErrStateUnreadable: a meeting's saved state is corrupt or of an unknown version.
var ErrStateUnreadable = errors.New("the meeting's saved state cannot be read")

// savedState is the encoded meeting state, version 1.
type savedState struct {
	V       int       `json:"v"`
	Created time.Time `json:"created"`
	Locked  bool      `json:"locked,omitempty"`
	// Removed are the user and guest ids removed from the meeting.
	Removed []string `json:"removed,omitempty"`
	// People are the participants, to recognise them when they come back.
	People []savedPerson `json:"people,omitempty"`
	// Lobby is who was waiting, oldest first.
	Lobby         []savedKnock        `json:"lobby,omitempty"`
	Transcription *savedTranscription `json:"transcription,omitempty"`
	Recording     *savedRecording     `json:"recording,omitempty"`
	// ChatKeptBy is the moderator who chose to keep the chat with the room (nil: not kept). The
	// chat's history itself is not saved: private messages are never written anywhere.
	ChatKeptBy *ParticipantRef `json:"chat_kept_by,omitempty"`
}

// savedPerson is a participant of the meeting.
type savedPerson struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Name     string `json:"name"`
	Role     string `json:"role,omitempty"`
	SignedIn bool   `json:"signed_in,omitempty"`
	Moderate bool   `json:"moderate,omitempty"`
	Captions bool   `json:"captions,omitempty"`

	inUse bool // a participant of this node has it; guarded by Meeting.mu
}

// savedKnock is someone waiting in the lobby: their place is kept for when they knock again.
type savedKnock struct {
	RequestID string    `json:"request_id"`
	Subject   string    `json:"subject"`
	Name      string    `json:"name"`
	SignedIn  bool      `json:"signed_in,omitempty"`
	At        time.Time `json:"at"`
}

// savedTranscription is the meeting's transcript and whether it runs.
type savedTranscription struct {
	Meta      archive.Meta      `json:"meta"`
	Running   bool              `json:"running,omitempty"`
	By        ParticipantRef    `json:"by"`
	StartedAt time.Time         `json:"started_at"`
	Names     map[string]string `json:"names,omitempty"`
}

// savedRecording is a running (or announced) recording.
type savedRecording struct {
	AudioOnly bool           `json:"audio_only,omitempty"`
	By        ParticipantRef `json:"by"`
	// Parts are the ids of the recordings made of this meeting's run so far (one per node
	// that held it while recording).
	Parts []string `json:"parts,omitempty"`
}

// encodeState encodes st.
func encodeState(st *savedState) ([]byte, error) {
	st.V = stateVersion
	return json.Marshal(st)
}

// decodeState decodes a saved state; any error wraps ErrStateUnreadable.
func decodeState(data []byte) (*savedState, error) {
	var head struct {
		V int `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateUnreadable, err)
	}
	if head.V != stateVersion {
		return nil, fmt.Errorf("%w: version %d, this server reads %d", ErrStateUnreadable, head.V, stateVersion)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateUnreadable, err)
	}
	switch {
	case st.Created.IsZero():
		return nil, fmt.Errorf("%w: no start time", ErrStateUnreadable)
	case len(st.Removed) > stateMaxList || len(st.People) > stateMaxList || len(st.Lobby) > stateMaxList:
		return nil, fmt.Errorf("%w: too many entries", ErrStateUnreadable)
	}
	for _, p := range st.People {
		if p.ID == "" || p.Subject == "" {
			return nil, fmt.Errorf("%w: a participant without id", ErrStateUnreadable)
		}
	}
	for _, k := range st.Lobby {
		if k.RequestID == "" || k.Subject == "" {
			return nil, fmt.Errorf("%w: a lobby entry without id", ErrStateUnreadable)
		}
	}
	if tx := st.Transcription; tx != nil && tx.Meta.ID == "" {
		return nil, fmt.Errorf("%w: a transcript without id", ErrStateUnreadable)
	}
	return &st, nil
}

// snapshotLocked is the meeting's state to save. m.mu must be held.
func (m *Meeting) snapshotLocked() *savedState {
	st := &savedState{Created: m.created, Locked: m.locked}
	for id := range m.removed {
		st.Removed = append(st.Removed, id)
	}
	for _, kp := range m.known {
		sp := *kp
		if p := m.participants[kp.ID]; p != nil {
			sp.Name, sp.Role, sp.Moderate = p.name, p.role, p.perms.Moderate
			sp.Captions = m.transcription.captions[p.id]
		}
		st.People = append(st.People, sp)
	}
	for _, e := range m.lobbyListLocked() {
		r := m.lobby[e.RequestID]
		st.Lobby = append(st.Lobby, savedKnock{RequestID: r.id, Subject: r.entrant.ID, Name: r.entrant.Name, SignedIn: r.entrant.SignedIn, At: r.at})
	}
	for _, k := range m.places { // waiting on the node that was lost, not back yet
		st.Lobby = append(st.Lobby, k)
	}
	if tx := &m.transcription; tx.record != nil {
		st.Transcription = &savedTranscription{Meta: tx.record.Meta, Running: tx.session != nil, By: tx.by,
			StartedAt: tx.startedAt, Names: tx.names}
		st.Transcription.Meta.Speakers = nil
	}
	if rr := &m.recording; rr.state == RecordingStarting || rr.state == RecordingActive {
		st.Recording = &savedRecording{AudioOnly: rr.audioOnly, By: rr.by, Parts: rr.parts}
	}
	if m.chat.Kept && m.chat.KeptBy != nil {
		by := *m.chat.KeptBy
		st.ChatKeptBy = &by
	}
	return st
}
