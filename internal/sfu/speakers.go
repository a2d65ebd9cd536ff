package sfu

import (
	"math"
	"sort"
	"time"
)

// Active speakers and audio selection in large rooms, from the RFC 6464 audio levels in
// publishers' packets.

const (
	roomTick = 250 * time.Millisecond
	// maxAudible is how many microphones are forwarded when more are open.
	maxAudible = 3
	// speakingLevel is the level (127 - dBov) above which a packet counts as speech: -50 dBov.
	speakingLevel = 127 - 50
	// speakingHold keeps someone "speaking" between words.
	speakingHold = 1200 * time.Millisecond
	// audibleHold keeps a selected speaker forwarded for a while after they stop.
	audibleHold = 2 * time.Second
)

// Speaker is a participant speaking now, with a level from 0 to 1.
type Speaker struct {
	ParticipantID string
	Level         float64
}

// RoomHandler receives room-wide events. Calls come from the room's goroutine and must not block.
type RoomHandler interface {
	// OnSpeakers is called when the list of active speakers (loudest first) changes.
	OnSpeakers(speakers []Speaker)
}

// speakerState is the room tick's memory of one microphone track.
type speakerState struct {
	level    float64 // smoothed, 0-1
	lastLoud time.Time
	audible  bool
}

// roomState is owned by the room's tick goroutine.
type roomState struct {
	speakers map[string]*speakerState // by track id
	lastList []string
	layers   map[string][maxLayers]bool // needed layers last announced, by track id
}

// tick measures layer rates, picks the audible microphones, announces speakers and the layers
// publishers must send.
func (r *Room) tick(st *roomState, now time.Time) {
	r.mu.Lock()
	tracks := make([]*publishedTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		tracks = append(tracks, t)
	}
	peers := make(map[string]*Peer, len(r.peers))
	for id, p := range r.peers {
		peers[id] = p
	}
	r.mu.Unlock()

	var mics []*publishedTrack
	seen := make(map[string]bool, len(tracks))
	for _, t := range tracks {
		seen[t.id] = true
		t.measure(now)
		if t.kind == videoKind {
			if t.simulcast {
				r.announceLayers(st, t, peers[t.ownerID])
			}
			continue
		}
		s := st.speakers[t.id]
		if s == nil {
			s = &speakerState{audible: true}
			st.speakers[t.id] = s
		}
		lvl := t.takeLevel()
		if t.muted.Load() {
			s.level, s.lastLoud = 0, time.Time{}
			continue
		}
		lin := math.Pow(10, -float64(127-lvl)/20) // dBov to linear
		s.level = 0.5*s.level + 0.5*lin
		if lvl >= speakingLevel {
			s.lastLoud = now
		}
		if t.source == SourceMicrophone && t.levelExtID != 0 {
			mics = append(mics, t) // without levels there is nothing to choose by: always heard
		}
	}
	for id := range st.speakers {
		if !seen[id] {
			delete(st.speakers, id)
		}
	}
	for id := range st.layers {
		if !seen[id] {
			delete(st.layers, id)
		}
	}

	selectAudible(st, mics, now)

	// Active speakers, loudest first.
	var list []Speaker
	for _, t := range tracks {
		if s := st.speakers[t.id]; s != nil && t.source == SourceMicrophone && now.Sub(s.lastLoud) < speakingHold {
			list = append(list, Speaker{ParticipantID: t.ownerID, Level: math.Min(1, s.level)})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Level > list[j].Level })
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ParticipantID
	}
	if !equalStrings(ids, st.lastList) {
		st.lastList = ids
		if r.handler != nil {
			r.handler.OnSpeakers(list)
		}
	}
	if b := r.tap.media.Load(); b != nil {
		if sp, ok := b.tap.(SpeakerTap); ok {
			sp.Speakers(ids, now.UnixNano())
		}
	}
}

// announceLayers tells the publisher of t which of its simulcast layers subscribers need: the
// layer each is set to and the one each would like.
func (r *Room) announceLayers(st *roomState, t *publishedTrack, owner *Peer) {
	var need [maxLayers]bool
	layers := t.snapshot(time.Now())
	// Each subscriber needs the layers from just below the one it gets (to step down to at
	// once when its link weakens) up to the one its tile would like (to step up to).
	for _, d := range t.downList() {
		cur := d.targetLayer()
		want := noLayer
		if visible, w, h := d.preference(); visible {
			want = layerForSize(layers, w, h)
		}
		lo, hi := cur, max(cur, want)
		if lo == noLayer {
			lo = want
		}
		if lo == noLayer {
			continue
		}
		for i := max(lo-1, 0); i <= hi; i++ {
			if layers[i].present {
				need[i] = true
			}
		}
	}
	if old, ok := st.layers[t.id]; ok && old == need {
		return
	}
	st.layers[t.id] = need
	if owner == nil {
		return
	}
	rids := []string{}
	for i, n := range need {
		if n {
			rids = append(rids, layerRIDs[i])
		}
	}
	owner.handler.OnLayers(t.id, rids)
}

// selectAudible decides who hears which microphone: each listener hears the maxAudible
// microphones ranked first among the others' (their own is never counted), all of them while
// the others have no more than maxAudible open.
func selectAudible(st *roomState, mics []*publishedTrack, now time.Time) {
	sort.SliceStable(mics, func(i, j int) bool {
		a, b := st.speakers[mics[i].id], st.speakers[mics[j].id]
		if ra, rb := rank(a, now), rank(b, now); ra != rb {
			return ra < rb
		}
		if !a.lastLoud.Equal(b.lastLoud) {
			return a.lastLoud.After(b.lastLoud)
		}
		return a.level > b.level
	})
	// owned[p] lists the ranks of listener p's own microphones, in order.
	owned := make(map[string][]int, len(mics))
	for i, t := range mics {
		owned[t.ownerID] = append(owned[t.ownerID], i)
	}
	for i, t := range mics {
		s := st.speakers[t.id]
		anyone := false
		for _, d := range t.downList() {
			// Microphones of others ranked before this one, and open microphones of others.
			mine := owned[d.listener]
			before := i
			for _, r := range mine {
				if r < i {
					before--
				}
			}
			hears := len(mics)-len(mine) <= maxAudible || (before < maxAudible && !s.lastLoud.IsZero())
			d.setSilenced(!hears)
			anyone = anyone || hears
		}
		if len(t.downList()) == 0 {
			anyone = len(mics) <= maxAudible || (i < maxAudible && !s.lastLoud.IsZero())
		}
		s.audible = anyone
		t.audible.Store(anyone)
	}
}

// rank orders microphones for selection, lowest first: someone heard and still speaking keeps
// their place; someone who just started speaking comes next, before a heard speaker who has
// paused (and within audibleHold keeps precedence over the silent); then everyone else.
func rank(s *speakerState, now time.Time) int {
	since := now.Sub(s.lastLoud)
	switch {
	case s.lastLoud.IsZero():
		return 4
	case s.audible && since < speakingHold:
		return 0
	case since < speakingHold:
		return 1
	case s.audible && since < audibleHold:
		return 2
	default:
		return 3
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
