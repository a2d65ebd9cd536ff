package room

import (
	"time"
)

// handSpeakGrace is how long a raised hand stays up while its owner speaks: someone who says
// a word as they raise it keeps it; someone given the floor loses it when they speak.
const handSpeakGrace = 3 * time.Second

// Reasons a hand changed, as everyone is told.
const (
	HandRaised    = "raised"
	HandLowered   = "lowered"   // by its owner
	HandModerator = "moderator" // by a moderator
	HandSpoke     = "spoke"     // its owner started speaking
	HandLeft      = "left"      // its owner left the meeting
)

// roomHands is the meeting's raised hands, in the order raised. Guarded by Meeting.mu.
type roomHands struct {
	list []raisedHand
}

type raisedHand struct {
	p  *Participant
	at time.Time
}

// RaisedHand is one raised hand, as everyone sees it.
type RaisedHand struct {
	ParticipantID, Name string
	RaisedAt            time.Time
}

// HandsChanged tells everyone that a hand went up or down, with the raised hands in the order
// raised (the first is next to speak).
type HandsChanged struct {
	Hands         []RaisedHand
	ParticipantID string // whose hand changed
	Raised        bool
	Reason        string          // HandRaised, HandLowered, HandModerator, HandSpoke, HandLeft
	By            *ParticipantRef // the moderator, for HandModerator
}

func (HandsChanged) event() {}

// RaiseHand raises (up) or lowers the participant's own hand. Raising a raised hand keeps its
// place; lowering a lowered one does nothing.
func (p *Participant) RaiseHand(up bool) error {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.participants[p.id] != p {
		return ErrForbidden
	}
	i := m.handIndexLocked(p)
	switch {
	case up && i < 0:
		m.hands.list = append(m.hands.list, raisedHand{p: p, at: m.ms.clock.Now().UTC()})
		m.handsChangedLocked(p, true, HandRaised, nil)
	case !up && i >= 0:
		m.lowerHandLocked(i, HandLowered, nil)
	}
	return nil
}

// LowerHand lowers the hand of participant targetID: one's own, or anyone's for a moderator.
func (p *Participant) LowerHand(targetID string) error {
	if targetID == "" || targetID == p.id {
		return p.RaiseHand(false)
	}
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mayLowerHandLocked(p); err != nil {
		return err
	}
	target := m.participants[targetID]
	if target == nil {
		return ErrUnknownParticipant
	}
	if i := m.handIndexLocked(target); i >= 0 {
		m.lowerHandLocked(i, HandModerator, &ParticipantRef{ID: p.id, Name: p.name})
		m.ms.log.Info("hand lowered", "room", m.code, "by", p.id, "target", target.id)
	}
	return nil
}

// mayLowerHandLocked: only moderators lower someone else's hand.
func (m *Meeting) mayLowerHandLocked(actor *Participant) error {
	if err := m.mayModerateLocked(actor); err != nil {
		return refuse(ErrForbidden, "only moderators may lower someone else's hand")
	}
	return nil
}

func (m *Meeting) handIndexLocked(p *Participant) int {
	for i, h := range m.hands.list {
		if h.p == p {
			return i
		}
	}
	return -1
}

func (m *Meeting) lowerHandLocked(i int, reason string, by *ParticipantRef) {
	p := m.hands.list[i].p
	m.hands.list = append(m.hands.list[:i:i], m.hands.list[i+1:]...)
	m.handsChangedLocked(p, false, reason, by)
}

func (m *Meeting) handsChangedLocked(p *Participant, raised bool, reason string, by *ParticipantRef) {
	m.broadcastLocked(nil, HandsChanged{Hands: m.handsLocked(), ParticipantID: p.id, Raised: raised, Reason: reason, By: by})
}

// handsLocked lists the raised hands in the order raised, for events and the welcome.
func (m *Meeting) handsLocked() []RaisedHand {
	out := make([]RaisedHand, len(m.hands.list))
	for i, h := range m.hands.list {
		out[i] = RaisedHand{ParticipantID: h.p.id, Name: h.p.name, RaisedAt: h.at}
	}
	return out
}

// handLeftLocked lowers the hand of p, who leaves.
func (m *Meeting) handLeftLocked(p *Participant) {
	if i := m.handIndexLocked(p); i >= 0 {
		m.lowerHandLocked(i, HandLeft, nil)
	}
}

// handsSpokeLocked lowers the hands of those speaking whose hand has been up for longer than
// handSpeakGrace.
func (m *Meeting) handsSpokeLocked(speakers []Speaker) {
	if len(m.hands.list) == 0 {
		return
	}
	now := m.ms.clock.Now().UTC()
	for _, s := range speakers {
		p := m.participants[s.ParticipantID]
		if p == nil {
			continue
		}
		if i := m.handIndexLocked(p); i >= 0 && now.Sub(m.hands.list[i].at) >= handSpeakGrace {
			m.lowerHandLocked(i, HandSpoke, nil)
		}
	}
}
