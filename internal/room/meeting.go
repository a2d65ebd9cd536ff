package room

import (
	"sort"
	"sync"
	"time"

	"visio/internal/ids"
)

// Participant states.
const (
	stateActive = "active"
	stateAway   = "away"
	stateGone   = "gone"
)

// Meeting is a live meeting: the participants of one room, its lobby, and its media.
type Meeting struct {
	ms    *Meetings
	code  string
	media Media

	mu           sync.Mutex // guards the following fields, and the fields of its participants and lobby requests marked so
	participants map[string]*Participant
	tokens       map[string]*Participant // by resume token
	closed       bool
	lobby        map[string]*LobbyRequest // waiting to be let in, by request id (lobby.go)
	removed      map[string]bool          // user and guest ids removed from this meeting
	locked       bool                     // only moderators may enter
	info         Info                     // the room's settings, as the latest entrant saw them

	created       time.Time         // the zero of the meeting's clock
	transcription roomTranscription // transcription.go
	recording     roomRecording     // recording.go
	hands         roomHands         // hands.go
	breakout      roomBreakout      // breakout.go
	chat          roomChat          // chat.go

	// The state that outlives this node (state.go, persist.go).
	known   map[string]*savedPerson // participants of the meeting, by participant id, to recognise them when they come back
	places  map[string]savedKnock   // lobby places of people not back yet after a takeover, by user or guest id
	entered bool                    // someone entered the meeting on this node
	persist persistence
	wmu     sync.Mutex // held while the state is written, so that writes keep their order; taken before mu
}

func newMeeting(ms *Meetings, code string, r restored) *Meeting {
	m := &Meeting{
		ms:           ms,
		code:         code,
		participants: map[string]*Participant{},
		tokens:       map[string]*Participant{},
		lobby:        map[string]*LobbyRequest{},
		removed:      map[string]bool{},
		info:         Info{Code: code},
		created:      ms.clock.Now().UTC(),
		known:        map[string]*savedPerson{},
		places:       map[string]savedKnock{},
	}
	m.media = ms.p.Media(code, mediaEvents{m})
	m.mu.Lock()
	m.restoreLocked(r)
	if r.st != nil || r.lost {
		m.persistLocked() // refreshed, or the unreadable state replaced
	}
	m.armTouchLocked()
	m.mu.Unlock()
	return m
}

// Code is the meeting's room code.
func (m *Meeting) Code() string { return m.code }

// mediaEvents receives the media room's events for m.
type mediaEvents struct{ m *Meeting }

// OnSpeakers tells everyone who is speaking.
func (e mediaEvents) OnSpeakers(list []Speaker) {
	ev := Speakers{Speakers: append([]Speaker(nil), list...)}
	e.m.mu.Lock()
	defer e.m.mu.Unlock()
	e.m.broadcastLocked(nil, ev)
	e.m.handsSpokeLocked(list)
}

// enter adds entrant e as a new participant attached to conn and sends the welcome. req is the
// lobby request it was admitted from, or nil for a direct entry. Its media is created here:
// someone waiting in the lobby has none.
func (m *Meeting) enter(conn Conn, e Entrant, req *LobbyRequest) (*Participant, error) {
	now := m.ms.clock.Now().UTC()
	m.mu.Lock()
	id, back := m.claimLocked(&e)
	m.mu.Unlock()
	if id == "" {
		id = ids.New("PA_")
	}
	p := &Participant{m: m, id: id, name: e.Name, joinedAt: now.Truncate(time.Second),
		subject: e.ID, signedIn: e.SignedIn, role: e.Role, perms: e.Permissions}
	peer, err := m.media.NewPeer(p.id, peerEvents{p: p})
	if err != nil {
		m.unclaim(back)
		return nil, err
	}
	p.peer.Store(&peerRef{p: peer})
	peer.Permit(e.Publish, e.Subscribe)

	m.mu.Lock()
	if err := m.admissibleLocked(e); err != nil {
		if back != nil {
			back.inUse = false
		}
		m.mu.Unlock()
		peer.Close()
		return nil, err
	}
	if e.Room.Code == m.code {
		m.info = e.Room
	}
	m.participants[p.id] = p
	p.state = stateActive
	if req != nil {
		req.p = p
	}
	m.entered = true
	if back == nil {
		m.known[p.id] = &savedPerson{ID: p.id, Subject: p.subject, Name: p.name, SignedIn: p.signedIn, inUse: true}
	} else if back.Captions {
		m.setCaptionsLocked(p, true)
	}
	m.transcriptionJoinedLocked(p)
	m.recordingJoinedLocked(p)
	m.sendWelcomeLocked(p, conn, false)
	m.tellStateLostLocked(p, conn)
	m.broadcastLocked(p, ParticipantJoined{Participant: p.infoLocked()})
	m.persistLocked()
	m.mu.Unlock()

	m.ms.p.Participants.Inc()
	m.ms.log.Info("participant joined", "room", m.code, "participant", p.id)
	if err := peer.Start(); err != nil {
		m.remove(p, "left")
		return nil, errClosed
	}
	return p, nil
}

// admissibleLocked says why e may not become a participant now, if so. m.mu must be held.
func (m *Meeting) admissibleLocked(e Entrant) error {
	switch {
	case m.closed:
		return errClosed
	case len(m.participants) >= m.ms.p.MaxParticipants:
		return ErrFull
	case m.removed[e.ID]:
		return ErrRemoved
	}
	return nil
}

// resume re-attaches the participant holding token to conn.
func (m *Meeting) resume(conn Conn, token string) (*Participant, error) {
	m.mu.Lock()
	p := m.tokens[token]
	if p == nil || m.closed {
		m.mu.Unlock()
		return nil, ErrResumeExpired
	}
	delete(m.tokens, token)
	old := p.connLocked()
	if p.graceTimer != nil {
		p.graceTimer.Stop()
		p.graceTimer = nil
	}
	p.state = stateActive
	m.sendWelcomeLocked(p, conn, !m.breakoutMovedAwayLocked(p))
	m.broadcastLocked(p, ParticipantUpdated{Participant: p.infoLocked()})
	if old != nil {
		old.Close(Bye{Reason: "replaced", Message: "This session continues on another connection."})
	}
	m.mu.Unlock()
	m.ms.log.Info("participant resumed", "room", m.code, "participant", p.id)
	p.media().Resume()
	return p, nil
}

// sendWelcomeLocked sends p its welcome with a fresh resume token on conn, which becomes p's
// connection. m.mu must be held.
func (m *Meeting) sendWelcomeLocked(p *Participant, conn Conn, resumed bool) {
	if p.token != "" {
		delete(m.tokens, p.token)
	}
	p.token = ids.Secret()
	m.tokens[p.token] = p
	others := make([]ParticipantInfo, 0, len(m.participants))
	for _, o := range m.participants {
		if o != p && m.breakoutRoomLocked(o) == m.breakoutRoomLocked(p) {
			others = append(others, o.infoLocked())
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].JoinedAt.Before(others[j].JoinedAt) })
	var lobby []LobbyEntry
	if p.perms.Moderate {
		lobby = m.lobbyListLocked()
	}
	conn.Send(Welcome{
		Participant:   p.infoLocked(),
		Others:        others,
		Room:          m.roomStateLocked(),
		Permissions:   p.perms.list(),
		Lobby:         lobby,
		ResumeToken:   p.token,
		Resumed:       resumed,
		Transcription: m.transcriptionStateLocked(p),
		Recording:     m.recordingStateLocked(p),
		Hands:         m.handsLocked(),
		Chat:          m.chatHistoryLocked(p),
		ChatState:     m.chatStateLocked(),
	})
	m.breakoutWelcomeLocked(p, conn)
	// After the welcome: an offer the media side sends meanwhile goes to the old connection,
	// and Peer.Resume sends it again.
	p.setConnLocked(conn)
}

// detach is called when p's connection conn ends without a leave: p keeps its place for the
// grace period.
func (m *Meeting) detach(p *Participant, conn Conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.connLocked() != conn || m.participants[p.id] != p {
		return
	}
	p.setConnLocked(nil)
	p.state = stateAway
	p.graceTimer = m.ms.clock.AfterFunc(m.ms.p.ReconnectGrace, func() { m.expire(p) })
	m.broadcastLocked(p, ParticipantUpdated{Participant: p.infoLocked()})
	m.ms.log.Info("participant away", "room", m.code, "participant", p.id)
}

// expire removes p if it is still away when its grace period ends.
func (m *Meeting) expire(p *Participant) {
	m.mu.Lock()
	away := p.state == stateAway && p.connLocked() == nil
	m.mu.Unlock()
	if away {
		m.remove(p, "timeout")
	}
}

// remove takes p out of the meeting and closes its media. The meeting closes when nobody is
// left in it, in grace or in the lobby.
func (m *Meeting) remove(p *Participant, reason string) {
	m.mu.Lock()
	if m.participants[p.id] != p {
		m.mu.Unlock()
		return
	}
	delete(m.participants, p.id)
	delete(m.tokens, p.token)
	if p.graceTimer != nil {
		p.graceTimer.Stop()
		p.graceTimer = nil
	}
	p.state = stateGone
	p.setConnLocked(nil)
	if kp := m.known[p.id]; kp != nil && reason == "timeout" {
		kp.inUse = false // their connection was lost for good: they may come back as themselves
	} else {
		delete(m.known, p.id)
	}
	m.persistLocked()
	m.transcriptionLeftLocked(p)
	m.handLeftLocked(p)
	m.broadcastLocked(p, ParticipantLeft{ParticipantID: p.id, Reason: reason})
	m.breakoutLeftLocked(p)
	empty := m.markClosedIfEmptyLocked()
	m.mu.Unlock()

	m.ms.p.Participants.Dec()
	m.ms.log.Info("participant left", "room", m.code, "participant", p.id, "reason", reason)
	p.media().Close()
	if empty {
		m.ms.drop(m)
	}
}

// markClosedIfEmptyLocked marks the meeting closed if nobody is in it, in grace or in the
// lobby, and reports whether it did. The caller then drops it. m.mu must be held.
func (m *Meeting) markClosedIfEmptyLocked() bool {
	if m.closed || len(m.participants) > 0 || len(m.lobby) > 0 {
		return false
	}
	m.closed = true
	return true
}

// closeIfEmpty closes the meeting if nobody is in it (after an entry that failed).
func (m *Meeting) closeIfEmpty() {
	m.mu.Lock()
	empty := m.markClosedIfEmptyLocked()
	m.mu.Unlock()
	if empty {
		m.ms.drop(m)
	}
}

// closeAll ends every participant's session with a bye and removes them; the lobby is told too
// (denied for "ended", bye otherwise).
func (m *Meeting) closeAll(reason, message string) {
	m.mu.Lock()
	for id, req := range m.lobby {
		delete(m.lobby, id)
		req.timer.Stop()
		if reason == "ended" {
			req.conn.Close(Denied{Reason: "ended", Message: message})
		} else {
			req.conn.Close(Bye{Reason: reason, Message: message})
		}
	}
	list := make([]*Participant, 0, len(m.participants))
	for _, p := range m.participants {
		list = append(list, p)
		if c := p.connLocked(); c != nil {
			c.Close(Bye{Reason: reason, Message: message})
		}
	}
	empty := m.markClosedIfEmptyLocked()
	m.mu.Unlock()
	if empty {
		m.ms.drop(m)
	}
	for _, p := range list {
		m.remove(p, reason)
	}
}

// broadcastLocked sends ev to every attached participant but except. m.mu must be held.
func (m *Meeting) broadcastLocked(except *Participant, ev Event) {
	for _, o := range m.participants {
		if c := o.connLocked(); o != except && c != nil && m.breakoutSeesLocked(o, except, ev) {
			c.Send(ev)
		}
	}
}

// roomStateLocked describes the room. m.mu must be held.
func (m *Meeting) roomStateLocked() RoomState {
	return RoomState{Info: Info{Code: m.code, Name: m.info.Name, Access: m.info.Access}, Locked: m.locked}
}

// unclaim gives back a participant id claimed for an entry that failed.
func (m *Meeting) unclaim(back *savedPerson) {
	if back == nil {
		return
	}
	m.mu.Lock()
	back.inUse = false
	m.mu.Unlock()
}
