package signal

import (
	"time"
	"unicode/utf8"

	"visio/internal/room"
)

// CodeBreakout: a breakout request that is not possible now (no rooms open, already open, a
// room that does not exist) or not well formed; nothing changed.
const CodeBreakout = "breakout_refused"

// Breakout actions (client message "breakout", field action).
const (
	BreakoutActionOpen      = "open"      // moderators: rooms, assign, random, duration_s, allow_return
	BreakoutActionMove      = "move"      // moderators: participant_id to room (0: the main room)
	BreakoutActionVisit     = "visit"     // moderators: go to room themselves (0: back to the main room)
	BreakoutActionReturn    = "return"    // anyone, when allowed: back to the main room
	BreakoutActionBroadcast = "broadcast" // moderators: text to every room
	BreakoutActionClose     = "close"     // moderators: everyone back to the main room
)

// BreakoutControl asks for something about breakout rooms (client message "breakout").
type BreakoutControl struct {
	Action string `json:"action"`
	// Rooms are the names of the rooms to open, one per room; "" gets the default "Salle N".
	Rooms []string `json:"rooms,omitempty"`
	// Assign maps participant ids to room numbers (1 to len(rooms); 0 keeps them in the main
	// room), for open.
	Assign map[string]int `json:"assign,omitempty"`
	// Random spreads the participants not assigned who are not moderators over the rooms.
	Random bool `json:"random,omitempty"`
	// DurationS closes the rooms after that many seconds (0: no timer).
	DurationS int `json:"duration_s,omitempty"`
	// AllowReturn lets participants go back to the main room by themselves.
	AllowReturn   bool   `json:"allow_return,omitempty"`
	ParticipantID string `json:"participant_id,omitempty"`
	Room          int    `json:"room,omitempty"`
	Text          string `json:"text,omitempty"`
}

// check validates the message's shape; the meeting checks the rest (breakout.go).
func (m *BreakoutControl) check() error {
	switch m.Action {
	case BreakoutActionOpen:
		if len(m.Rooms) < 1 || len(m.Rooms) > room.MaxBreakoutRooms {
			return badMessage("breakout: open 1 to %d rooms", room.MaxBreakoutRooms)
		}
		for _, n := range m.Rooms {
			if !utf8.ValidString(n) || utf8.RuneCountInString(n) > room.MaxBreakoutNameLength {
				return badMessage("breakout: a room's name has at most %d characters", room.MaxBreakoutNameLength)
			}
		}
		if len(m.Assign) > 1000 {
			return badMessage("breakout: at most 1000 assignments")
		}
		for id, n := range m.Assign {
			if id == "" || len(id) > 64 || n < 0 || n > len(m.Rooms) {
				return badMessage("breakout: assign maps participant ids to room numbers 0 to %d", len(m.Rooms))
			}
		}
		if m.DurationS < 0 || time.Duration(m.DurationS)*time.Second > room.MaxBreakoutDuration {
			return badMessage("breakout: duration_s must be 0 to %d", int(room.MaxBreakoutDuration/time.Second))
		}
	case BreakoutActionMove:
		if m.ParticipantID == "" || len(m.ParticipantID) > 64 {
			return badMessage("breakout: move needs a participant_id")
		}
		fallthrough
	case BreakoutActionVisit:
		if m.Room < 0 || m.Room > room.MaxBreakoutRooms {
			return badMessage("breakout: room must be 0 to %d", room.MaxBreakoutRooms)
		}
	case BreakoutActionBroadcast:
		if m.Text == "" || !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > room.MaxBreakoutMessage {
			return badMessage("breakout: text must be 1 to %d characters", room.MaxBreakoutMessage)
		}
	case BreakoutActionReturn, BreakoutActionClose:
	default:
		return badMessage("breakout: unknown action %q", truncate(m.Action, 32))
	}
	return nil
}

// handleBreakout calls the meeting for a breakout message.
func (s *session) handleBreakout(m *BreakoutControl) error {
	switch m.Action {
	case BreakoutActionOpen:
		return s.p.OpenBreakouts(room.BreakoutPlan{Names: m.Rooms, Assign: m.Assign, Random: m.Random,
			Duration: time.Duration(m.DurationS) * time.Second, AllowReturn: m.AllowReturn})
	case BreakoutActionMove:
		return s.p.MoveToBreakout(m.ParticipantID, m.Room)
	case BreakoutActionVisit:
		return s.p.MoveToBreakout("", m.Room)
	case BreakoutActionReturn:
		return s.p.MoveToBreakout("", 0)
	case BreakoutActionBroadcast:
		return s.p.BroadcastBreakout(m.Text)
	case BreakoutActionClose:
		return s.p.CloseBreakouts()
	}
	return nil
}

// BreakoutRoomJSON is one room of a breakout state; number 0 is the main room.
type BreakoutRoomJSON struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	// Participants are who is in the room, for moderators only.
	Participants []ParticipantRef `json:"participants,omitempty"`
}

// BreakoutState tells a participant about the breakout rooms (server message
// "breakout_state"): sent to everyone when they open, close or someone moves, and after every
// welcome while they are open.
type BreakoutState struct {
	Type string `json:"type"`
	Open bool   `json:"open"`
	// Reason is opened, moved, closed (by a moderator), time_up, welcome or left.
	Reason      string             `json:"reason"`
	Room        int                `json:"room"`
	Rooms       []BreakoutRoomJSON `json:"rooms,omitempty"`
	EndsAt      *time.Time         `json:"ends_at,omitempty"`
	AllowReturn bool               `json:"allow_return"`
	CanManage   bool               `json:"can_manage"`
}

// BreakoutEnding warns that the breakout rooms close soon (server message "breakout_ending").
type BreakoutEnding struct {
	Type        string    `json:"type"`
	EndsAt      time.Time `json:"ends_at"`
	SecondsLeft int       `json:"seconds_left"`
}

// BreakoutMessageJSON is a moderator's message to every room (server message
// "breakout_message").
type BreakoutMessageJSON struct {
	Type string         `json:"type"`
	From ParticipantRef `json:"from"`
	Text string         `json:"text"`
	At   time.Time      `json:"at"`
}

// encodeBreakout encodes the breakout events, or returns nil for another event.
func encodeBreakout(ev room.Event) any {
	switch e := ev.(type) {
	case room.BreakoutState:
		msg := BreakoutState{Type: "breakout_state", Open: e.Open, Reason: e.Reason, Room: e.Room, EndsAt: e.EndsAt,
			AllowReturn: e.AllowReturn, CanManage: e.CanManage}
		for _, r := range e.Rooms {
			rj := BreakoutRoomJSON{Number: r.Number, Name: r.Name}
			for _, p := range r.Participants {
				rj.Participants = append(rj.Participants, ParticipantRef{ID: p.ID, Name: p.Name})
			}
			msg.Rooms = append(msg.Rooms, rj)
		}
		return msg
	case room.BreakoutEnding:
		return BreakoutEnding{Type: "breakout_ending", EndsAt: e.EndsAt, SecondsLeft: int(e.Left / time.Second)}
	case room.BreakoutMessage:
		return BreakoutMessageJSON{Type: "breakout_message", From: ParticipantRef{ID: e.From.ID, Name: e.From.Name}, Text: e.Text, At: e.At}
	}
	return nil
}
