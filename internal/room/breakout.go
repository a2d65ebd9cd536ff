package room

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Breakout rooms: a moderator splits the meeting into smaller rooms for a while, then brings
// everyone back. Each breakout room is a media room of its own (a separate SFU room: media
// flows only inside it), but it stays part of this Meeting: one roster, one lobby, one set of
// roles and removals, one node (docs/adr/0006-breakout-rooms.md). Moving someone is done here,
// by the server, on the participant's own connection: their old peer is closed, a new one is
// made in the other media room, and they get a new welcome (resumed false) listing only the
// people of their new room, upon which clients make new peer connections and publish the same
// tracks, as after a rejoin. No client message names a room to enter except a moderator's
// (assign, visit) and a participant's return to the main room when allowed.

// Limits of breakout rooms.
const (
	MaxBreakoutRooms       = 20
	MaxBreakoutNameLength  = 40
	MaxBreakoutMessage     = 500
	MaxBreakoutDuration    = 24 * time.Hour
	breakoutWarnBefore     = time.Minute
	defaultBreakoutNameFmt = "Salle %d"
)

// Reasons a breakout state is sent, as clients are told.
const (
	BreakoutOpened   = "opened"
	BreakoutMoved    = "moved"   // someone changed room
	BreakoutClosed   = "closed"  // a moderator brought everyone back
	BreakoutTimeUp   = "time_up" // the timer ended
	BreakoutWelcome  = "welcome" // sent with a welcome
	BreakoutLeftRoom = "left"    // someone left the meeting
)

var (
	// ErrBreakout: the breakout request is not possible now or not well formed.
	ErrBreakout = errors.New("breakout rooms: request not possible")
	// ErrBreakoutClosed: there are no breakout rooms open.
	ErrBreakoutClosed = fmt.Errorf("%w: no breakout rooms are open", ErrBreakout)
)

// BreakoutPlan is what a moderator opens breakout rooms with.
type BreakoutPlan struct {
	// Names of the rooms, one per room (2 to MaxBreakoutRooms); "" is "Salle N".
	Names []string
	// Assign puts participants in rooms: participant id → room number (1 to len(Names)), 0
	// keeps them in the main room.
	Assign map[string]int
	// Random spreads the participants not in Assign who are not moderators evenly at random.
	Random bool
	// Duration, if positive, closes the rooms after it; everyone is warned a minute before (or
	// half-way, for durations under two minutes).
	Duration time.Duration
	// AllowReturn lets participants go back to the main room by themselves.
	AllowReturn bool
}

// BreakoutRoom is one room as the breakout state describes it. Room 0 is the main room.
type BreakoutRoom struct {
	Number       int
	Name         string
	Participants []ParticipantRef // for moderators only
}

// BreakoutState tells a participant about the breakout rooms: whether they are open, which
// room they are in, and, for moderators, who is where.
type BreakoutState struct {
	Open        bool
	Reason      string // BreakoutOpened, ...
	Room        int    // the recipient's room, 0 for the main room
	Rooms       []BreakoutRoom
	EndsAt      *time.Time
	AllowReturn bool
	CanManage   bool
}

// BreakoutEnding warns everyone in a breakout room that the rooms close soon.
type BreakoutEnding struct {
	EndsAt time.Time
	Left   time.Duration
}

// BreakoutMessage is a moderator's message to every room.
type BreakoutMessage struct {
	From ParticipantRef
	Text string
	At   time.Time
}

func (BreakoutState) event()   {}
func (BreakoutEnding) event()  {}
func (BreakoutMessage) event() {}

// roomBreakout is the meeting's breakout rooms. Guarded by Meeting.mu, except moveMu.
type roomBreakout struct {
	moveMu sync.Mutex // serializes moves and the opening and closing of rooms; taken before Meeting.mu

	open        bool
	rooms       []*breakoutRoom // rooms[0] is room 1
	where       map[*Participant]int
	movedAway   map[*Participant]bool // moved while away: their next welcome is a fresh one (made on demand)
	endsAt      time.Time
	allowReturn bool
	timers      []Timer
	epoch       int // counts openings, so that a timer of an earlier opening does nothing
}

type breakoutRoom struct {
	name  string
	media Media
}

// breakoutMediaEvents receives a breakout media room's events.
type breakoutMediaEvents struct {
	m    *Meeting
	room int
}

// OnSpeakers tells the room's people who is speaking there.
func (e breakoutMediaEvents) OnSpeakers(list []Speaker) {
	ev := Speakers{Speakers: append([]Speaker(nil), list...)}
	e.m.mu.Lock()
	defer e.m.mu.Unlock()
	for _, o := range e.m.participants {
		if c := o.connLocked(); c != nil && e.m.breakoutRoomLocked(o) == e.room {
			c.Send(ev)
		}
	}
	e.m.handsSpokeLocked(list)
}

// breakoutRoomLocked is p's room, 0 for the main room.
func (m *Meeting) breakoutRoomLocked(p *Participant) int { return m.breakout.where[p] }

// breakoutSeesLocked says whether o is told ev, sent by broadcastLocked: what concerns one
// participant's presence, tracks, reactions and speaking reaches only their room.
func (m *Meeting) breakoutSeesLocked(o, except *Participant, ev Event) bool {
	if len(m.breakout.where) == 0 {
		return true
	}
	subject := except
	switch e := ev.(type) {
	case Speakers:
		return m.breakoutRoomLocked(o) == 0 // the main media room's; breakout rooms send their own
	case ParticipantJoined:
		subject = m.participants[e.Participant.ID]
	case ParticipantUpdated:
		subject = m.participants[e.Participant.ID]
	case Reacted:
		subject = m.participants[e.ParticipantID]
	case ChatMessage:
		return e.room == m.breakoutRoomLocked(o)
	case ParticipantLeft:
	default:
		return true
	}
	return subject == nil || m.breakoutRoomLocked(subject) == m.breakoutRoomLocked(o)
}

// breakoutMovedAwayLocked reports (once) whether p was moved while away: its resumption is
// then a fresh start (new peer connections).
func (m *Meeting) breakoutMovedAwayLocked(p *Participant) bool {
	if m.breakout.movedAway[p] {
		delete(m.breakout.movedAway, p)
		return true
	}
	return false
}

// breakoutWelcomeLocked follows each welcome with the breakout state while rooms are open.
func (m *Meeting) breakoutWelcomeLocked(p *Participant, conn Conn) {
	if m.breakout.open {
		conn.Send(m.breakoutStateLocked(p, BreakoutWelcome))
	}
}

// breakoutLeftLocked forgets p, who left the meeting.
func (m *Meeting) breakoutLeftLocked(p *Participant) {
	delete(m.breakout.movedAway, p)
	if !m.breakout.open {
		return
	}
	delete(m.breakout.where, p)
	m.breakoutModeratorsLocked(BreakoutLeftRoom)
}

// breakoutStateLocked is the breakout state as p sees it.
func (m *Meeting) breakoutStateLocked(p *Participant, reason string) BreakoutState {
	b := &m.breakout
	st := BreakoutState{Open: b.open, Reason: reason, Room: b.where[p], AllowReturn: b.allowReturn, CanManage: p.perms.Moderate}
	if !b.open {
		return st
	}
	if !b.endsAt.IsZero() {
		t := b.endsAt
		st.EndsAt = &t
	}
	st.Rooms = make([]BreakoutRoom, len(b.rooms)+1)
	for i, r := range b.rooms {
		st.Rooms[i+1] = BreakoutRoom{Number: i + 1, Name: r.name}
	}
	if p.perms.Moderate {
		list := make([]*Participant, 0, len(m.participants))
		for _, o := range m.participants {
			list = append(list, o)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].joinedAt.Before(list[j].joinedAt) })
		for _, o := range list {
			n := b.where[o]
			st.Rooms[n].Participants = append(st.Rooms[n].Participants, ParticipantRef{ID: o.id, Name: o.name})
		}
	}
	return st
}

// breakoutAllLocked sends everyone their breakout state.
func (m *Meeting) breakoutAllLocked(reason string) {
	for _, o := range m.participants {
		if c := o.connLocked(); c != nil {
			c.Send(m.breakoutStateLocked(o, reason))
		}
	}
}

// breakoutModeratorsLocked sends moderators the breakout state (who is where changed).
func (m *Meeting) breakoutModeratorsLocked(reason string) {
	for _, o := range m.participants {
		if c := o.connLocked(); c != nil && o.perms.Moderate {
			c.Send(m.breakoutStateLocked(o, reason))
		}
	}
}

// mayBreakoutLocked: moderators manage breakout rooms.
func (m *Meeting) mayBreakoutLocked(actor *Participant) error {
	if err := m.mayModerateLocked(actor); err != nil {
		return refuse(ErrForbidden, "only moderators may manage breakout rooms")
	}
	return nil
}

// OpenBreakouts opens breakout rooms with plan and moves the participants it assigns.
func (p *Participant) OpenBreakouts(plan BreakoutPlan) error {
	m := p.m
	names, err := breakoutNames(plan.Names)
	if err != nil {
		return err
	}
	if plan.Duration < 0 || plan.Duration > MaxBreakoutDuration {
		return fmt.Errorf("%w: the duration must be between 0 and %v", ErrBreakout, MaxBreakoutDuration)
	}
	b := &m.breakout
	b.moveMu.Lock()
	defer b.moveMu.Unlock()

	m.mu.Lock()
	if err := m.mayBreakoutLocked(p); err != nil {
		m.mu.Unlock()
		return err
	}
	if b.open || m.closed {
		m.mu.Unlock()
		return fmt.Errorf("%w: breakout rooms are already open", ErrBreakout)
	}
	moves, err := m.planMovesLocked(plan, len(names))
	if err != nil {
		m.mu.Unlock()
		return err
	}
	m.mu.Unlock()

	// The media rooms are opened without the meeting's lock (Media is never called with it).
	rooms := make([]*breakoutRoom, len(names))
	for i, name := range names {
		rooms[i] = &breakoutRoom{name: name, media: m.ms.p.Media(m.code+"~"+strconv.Itoa(i+1), breakoutMediaEvents{m: m, room: i + 1})}
	}

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		for _, r := range rooms {
			r.media.Close()
		}
		return errClosed
	}
	b.open, b.rooms, b.allowReturn = true, rooms, plan.AllowReturn
	b.where = map[*Participant]int{}
	b.epoch++
	b.endsAt = time.Time{}
	if plan.Duration > 0 {
		now := m.ms.clock.Now().UTC()
		b.endsAt = now.Add(plan.Duration).Truncate(time.Second)
		warn := min(breakoutWarnBefore, plan.Duration/2)
		epoch := b.epoch
		b.timers = []Timer{
			m.ms.clock.AfterFunc(plan.Duration-warn, func() { m.breakoutWarn(epoch) }),
			m.ms.clock.AfterFunc(plan.Duration, func() { m.breakoutTimeUp(epoch) }),
		}
	}
	m.breakoutAllLocked(BreakoutOpened)
	m.mu.Unlock()
	m.ms.log.Info("breakout rooms opened", "room", m.code, "by", p.id, "rooms", len(names), "moves", len(moves))

	for _, mv := range moves {
		m.moveLocked(mv.p, mv.to)
	}
	m.mu.Lock()
	m.breakoutModeratorsLocked(BreakoutMoved)
	m.mu.Unlock()
	return nil
}

type breakoutMove struct {
	p  *Participant
	to int
}

// planMovesLocked turns a plan into moves.
func (m *Meeting) planMovesLocked(plan BreakoutPlan, n int) ([]breakoutMove, error) {
	var moves []breakoutMove
	assigned := map[string]bool{}
	ids := make([]string, 0, len(plan.Assign))
	for id := range plan.Assign {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		to := plan.Assign[id]
		target := m.participants[id]
		if target == nil {
			return nil, ErrUnknownParticipant
		}
		if to < 0 || to > n {
			return nil, fmt.Errorf("%w: room %d does not exist", ErrBreakout, to)
		}
		assigned[id] = true
		if to > 0 {
			moves = append(moves, breakoutMove{target, to})
		}
	}
	if plan.Random {
		var rest []*Participant
		for _, o := range m.participants {
			if !assigned[o.id] && !o.perms.Moderate {
				rest = append(rest, o)
			}
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].id < rest[j].id })
		rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		for i, o := range rest {
			moves = append(moves, breakoutMove{o, i%n + 1})
		}
	}
	return moves, nil
}

// breakoutNames checks the rooms' names and gives the default to those left empty.
func breakoutNames(in []string) ([]string, error) {
	if len(in) < 1 || len(in) > MaxBreakoutRooms {
		return nil, fmt.Errorf("%w: open 1 to %d rooms", ErrBreakout, MaxBreakoutRooms)
	}
	out := make([]string, len(in))
	for i, s := range in {
		if s == "" {
			s = fmt.Sprintf(defaultBreakoutNameFmt, i+1)
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxBreakoutNameLength {
			return nil, fmt.Errorf("%w: a room's name has at most %d characters", ErrBreakout, MaxBreakoutNameLength)
		}
		out[i] = s
	}
	return out, nil
}

// MoveToBreakout moves participant targetID to room (0: the main room). Moderators move anyone,
// themselves included (a visit); others may only go back to the main room themselves, when
// the moderator allowed it.
func (p *Participant) MoveToBreakout(targetID string, room int) error {
	m := p.m
	b := &m.breakout
	b.moveMu.Lock()
	defer b.moveMu.Unlock()
	m.mu.Lock()
	if m.participants[p.id] != p {
		m.mu.Unlock()
		return ErrForbidden
	}
	self := targetID == "" || targetID == p.id
	if !(self && room == 0 && b.allowReturn) {
		if err := m.mayBreakoutLocked(p); err != nil {
			m.mu.Unlock()
			return err
		}
	}
	if !b.open {
		m.mu.Unlock()
		return ErrBreakoutClosed
	}
	if room < 0 || room > len(b.rooms) {
		m.mu.Unlock()
		return fmt.Errorf("%w: room %d does not exist", ErrBreakout, room)
	}
	target := p
	if !self {
		if target = m.participants[targetID]; target == nil {
			m.mu.Unlock()
			return ErrUnknownParticipant
		}
	}
	m.mu.Unlock()
	m.moveLocked(target, room)
	m.mu.Lock()
	m.breakoutModeratorsLocked(BreakoutMoved)
	m.mu.Unlock()
	return nil
}

// BroadcastBreakout sends a moderator's text to everyone, in every room.
func (p *Participant) BroadcastBreakout(text string) error {
	m := p.m
	if text == "" || utf8.RuneCountInString(text) > MaxBreakoutMessage || !utf8.ValidString(text) {
		return fmt.Errorf("%w: a message has 1 to %d characters", ErrBreakout, MaxBreakoutMessage)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mayBreakoutLocked(p); err != nil {
		return err
	}
	if !m.breakout.open {
		return ErrBreakoutClosed
	}
	m.broadcastAllLocked(BreakoutMessage{From: ParticipantRef{ID: p.id, Name: p.name}, Text: text, At: m.ms.clock.Now().UTC()})
	return nil
}

// CloseBreakouts brings everyone back to the main room and closes the breakout rooms.
func (p *Participant) CloseBreakouts() error {
	m := p.m
	m.mu.Lock()
	err := m.mayBreakoutLocked(p)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	if !m.closeBreakouts(BreakoutClosed, -1) {
		return ErrBreakoutClosed
	}
	return nil
}

// broadcastAllLocked sends ev to every attached participant, whatever their room.
func (m *Meeting) broadcastAllLocked(ev Event) {
	for _, o := range m.participants {
		if c := o.connLocked(); c != nil {
			c.Send(ev)
		}
	}
}

// breakoutWarn tells everyone the rooms close soon.
func (m *Meeting) breakoutWarn(epoch int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &m.breakout
	if !b.open || b.epoch != epoch || b.endsAt.IsZero() {
		return
	}
	m.broadcastAllLocked(BreakoutEnding{EndsAt: b.endsAt, Left: b.endsAt.Sub(m.ms.clock.Now().UTC()).Round(time.Second)})
}

// breakoutTimeUp closes the rooms when their time is up.
func (m *Meeting) breakoutTimeUp(epoch int) { m.closeBreakouts(BreakoutTimeUp, epoch) }

// closeBreakouts moves everyone back and closes the rooms, if open (and, if epoch is not -1,
// still the opening epoch names). It reports whether it closed them.
func (m *Meeting) closeBreakouts(reason string, epoch int) bool {
	b := &m.breakout
	b.moveMu.Lock()
	defer b.moveMu.Unlock()
	m.mu.Lock()
	if !b.open || (epoch >= 0 && b.epoch != epoch) {
		m.mu.Unlock()
		return false
	}
	var back []*Participant
	for o, n := range b.where {
		if n != 0 {
			back = append(back, o)
		}
	}
	m.mu.Unlock()
	sort.Slice(back, func(i, j int) bool { return back[i].joinedAt.Before(back[j].joinedAt) })
	for _, o := range back {
		m.moveLocked(o, 0)
	}
	m.mu.Lock()
	rooms := m.resetBreakoutsLocked()
	m.breakoutAllLocked(reason)
	m.mu.Unlock()
	for _, r := range rooms {
		r.media.Close()
	}
	m.ms.log.Info("breakout rooms closed", "room", m.code, "reason", reason)
	return true
}

// resetBreakoutsLocked marks the rooms closed and returns them, for their media to be closed.
func (m *Meeting) resetBreakoutsLocked() []*breakoutRoom {
	b := &m.breakout
	for _, t := range b.timers {
		t.Stop()
	}
	rooms := b.rooms
	b.open, b.rooms, b.timers, b.endsAt, b.allowReturn = false, nil, nil, time.Time{}, false
	b.where = nil // movedAway stays: who was moved while away still needs a fresh welcome
	return rooms
}

// endBreakouts closes the breakout rooms' media when the meeting closes.
func (m *Meeting) endBreakouts() {
	m.mu.Lock()
	rooms := m.resetBreakoutsLocked()
	m.mu.Unlock()
	for _, r := range rooms {
		r.media.Close()
	}
}

// moveLocked moves p to room `to`: a new peer in that room's media, the old one closed, and a
// fresh welcome on p's connection. b.moveMu must be held (not Meeting.mu).
func (m *Meeting) moveLocked(p *Participant, to int) {
	b := &m.breakout
	m.mu.Lock()
	if m.participants[p.id] != p || !b.open || b.where[p] == to || to > len(b.rooms) {
		m.mu.Unlock()
		return
	}
	media := m.media
	if to > 0 {
		media = b.rooms[to-1].media
	}
	perms := p.perms
	gen := p.peer.Load().gen + 1
	m.mu.Unlock()

	peer, err := media.NewPeer(p.id, peerEvents{p: p, gen: gen})
	if err != nil {
		m.ms.log.Warn("breakout move: new peer", "room", m.code, "participant", p.id, "err", err)
		return
	}
	peer.Permit(perms.Publish, perms.Subscribe)

	m.mu.Lock()
	if m.participants[p.id] != p || !b.open {
		m.mu.Unlock()
		peer.Close()
		return
	}
	old := p.peer.Load().p
	p.peer.Store(&peerRef{p: peer, gen: gen})
	from := b.where[p]
	if from == 0 && m.transcription.session != nil {
		m.transcription.session.EndParticipant(p.id) // what they were saying in the main room ends here
	}
	m.broadcastLocked(p, ParticipantLeft{ParticipantID: p.id, Reason: "moved"})
	if to == 0 {
		delete(b.where, p)
	} else {
		b.where[p] = to
	}
	p.tracks = nil
	m.broadcastLocked(p, ParticipantJoined{Participant: p.infoLocked()})
	if c := p.connLocked(); c != nil {
		m.sendWelcomeLocked(p, c, false) // followed by the breakout state
	} else {
		if b.movedAway == nil {
			b.movedAway = map[*Participant]bool{}
		}
		b.movedAway[p] = true
	}
	m.mu.Unlock()
	m.ms.log.Info("breakout move", "room", m.code, "participant", p.id, "from", from, "to", to)
	old.Close()
	if err := peer.Start(); err != nil {
		m.remove(p, "left")
	}
}
