package signal

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"visio/internal/transcribe"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/live"
)

// TranscriptStore keeps meeting transcripts (archive.Store).
type TranscriptStore interface {
	Save(rec *archive.Record) error
}

// Transcription wires live transcription into the hub.
type Transcription struct {
	// Recognizer turns speech into text; nil means transcription is unavailable, and the
	// meeting UI says so.
	Recognizer transcribe.Recognizer
	// Language is asked of the recognizer ("fr", "en").
	Language string
	// Store keeps the transcripts.
	Store TranscriptStore
	// FlushTimeout bounds how long the last utterances may take to be recognized when
	// transcription stops or the meeting ends (default 60 s).
	FlushTimeout time.Duration
	// Logger receives the transcription's events.
	Logger *slog.Logger

	pending sync.WaitGroup // transcripts being finished
}

// SetTranscription enables live transcription in the hub's rooms. Call it before serving.
func (h *Hub) SetTranscription(t *Transcription) {
	if t.Logger == nil {
		t.Logger = h.log
	}
	if t.FlushTimeout <= 0 {
		t.FlushTimeout = 60 * time.Second
	}
	h.transcription = t
}

// WaitTranscripts waits until the transcripts of closed rooms are written, or ctx ends. Call it
// after Shutdown.
func (h *Hub) WaitTranscripts(ctx context.Context) error {
	t := h.transcription
	if t == nil {
		return nil
	}
	return waitCtx(ctx, &t.pending)
}

// roomTranscription is a conference's transcription state; guarded by conference.mu.
type roomTranscription struct {
	session   *live.Session // nil when not running
	record    *archive.Record
	by        ParticipantRef
	startedAt time.Time
	captions  map[string]bool   // participants who asked for captions
	names     map[string]string // participant ID → name, kept for those who left
	savedAt   time.Time         // last write of the live transcript
}

// liveSaveEvery is how often a running transcript is written, so that a crash loses at most
// this much of it.
const liveSaveEvery = 15 * time.Second

// mayControlTranscription says whether p may start and stop transcription: moderators only.
// c.mu must be held.
func (c *conference) mayControlTranscription(p *participant) bool { return p.moderate }

// transcriptionStateLocked is the state as p sees it. c.mu must be held.
func (c *conference) transcriptionStateLocked(p *participant) TranscriptionState {
	st := TranscriptionState{Type: "transcription_state"}
	t := c.hub.transcription
	if t == nil || t.Recognizer == nil {
		st.Reason = "no_recognizer"
		return st
	}
	st.Available = true
	st.Recognizer, st.Language = t.Recognizer.Name(), t.Language
	if strings.HasPrefix(st.Recognizer, "pocketsphinx") {
		st.Notice = "local_english_only"
	}
	st.CanControl = p != nil && c.mayControlTranscription(p)
	tx := &c.transcription
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

// broadcastTranscriptionLocked tells everyone the transcription state. c.mu must be held.
func (c *conference) broadcastTranscriptionLocked() {
	for _, o := range c.participants {
		if o.session != nil {
			o.session.send(c.transcriptionStateLocked(o))
		}
	}
}

// controlTranscription handles a transcription message from p.
func (c *conference) controlTranscription(p *participant, action string) error {
	t := c.hub.transcription
	if t == nil || t.Recognizer == nil {
		return &ProtocolError{Code: CodeTranscriptionUnavailable, Message: transcribe.ErrUnavailable.Error()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.mayControlTranscription(p) {
		return &ProtocolError{Code: CodeForbidden, Message: "only moderators start and stop transcription"}
	}
	tx := &c.transcription
	switch {
	case action == "start" && tx.session == nil && !c.closed:
		now := time.Now().UTC()
		if tx.record == nil {
			tx.record = &archive.Record{Meta: archive.Meta{
				ID: archive.NewID(), Room: c.code, MeetingStartedAt: c.created, StartedAt: now.Truncate(time.Second),
				StartedBy:  ParticipantRef2Speaker(ParticipantRef{ID: p.id, Name: p.name}),
				Recognizer: t.Recognizer.Name(), Language: t.Language,
			}}
			tx.names = map[string]string{}
		}
		tx.record.Live = true
		sess, err := live.NewSession(live.SessionParams{
			Recognizer: t.Recognizer, Language: t.Language, Origin: c.created,
			Emit: c.onSegment, Logger: t.Logger.With("room", c.code),
		})
		if err != nil {
			return err
		}
		tx.session, tx.by, tx.startedAt = sess, ParticipantRef{ID: p.id, Name: p.name}, now.Truncate(time.Second)
		for _, o := range c.participants {
			tx.names[o.id] = o.name
		}
		c.media.SetAudioTap(sess.Tap)
		c.saveLocked(t, tx.record)
		t.Logger.Info("transcription started", "room", c.code, "by", p.id, "transcript", tx.record.ID)
	case action == "stop" && tx.session != nil:
		c.stopTranscriptionLocked(t, false)
		t.Logger.Info("transcription stopped", "room", c.code, "by", p.id)
	default:
		return nil // already in the asked state
	}
	c.broadcastTranscriptionLocked()
	return nil
}

// ParticipantRef2Speaker converts a participant reference for the archive.
func ParticipantRef2Speaker(r ParticipantRef) archive.Speaker {
	return archive.Speaker{ID: r.ID, Name: r.Name}
}

// stopTranscriptionLocked detaches the running session and finishes it in the background: the
// utterances in progress are recognized, then the transcript is written (final when the meeting
// is over). c.mu must be held.
func (c *conference) stopTranscriptionLocked(t *Transcription, meetingOver bool) {
	tx := &c.transcription
	sess := tx.session
	tx.session = nil
	c.media.SetAudioTap(nil)
	rec := tx.record
	if rec == nil {
		return
	}
	t.pending.Add(1)
	go func() {
		defer t.pending.Done()
		if sess != nil {
			ctx, cancel := context.WithTimeout(context.Background(), t.FlushTimeout)
			if err := sess.Close(ctx); err != nil {
				t.Logger.Warn("transcription: the last utterances were not all recognized in time", "room", c.code, "err", err)
			}
			cancel()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if tx.session == nil { // not restarted meanwhile
			rec.Live = false
			rec.EndedAt = time.Now().UTC().Truncate(time.Second)
		}
		if meetingOver {
			rec.Live = false
		}
		c.saveLocked(t, rec)
	}()
}

// saveLocked writes a copy of the transcript. c.mu must be held.
func (c *conference) saveLocked(t *Transcription, rec *archive.Record) {
	if t.Store == nil {
		return
	}
	cp := *rec
	cp.Segments = append([]archive.Segment(nil), rec.Segments...)
	cp.Speakers = append([]archive.Speaker(nil), rec.Speakers...)
	if err := t.Store.Save(&cp); err != nil {
		t.Logger.Error("saving transcript", "room", c.code, "transcript", rec.ID, "err", err)
	}
}

// onSegment records a recognized segment and sends it as a caption to those who asked.
func (c *conference) onSegment(seg transcribe.Segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx := &c.transcription
	if tx.record == nil {
		return
	}
	name := tx.names[seg.Speaker]
	if p := c.participants[seg.Speaker]; p != nil {
		name = p.name
	}
	text := strings.Join(strings.Fields(seg.Text), " ")
	seg.Text = text
	tx.record.Add(seg, name)
	if now := time.Now(); c.hub.transcription != nil && now.Sub(tx.savedAt) >= liveSaveEvery {
		tx.savedAt = now
		c.saveLocked(c.hub.transcription, tx.record)
	}
	msg := Caption{Type: "caption", ParticipantID: seg.Speaker, Name: name,
		StartMS: seg.Start.Milliseconds(), EndMS: seg.End.Milliseconds(), Text: text}
	for id := range tx.captions {
		if o := c.participants[id]; o != nil && o.session != nil {
			o.session.send(msg)
		}
	}
}

// setCaptions turns captions on or off for p.
func (c *conference) setCaptions(p *participant, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx := &c.transcription
	if tx.captions == nil {
		tx.captions = map[string]bool{}
	}
	if on {
		tx.captions[p.id] = true
	} else {
		delete(tx.captions, p.id)
	}
}

// transcriptionJoinedLocked records a new participant's name. c.mu must be held.
func (c *conference) transcriptionJoinedLocked(p *participant) {
	if c.transcription.names != nil {
		c.transcription.names[p.id] = p.name
	}
}

// transcriptionLeftLocked finishes what p was saying and forgets its captions. c.mu must be
// held.
func (c *conference) transcriptionLeftLocked(p *participant) {
	tx := &c.transcription
	delete(tx.captions, p.id)
	if tx.session != nil {
		tx.session.EndParticipant(p.id)
	}
}

// endTranscription finishes the meeting's transcript when the room closes.
func (c *conference) endTranscription() {
	t := c.hub.transcription
	if t == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.transcription.record != nil {
		c.stopTranscriptionLocked(t, true)
	}
}
