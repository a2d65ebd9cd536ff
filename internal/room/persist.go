package room

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"visio/internal/store"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/live"
)

const (
	// stateTouch is how often a live meeting's state is written even when nothing changed,
	// so that a state nobody writes any more is known to be a meeting that ended with its node.
	stateTouch = 30 * time.Second
	// stateFresh is how recent a saved state must be to be taken over: older, its meeting
	// ended with its node and nobody came back in time, and a new meeting starts afresh.
	stateFresh = 3 * stateTouch
	// stateWriteTimeout bounds one write of the state or of a transcript segment.
	stateWriteTimeout = 10 * time.Second
)

// StateLost tells a moderator that the meeting's saved state could not be read when this
// node took the meeting over: lock, removals, lobby and transcription started afresh.
type StateLost struct{ Message string }

func (StateLost) event() {}

// persistence is a meeting's writing of its state; guarded by Meeting.mu.
type persistence struct {
	dirty   bool  // changed since the last write
	running bool  // a goroutine is writing
	ended   bool  // the meeting ended: the state is deleted, never written again
	touch   Timer // the next write without a change
	lost    bool  // the saved state could not be read; the first moderator is told
	// handedOver: the meeting closed with the server's shutdown and its state is kept for
	// the node taking it over.
	handedOver bool
}

// restored is what a node read of a meeting it takes over.
type restored struct {
	st       *savedState
	segments []archive.Segment
	lost     bool
}

// loadState reads meeting code's saved state, and the segments of its transcript. Without a
// state store, with no state, or with a stale one it returns an empty result; an unreadable
// one is logged and reported lost.
func (ms *Meetings) loadState(code string) restored {
	db := ms.p.State
	if db == nil {
		return restored{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateWriteTimeout)
	defer cancel()
	row, err := db.LoadMeetingState(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return restored{}
	}
	if err != nil {
		ms.log.Error("meeting state: read failed, the meeting starts afresh", "room", code, "err", err)
		return restored{lost: true}
	}
	if age := ms.clock.Now().Sub(row.UpdatedAt); age > stateFresh {
		ms.log.Info("meeting state: too old to take over, the meeting starts afresh", "room", code, "age", age.Round(time.Second))
		return restored{}
	}
	st, err := decodeState(row.Data)
	if err != nil {
		ms.log.Warn("meeting state: unreadable, the meeting starts afresh", "room", code, "err", err)
		return restored{lost: true}
	}
	r := restored{st: st}
	if tx := st.Transcription; tx != nil {
		rows, err := db.TranscriptSegments(ctx, tx.Meta.ID)
		if err != nil {
			ms.log.Error("meeting state: transcript segments unreadable", "room", code, "transcript", tx.Meta.ID, "err", err)
		}
		for _, b := range rows {
			var sg archive.Segment
			if err := json.Unmarshal(b, &sg); err != nil {
				ms.log.Warn("meeting state: a transcript segment is unreadable", "room", code, "transcript", tx.Meta.ID, "err", err)
				continue
			}
			r.segments = append(r.segments, sg)
		}
	}
	ms.log.Info("meeting state taken over", "room", code, "people", len(st.People), "lobby", len(st.Lobby),
		"locked", st.Locked, "removed", len(st.Removed), "transcribing", st.Transcription != nil && st.Transcription.Running,
		"recording", st.Recording != nil)
	return r
}

// restoreLocked applies what was read to the new meeting m, before anyone enters it: the
// transcription is started again on the same transcript and a recording that ran starts its
// next part. m.mu must be held.
func (m *Meeting) restoreLocked(r restored) {
	m.persist.lost = r.lost
	st := r.st
	if st == nil {
		return
	}
	m.created, m.locked = st.Created, st.Locked
	for _, id := range st.Removed {
		m.removed[id] = true
	}
	for _, sp := range st.People {
		sp := sp
		m.known[sp.ID] = &sp
	}
	for _, k := range st.Lobby {
		m.places[k.Subject] = k
	}
	if st.ChatKeptBy != nil && m.ms.p.ChatArchive != nil {
		by := *st.ChatKeptBy
		m.chat.Kept, m.chat.KeptBy = true, &by
	}
	if tx := st.Transcription; tx != nil {
		m.restoreTranscriptionLocked(tx, r.segments)
	}
	if rec := st.Recording; rec != nil && m.ms.p.Recording != nil && m.ms.p.Recording.Service != nil {
		rr := &m.recording
		rr.state, rr.audioOnly, rr.by, rr.parts = RecordingStarting, rec.AudioOnly, rec.By, rec.Parts
		rr.startsAt = m.ms.clock.Now().UTC().Truncate(time.Millisecond)
		// Everyone was told when it was announced: the next part begins at once.
		rr.timer = m.ms.clock.AfterFunc(0, m.beginRecording)
	}
}

// restoreTranscriptionLocked continues transcript tx with its kept segments, running again if
// it ran. m.mu must be held.
func (m *Meeting) restoreTranscriptionLocked(tx *savedTranscription, segs []archive.Segment) {
	t := m.ms.p.Transcription
	rec := &archive.Record{Meta: tx.Meta, Segments: segs}
	rec.Speakers = nil
	for _, sg := range segs {
		known := false
		for _, sp := range rec.Speakers {
			known = known || sp.ID == sg.ParticipantID
		}
		if !known {
			rec.Speakers = append(rec.Speakers, archive.Speaker{ID: sg.ParticipantID, Name: sg.Name})
		}
	}
	rec.Meta.Segments = len(segs)
	rt := &m.transcription
	rt.record, rt.names, rt.by, rt.startedAt = rec, tx.Names, tx.By, tx.StartedAt
	if rt.names == nil {
		rt.names = map[string]string{}
	}
	if !tx.Running || t == nil || t.Recognizer == nil {
		if t != nil {
			m.saveLocked(t, rec)
		}
		return
	}
	rec.Live, rec.EndedAt = true, time.Time{}
	sess, err := live.NewSession(live.SessionParams{
		Recognizer: t.Recognizer, Language: t.Language, Origin: m.created,
		Emit: m.onSegment, Logger: t.Logger.With("room", m.code),
	})
	if err != nil {
		t.Logger.Error("transcription could not start again after a takeover", "room", m.code, "transcript", rec.ID, "err", err)
		m.saveLocked(t, rec)
		return
	}
	rt.session = sess
	m.media.SetAudioTap(sess.Tap)
	m.saveLocked(t, rec)
	t.Logger.Info("transcription continued after a takeover", "room", m.code, "transcript", rec.ID, "segments", len(segs))
}

// persistLocked records that the meeting's state changed: a goroutine writes it soon (one
// write for changes close together, in order). Nothing is written once the server shuts
// down: the state as it was then is what the next node takes over. m.mu must be held.
func (m *Meeting) persistLocked() {
	if m.ms.p.State == nil || m.ms.frozen.Load() || m.persist.ended {
		return
	}
	m.persist.dirty = true
	m.startWriterLocked()
}

// startWriterLocked starts the writing goroutine if none runs. m.mu must be held.
func (m *Meeting) startWriterLocked() {
	if m.persist.running {
		return
	}
	m.persist.running = true
	if !m.ms.group.Go(m.writeState) {
		m.persist.running = false
	}
}

// writeState writes the state until nothing changed since the last write; after the meeting
// ended, it deletes it. Once the server shuts down, flushState has written the last state.
func (m *Meeting) writeState(ctx context.Context) {
	db := m.ms.p.State
	for {
		m.wmu.Lock()
		m.mu.Lock()
		if !m.persist.dirty || m.ms.frozen.Load() {
			m.persist.running = false
			m.mu.Unlock()
			m.wmu.Unlock()
			return
		}
		m.persist.dirty = false
		ended := m.persist.ended
		var data []byte
		var txIDs []string
		var err error
		if ended {
			if m.transcription.record != nil {
				txIDs = append(txIDs, m.transcription.record.ID)
			}
		} else {
			data, err = encodeState(m.snapshotLocked())
		}
		m.mu.Unlock()
		wctx, cancel := context.WithTimeout(ctx, stateWriteTimeout)
		switch {
		case err != nil:
		case ended:
			err = db.DeleteMeetingState(wctx, m.code, txIDs...)
		default:
			err = db.SaveMeetingState(wctx, store.MeetingState{RoomCode: m.code, Data: data, UpdatedAt: m.ms.clock.Now().UTC()})
		}
		cancel()
		m.wmu.Unlock()
		if err != nil {
			m.ms.log.Error("meeting state: write failed", "room", m.code, "err", err)
		}
	}
}

// flushState writes the meeting's state as it is now, when the server begins to shut down
// (before anyone is told): the node that takes the meeting over starts from it.
func (m *Meeting) flushState(ctx context.Context) {
	db := m.ms.p.State
	if db == nil {
		return
	}
	m.wmu.Lock()
	defer m.wmu.Unlock()
	m.mu.Lock()
	if m.persist.ended || m.closed {
		m.mu.Unlock()
		return
	}
	data, err := encodeState(m.snapshotLocked())
	m.mu.Unlock()
	if err == nil {
		wctx, cancel := context.WithTimeout(ctx, stateWriteTimeout)
		err = db.SaveMeetingState(wctx, store.MeetingState{RoomCode: m.code, Data: data, UpdatedAt: m.ms.clock.Now().UTC()})
		cancel()
	}
	if err != nil {
		m.ms.log.Error("meeting state: last write before shutdown failed", "room", m.code, "err", err)
	}
}

// armTouchLocked schedules the next write without a change. m.mu must be held.
func (m *Meeting) armTouchLocked() {
	if m.ms.p.State == nil || m.persist.ended {
		return
	}
	m.persist.touch = m.ms.clock.AfterFunc(stateTouch, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed || m.persist.ended {
			return
		}
		m.persistLocked()
		m.armTouchLocked()
	})
}

// endState stops writing the meeting's state, and deletes it when the meeting ended for good
// (everyone left, or a moderator ended it) after someone entered it on this node. A meeting
// closing because the server shuts down, or one taken over that nobody entered, keeps its
// state for the next node.
func (m *Meeting) endState() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.persist.touch != nil {
		m.persist.touch.Stop()
	}
	m.persist.handedOver = m.ms.p.State != nil && m.ms.frozen.Load() && !m.persist.ended
	if m.ms.p.State == nil || m.ms.frozen.Load() || m.persist.ended || !m.entered {
		m.persist.ended = true
		return
	}
	m.persist.ended, m.persist.dirty = true, true
	m.startWriterLocked()
}

// keepSegment writes segment seq of transcript id to the shared store, so that a node taking
// the meeting over continues the transcript with it. Called without m.mu.
func (m *Meeting) keepSegment(id string, seq int, sg archive.Segment) {
	db := m.ms.p.State
	if db == nil {
		return
	}
	data, err := json.Marshal(sg)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), stateWriteTimeout)
		err = db.AppendTranscriptSegment(ctx, m.code, id, seq, data)
		cancel()
	}
	if err != nil {
		m.ms.log.Error("meeting state: keeping a transcript segment failed", "room", m.code, "transcript", id, "err", err)
	}
}

// claimLocked returns the participant id entrant e had before this node took the meeting
// over (and marks it taken), or a new one. m.mu must be held.
func (m *Meeting) claimLocked(e *Entrant) (id string, back *savedPerson) {
	for _, kp := range m.known {
		if kp.Subject == e.ID && !kp.inUse && m.participants[kp.ID] == nil {
			kp.inUse = true
			if kp.Moderate && !e.Moderate {
				e.Moderate = true
				if e.Role == "" {
					e.Role = kp.Role
				}
			}
			return kp.ID, kp
		}
	}
	return "", nil
}

// returningLocked reports whether subject is or was a participant of the meeting (and did
// not leave or get removed): someone coming back after a takeover or a lost connection, or
// opening a second tab, who enters directly, lock or not. m.mu must be held.
func (m *Meeting) returningLocked(subject string) bool {
	for _, kp := range m.known {
		if kp.Subject == subject {
			return true
		}
	}
	return false
}

// tellStateLostLocked tells moderator p, once, that the saved state was unreadable. m.mu
// must be held.
func (m *Meeting) tellStateLostLocked(p *Participant, conn Conn) {
	if !m.persist.lost || !p.perms.Moderate {
		return
	}
	m.persist.lost = false
	conn.Send(StateLost{Message: "This meeting moved to another server and its settings could not be restored: the lock, the lobby, removals and transcription start afresh."})
}
