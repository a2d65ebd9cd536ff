package signal

import (
	"sort"
	"sync"
	"time"

	"visio/internal/ids"
	"visio/internal/sfu"
)

// Participant states.
const (
	stateActive = "active"
	stateAway   = "away"
)

// conference is a live meeting: the participants of one room and their media.
type conference struct {
	hub   *Hub
	code  string
	media *sfu.Room

	mu           sync.Mutex // guards the following fields, and the fields of its participants marked so
	participants map[string]*participant
	tokens       map[string]*participant
	closed       bool
	lobby        map[string]*lobbyRequest // waiting to be let in, by request id (lobby.go)
	removed      map[string]bool          // user and guest ids removed from this meeting
	locked       bool                     // only moderators may enter
	room         RoomInfo                 // the room's settings, as the latest entrant saw them

	created       time.Time         // the zero of the meeting's clock
	transcription roomTranscription // transcription.go
	recording     roomRecording     // recording.go
}

func newConference(h *Hub, code string) *conference {
	c := &conference{
		hub:          h,
		code:         code,
		participants: make(map[string]*participant),
		tokens:       make(map[string]*participant),
		lobby:        make(map[string]*lobbyRequest),
		removed:      make(map[string]bool),
		room:         RoomInfo{Code: code},
		created:      time.Now().UTC(),
	}
	c.media = h.engine.NewRoom(code, c)
	return c
}

// OnSpeakers tells everyone who is speaking.
func (c *conference) OnSpeakers(list []sfu.Speaker) {
	msg := Speakers{Type: "speakers", Speakers: make([]SpeakerJSON, len(list))}
	for i, s := range list {
		msg.Speakers[i] = SpeakerJSON{ParticipantID: s.ParticipantID, Level: float64(int(s.Level*1000)) / 1000}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broadcastLocked(nil, msg)
}

func (c *conference) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.participants)
}

// enter adds entrant e as a new participant attached to session s and sends it the welcome.
// req is the lobby request it was admitted from, or nil for a direct entry. Its media (the
// sfu.Peer) is created here: someone waiting in the lobby has none.
func (c *conference) enter(s *session, e Entrant, req *lobbyRequest) (*participant, error) {
	id := ids.New("PA_")
	p := &participant{conf: c, id: id, name: e.Name, joinedAt: time.Now().UTC().Truncate(time.Second),
		subject: e.ID, signedIn: e.SignedIn, role: e.Role, publish: e.Publish, subscribe: e.Subscribe, moderate: e.Moderate}
	peer, err := c.media.NewPeer(id, p)
	if err != nil {
		return nil, err
	}
	p.peer = peer
	var canPublish map[sfu.Source]bool // nil: every source
	if !e.Publish {
		canPublish = map[sfu.Source]bool{}
	}
	peer.SetPermissions(canPublish, e.Subscribe)

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		peer.Close()
		return nil, errConferenceClosed
	}
	if len(c.participants) >= c.hub.cfg.MaxParticipants {
		c.mu.Unlock()
		peer.Close()
		return nil, &ProtocolError{Code: CodeRoomFull, Message: "the meeting is full", Fatal: true}
	}
	if c.removed[e.ID] {
		c.mu.Unlock()
		peer.Close()
		return nil, errRemoved()
	}
	if e.Room.Code == c.code {
		c.room = e.Room
	}
	c.participants[id] = p
	p.state = stateActive
	p.session = s
	if req != nil {
		req.p = p
	}
	c.transcriptionJoinedLocked(p)
	c.recordingJoinedLocked(p)
	c.sendWelcomeLocked(p, false)
	c.broadcastLocked(p, ParticipantEvent{Type: "participant_joined", Participant: p.infoLocked()})
	c.mu.Unlock()

	c.hub.metrics.Participants.Inc()
	c.hub.log.Info("participant joined", "room", c.code, "participant", id)
	if err := peer.Start(); err != nil {
		c.remove(p, "left")
		return nil, errConferenceClosed
	}
	return p, nil
}

// resume re-attaches the participant holding token to session s.
func (c *conference) resume(s *session, token string) (*participant, error) {
	c.mu.Lock()
	p := c.tokens[token]
	if p == nil || c.closed {
		c.mu.Unlock()
		return nil, &ProtocolError{Code: CodeResumeExpired, Message: "this session can no longer be resumed; join again", Fatal: true}
	}
	delete(c.tokens, token)
	old := p.session
	if p.graceTimer != nil {
		p.graceTimer.Stop()
		p.graceTimer = nil
	}
	p.session = s
	p.state = stateActive
	c.sendWelcomeLocked(p, true)
	c.broadcastLocked(p, ParticipantEvent{Type: "participant_updated", Participant: p.infoLocked()})
	c.mu.Unlock()
	if old != nil {
		old.closeWith(Bye{Type: "bye", Reason: "replaced", Message: "This session continues on another connection."})
	}
	c.hub.log.Info("participant resumed", "room", c.code, "participant", p.id)
	p.peer.Resume()
	return p, nil
}

// sendWelcomeLocked sends p its welcome with a fresh resume token. c.mu must be held.
func (c *conference) sendWelcomeLocked(p *participant, resumed bool) {
	if p.token != "" {
		delete(c.tokens, p.token)
	}
	p.token = ids.Secret()
	c.tokens[p.token] = p
	others := make([]ParticipantJSON, 0, len(c.participants))
	for _, o := range c.participants {
		if o != p {
			others = append(others, o.infoLocked())
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].JoinedAt.Before(others[j].JoinedAt) })
	cfg := c.hub.cfg
	ice := cfg.ICEServers
	if ice == nil {
		ice = []ICEServerJSON{}
	}
	var lobby []LobbyRequestJSON
	if p.moderate {
		lobby = c.lobbyListLocked()
	}
	p.session.send(Welcome{
		Type:         "welcome",
		Participant:  p.infoLocked(),
		Participants: others,
		Room:         c.roomJSONLocked(),
		Permissions:  p.permissionsLocked(),
		Lobby:        lobby,
		ResumeToken:  p.token,
		ICEServers:   ice,
		Resumed:      resumed,
		Limits: LimitsJSON{
			MaxMessageBytes:      cfg.MaxMessageBytes,
			MaxMessagesPerSecond: cfg.MaxMessagesPerSecond,
			ReconnectGraceMS:     cfg.ReconnectGrace.Milliseconds(),
		},
		Transcription: c.transcriptionStateLocked(p),
		Recording:     c.recordingStateLocked(p),
	})
}

// detach is called when p's session s ends without a leave: p keeps its place for the grace
// period.
func (c *conference) detach(p *participant, s *session) {
	c.mu.Lock()
	if p.session != s || c.participants[p.id] != p {
		c.mu.Unlock()
		return
	}
	p.session = nil
	p.state = stateAway
	p.graceTimer = time.AfterFunc(c.hub.cfg.ReconnectGrace, func() { c.expire(p) })
	c.broadcastLocked(p, ParticipantEvent{Type: "participant_updated", Participant: p.infoLocked()})
	c.mu.Unlock()
	c.hub.log.Info("participant away", "room", c.code, "participant", p.id)
}

// expire removes p if it is still away when its grace period ends.
func (c *conference) expire(p *participant) {
	c.mu.Lock()
	away := p.state == stateAway && p.session == nil
	c.mu.Unlock()
	if away {
		c.remove(p, "timeout")
	}
}

// remove takes p out of the room and closes its media. The room closes when it is empty.
func (c *conference) remove(p *participant, reason string) {
	c.mu.Lock()
	if c.participants[p.id] != p {
		c.mu.Unlock()
		return
	}
	delete(c.participants, p.id)
	delete(c.tokens, p.token)
	if p.graceTimer != nil {
		p.graceTimer.Stop()
		p.graceTimer = nil
	}
	p.state = "gone"
	p.session = nil
	c.transcriptionLeftLocked(p)
	c.broadcastLocked(p, ParticipantLeft{Type: "participant_left", ParticipantID: p.id, Reason: reason})
	empty := len(c.participants) == 0 && len(c.lobby) == 0
	if empty {
		c.closed = true
	}
	c.mu.Unlock()

	c.hub.metrics.Participants.Dec()
	c.hub.log.Info("participant left", "room", c.code, "participant", p.id, "reason", reason)
	p.peer.Close()
	if empty {
		c.hub.dropConference(c)
	}
}

// closeAll ends every participant's session with a bye and removes them; the lobby is told
// too (denied for "ended", bye otherwise).
func (c *conference) closeAll(reason, message string) {
	c.mu.Lock()
	for id, req := range c.lobby {
		delete(c.lobby, id)
		req.timer.Stop()
		if reason == "ended" {
			req.session.closeWith(Denied{Type: "denied", Reason: "ended", Message: message})
		} else {
			req.session.closeWith(Bye{Type: "bye", Reason: reason, Message: message})
		}
	}
	if len(c.participants) == 0 {
		c.closed = true
		c.mu.Unlock()
		c.hub.dropConference(c)
		return
	}
	list := make([]*participant, 0, len(c.participants))
	for _, p := range c.participants {
		list = append(list, p)
		if p.session != nil {
			p.session.closeWith(Bye{Type: "bye", Reason: reason, Message: message})
		}
	}
	c.mu.Unlock()
	for _, p := range list {
		c.remove(p, reason)
	}
}

// broadcastLocked sends msg to every attached participant but except. c.mu must be held.
func (c *conference) broadcastLocked(except *participant, msg any) {
	for _, o := range c.participants {
		if o != except && o.session != nil {
			o.session.send(msg)
		}
	}
}

// trackChanged tells everyone, p included, that p's tracks changed.
func (c *conference) trackChanged(p *participant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.participants[p.id] != p {
		return
	}
	ev := ParticipantEvent{Type: "participant_updated", Participant: p.infoLocked()}
	for _, o := range c.participants {
		if o.session != nil {
			o.session.send(ev)
		}
	}
}

// participant is one person in a conference.
type participant struct {
	conf     *conference
	id       string
	name     string
	joinedAt time.Time
	peer     *sfu.Peer
	subject  string // user or guest id
	signedIn bool

	// Guarded by conf.mu.
	role                         string
	publish, subscribe, moderate bool
	state                        string
	session                      *session
	token                        string
	graceTimer                   *time.Timer
}

var _ sfu.PeerHandler = (*participant)(nil)

// infoLocked describes p. conf.mu must be held.
func (p *participant) infoLocked() ParticipantJSON {
	tracks := p.peer.Tracks()
	list := make([]TrackJSON, len(tracks))
	for i, t := range tracks {
		list[i] = TrackJSON{ID: t.ID, Source: string(t.Source), Kind: t.Kind, Muted: t.Muted, Layers: t.Layers}
	}
	return ParticipantJSON{ID: p.id, Name: p.name, State: p.state, JoinedAt: p.joinedAt, Role: p.role, SignedIn: p.signedIn, Tracks: list}
}

// OnOffer sends a subscriber offer to p's session, if it is attached. A participant that is
// away gets the offer again when it resumes (sfu.Peer.Resume).
func (p *participant) OnOffer(sdp string) {
	p.conf.mu.Lock()
	s := p.session
	p.conf.mu.Unlock()
	if s != nil {
		s.send(SDPMessage{Type: "offer", SDP: sdp})
	}
}

// OnLayers tells p which simulcast layers of its track others need.
func (p *participant) OnLayers(trackID string, rids []string) {
	p.conf.mu.Lock()
	s := p.session
	p.conf.mu.Unlock()
	if s != nil {
		s.send(Layers{Type: "layers", TrackID: trackID, Active: rids})
	}
}

// OnTracksChanged tells the room that p's tracks changed.
func (p *participant) OnTracksChanged() { p.conf.trackChanged(p) }
