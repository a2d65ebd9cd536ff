package room

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"visio/internal/transcribe"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/live"
)

// TranscriptStore keeps meeting transcripts (archive.Store).
type TranscriptStore interface {
	// Save writes the whole transcript.
	Save(rec *archive.Record) error
	// Append adds segments to a saved transcript with one small write: they survive a crash.
	Append(id string, segs ...archive.Segment) error
}

// Transcription configures live transcription in the meetings.
type Transcription struct {
	// Recognizer turns speech into text; nil means transcription is unavailable, and the
	// meeting UI says so.
	Recognizer transcribe.Recognizer
	// Language is asked of the recognizer ("fr", "en").
	Language string
	// Store keeps the transcripts.
	Store TranscriptStore
	// SharedSegments says that Store's segments are those the meeting keeps in its state
	// store for its failover (archive.DB on the same database as Meetings' State): while
	// that keeps them, a segment is not appended to Store again.
	SharedSegments bool
	// FlushTimeout bounds how long the last utterances may take to be recognized when
	// transcription stops or the meeting ends (default 60 s).
	FlushTimeout time.Duration
	// Logger receives the transcription's events.
	Logger *slog.Logger
}

func (t *Transcription) defaults(log *slog.Logger) {
	if t.Logger == nil {
		t.Logger = log
	}
	if t.FlushTimeout <= 0 {
		t.FlushTimeout = 60 * time.Second
	}
}

// roomTranscription is a meeting's transcription state; guarded by Meeting.mu.
type roomTranscription struct {
	session   *live.Session // nil when not running
	record    *archive.Record
	by        ParticipantRef
	startedAt time.Time
	captions  map[string]bool   // participants who asked for captions
	names     map[string]string // participant ID → name, kept for those who left
	savedAt   time.Time         // last write of the live transcript
}

// liveSaveEvery is how often a running transcript is written whole; in between, each segment
// is appended to its journal as it is recognized, so that a crash loses none.
const liveSaveEvery = 15 * time.Second

// transcriptionStateLocked is the state as p sees it. m.mu must be held.
func (m *Meeting) transcriptionStateLocked(p *Participant) TranscriptionState {
	st := TranscriptionState{}
	t := m.ms.p.Transcription
	if t == nil || t.Recognizer == nil {
		st.Reason = "no_recognizer"
		return st
	}
	st.Available = true
	st.Recognizer, st.Language = t.Recognizer.Name(), t.Language
	if strings.HasPrefix(st.Recognizer, "pocketsphinx") {
		st.Notice = "local_english_only"
	}
	st.CanControl = p != nil && mayControlTranscriptionLocked(p)
	tx := &m.transcription
	if tx.record != nil {
		st.TranscriptID = tx.record.ID
	}
	if tx.session != nil {
		st.Active = true
		by, at := tx.by, tx.startedAt
		st.By, st.StartedAt = &by, &at
	}
	return st
}

// broadcastTranscriptionLocked tells everyone the transcription state. m.mu must be held.
func (m *Meeting) broadcastTranscriptionLocked() {
	for _, o := range m.participants {
		if c := o.connLocked(); c != nil {
			c.Send(m.transcriptionStateLocked(o))
		}
	}
}

// ControlTranscription starts ("start") or stops ("stop") the meeting's transcription on
// behalf of p.
func (p *Participant) ControlTranscription(action string) error {
	m := p.m
	t := m.ms.p.Transcription
	if t == nil || t.Recognizer == nil {
		return ErrTranscriptionUnavailable
	}
	var finish func(context.Context)
	defer func() { m.finishTranscript(finish) }()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !mayControlTranscriptionLocked(p) {
		return refuse(ErrForbidden, "only moderators start and stop transcription")
	}
	tx := &m.transcription
	switch {
	case action == "start" && tx.session == nil && !m.closed:
		now := m.ms.clock.Now().UTC()
		if tx.record == nil {
			tx.record = &archive.Record{Meta: archive.Meta{
				ID: archive.NewID(), Room: m.code, MeetingStartedAt: m.created, StartedAt: now.Truncate(time.Second),
				StartedBy:  archive.Speaker{ID: p.id, Name: p.name},
				Recognizer: t.Recognizer.Name(), Language: t.Language,
			}}
			tx.names = map[string]string{}
		}
		tx.record.Live = true
		sess, err := live.NewSession(live.SessionParams{
			Recognizer: t.Recognizer, Language: t.Language, Origin: m.created,
			Emit: m.onSegment, Logger: t.Logger.With("room", m.code),
		})
		if err != nil {
			return err
		}
		tx.session, tx.by, tx.startedAt = sess, ParticipantRef{ID: p.id, Name: p.name}, now.Truncate(time.Second)
		for _, o := range m.participants {
			tx.names[o.id] = o.name
		}
		m.media.SetAudioTap(sess.Tap)
		m.saveLocked(t, tx.record)
		m.persistLocked()
		t.Logger.Info("transcription started", "room", m.code, "by", p.id, "transcript", tx.record.ID)
	case action == "stop" && tx.session != nil:
		finish = m.stopTranscriptionLocked(t, false)
		m.persistLocked()
		t.Logger.Info("transcription stopped", "room", m.code, "by", p.id)
	default:
		return nil // already in the asked state
	}
	m.broadcastTranscriptionLocked()
	return nil
}

// stopTranscriptionLocked detaches the running session and returns what finishes it, to run
// without m.mu (finishTranscript): the utterances in progress are recognized, then the
// transcript is written (final when the meeting is over). It returns nil without a transcript.
// m.mu must be held.
func (m *Meeting) stopTranscriptionLocked(t *Transcription, meetingOver bool) func(context.Context) {
	tx := &m.transcription
	sess := tx.session
	tx.session = nil
	if sess != nil {
		m.media.SetAudioTap(nil)
	}
	rec := tx.record
	if rec == nil {
		return nil
	}
	return func(ctx context.Context) {
		if sess != nil {
			fctx, cancel := context.WithTimeout(ctx, t.FlushTimeout)
			if err := sess.Close(fctx); err != nil {
				t.Logger.Warn("transcription: the last utterances were not all recognized in time", "room", m.code, "err", err)
			}
			cancel()
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if tx.session == nil { // not restarted meanwhile
			rec.Live = false
			rec.EndedAt = m.ms.clock.Now().UTC().Truncate(time.Second)
		}
		if meetingOver {
			rec.Live = false
		}
		if m.sharedTranscriptHandedOverLocked(t) {
			t.Logger.Info("transcription handed over: the node taking the meeting over continues its transcript; what this node recognized since the shutdown began is not written",
				"room", m.code, "transcript", rec.ID)
			return
		}
		m.saveLocked(t, rec)
	}
}

// sharedTranscriptHandedOverLocked reports whether the server is shutting down with the
// meeting's state kept for the node taking it over while the transcript is in the shared
// store: that node writes the transcript from then on, and this one no more (a write would
// end it, or collide with that node's segments). m.mu must be held.
func (m *Meeting) sharedTranscriptHandedOverLocked(t *Transcription) bool {
	return t.SharedSegments && m.ms.p.State != nil && m.ms.frozen.Load() && (m.persist.handedOver || !m.persist.ended)
}

// finishTranscript runs finish on the meetings' group, or at once (its recognition cut short)
// once the group is closed.
func (m *Meeting) finishTranscript(finish func(context.Context)) {
	if finish == nil || m.ms.group.Go(finish) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	finish(ctx)
}

// saveLocked writes a copy of the transcript. m.mu must be held.
func (m *Meeting) saveLocked(t *Transcription, rec *archive.Record) {
	if t.Store == nil {
		return
	}
	cp := *rec
	cp.Segments = append([]archive.Segment(nil), rec.Segments...)
	cp.Speakers = append([]archive.Speaker(nil), rec.Speakers...)
	if err := t.Store.Save(&cp); err != nil {
		t.Logger.Error("saving transcript", "room", m.code, "transcript", rec.ID, "err", err)
	}
}

// onSegment records a recognized segment and sends it as a caption to those who asked.
func (m *Meeting) onSegment(seg transcribe.Segment) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &m.transcription
	if tx.record == nil {
		return
	}
	rec := tx.record
	name := tx.names[seg.Speaker]
	if p := m.participants[seg.Speaker]; p != nil {
		name = p.name
	}
	text := strings.Join(strings.Fields(seg.Text), " ")
	seg.Text = text
	tx.record.Add(seg, name)
	keep := m.ms.p.State != nil && !m.ms.frozen.Load() && !m.persist.ended
	if t := m.ms.p.Transcription; t != nil && t.Store != nil && !m.sharedTranscriptHandedOverLocked(t) {
		switch now := m.ms.clock.Now(); {
		case now.Sub(tx.savedAt) >= liveSaveEvery:
			tx.savedAt = now
			m.saveLocked(t, tx.record)
		case keep && t.SharedSegments:
			// keepSegment below writes it where Store reads it: once.
		default:
			if err := t.Store.Append(tx.record.ID, tx.record.Segments[len(tx.record.Segments)-1]); err != nil {
				t.Logger.Error("saving a transcript segment", "room", m.code, "transcript", tx.record.ID, "err", err)
			}
		}
	}
	if keep {
		// Kept in the shared store before anyone sees it: a node taking the meeting over
		// continues the transcript with every segment captioned so far. Written without m.mu;
		// the meeting's other events wait for nothing.
		seq, sg := len(rec.Segments)-1, rec.Segments[len(rec.Segments)-1]
		m.mu.Unlock()
		m.keepSegment(rec.ID, seq, sg)
		m.mu.Lock()
	}
	ev := Caption{ParticipantID: seg.Speaker, Name: name, Start: seg.Start, End: seg.End, Text: text}
	for id := range tx.captions {
		if o := m.participants[id]; o != nil && m.breakoutRoomLocked(o) == 0 { // captions of the main room
			if c := o.connLocked(); c != nil {
				c.Send(ev)
			}
		}
	}
}

// SetCaptions turns live captions on or off for p.
func (p *Participant) SetCaptions(on bool) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setCaptionsLocked(p, on)
	m.persistLocked()
}

// setCaptionsLocked turns live captions on or off for p. m.mu must be held.
func (m *Meeting) setCaptionsLocked(p *Participant, on bool) {
	tx := &m.transcription
	if tx.captions == nil {
		tx.captions = map[string]bool{}
	}
	if on {
		tx.captions[p.id] = true
	} else {
		delete(tx.captions, p.id)
	}
}

// transcriptionJoinedLocked records a new participant's name. m.mu must be held.
func (m *Meeting) transcriptionJoinedLocked(p *Participant) {
	if m.transcription.names != nil {
		m.transcription.names[p.id] = p.name
	}
}

// transcriptionLeftLocked finishes what p was saying and forgets its captions. m.mu must be
// held.
func (m *Meeting) transcriptionLeftLocked(p *Participant) {
	tx := &m.transcription
	delete(tx.captions, p.id)
	if tx.session != nil {
		tx.session.EndParticipant(p.id)
	}
}

// endTranscription finishes the meeting's transcript when the meeting closes.
func (m *Meeting) endTranscription() {
	t := m.ms.p.Transcription
	if t == nil {
		return
	}
	m.mu.Lock()
	finish := m.stopTranscriptionLocked(t, true)
	m.mu.Unlock()
	m.finishTranscript(finish)
}
