package archive

import (
	"fmt"
	"io"
	"time"

	"visio/internal/transcribe"
	"visio/internal/transcribe/format"
)

// Speaker is one participant heard in a transcript.
type Speaker struct {
	// ID is the participant ID in the meeting.
	ID string `json:"id"`
	// Name is the display name the participant joined with.
	Name string `json:"name"`
}

// Meta describes a transcript; it is what the index and the list API hold.
type Meta struct {
	ID   string `json:"id"`
	Room string `json:"room"`
	// MeetingStartedAt is the zero of the meeting's clock: segment times count from it.
	MeetingStartedAt time.Time `json:"meeting_started_at"`
	// StartedAt is when transcription was first started; EndedAt when the meeting (or the last
	// run of transcription) ended.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// StartedBy is the participant who started transcription.
	StartedBy Speaker `json:"started_by"`
	// Live is true while the meeting is still being transcribed.
	Live       bool      `json:"live"`
	Recognizer string    `json:"recognizer"`
	Language   string    `json:"language"`
	Speakers   []Speaker `json:"speakers"`
	Segments   int       `json:"segments"`
	// ExpiresAt is when the transcript will be deleted.
	ExpiresAt time.Time `json:"expires_at"`
}

// Segment is one stretch of one participant's speech.
type Segment struct {
	ParticipantID string `json:"participant_id"`
	Name          string `json:"name"`
	// StartMS and EndMS are milliseconds on the meeting's clock.
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

// Record is a whole transcript, the canonical JSON file.
type Record struct {
	Meta
	Segments []Segment `json:"segments"`
}

// Add appends a recognized segment spoken by the participant named name.
func (r *Record) Add(s transcribe.Segment, name string) {
	r.Segments = append(r.Segments, Segment{ParticipantID: s.Speaker, Name: name,
		StartMS: s.Start.Milliseconds(), EndMS: s.End.Milliseconds(), Text: s.Text})
	r.Meta.Segments = len(r.Segments)
	for _, sp := range r.Speakers {
		if sp.ID == s.Speaker {
			return
		}
	}
	r.Speakers = append(r.Speakers, Speaker{ID: s.Speaker, Name: name})
}

// addSpeaker adds sg's speaker to the record's, if new.
func (r *Record) addSpeaker(sg Segment) {
	for _, sp := range r.Speakers {
		if sp.ID == sg.ParticipantID {
			return
		}
	}
	r.Speakers = append(r.Speakers, Speaker{ID: sg.ParticipantID, Name: sg.Name})
}

// Transcript converts the record for the format writers: speakers are labelled by name (with
// a number when two participants share a name), segments sorted by start time.
func (r *Record) Transcript() transcribe.Transcript {
	label := map[string]string{}
	used := map[string]int{}
	for _, sp := range r.Speakers {
		name := sp.Name
		if name == "" {
			name = sp.ID
		}
		if used[name]++; used[name] > 1 {
			name = fmt.Sprintf("%s (%d)", name, used[name])
		}
		label[sp.ID] = name
	}
	t := transcribe.Transcript{
		Title:      fmt.Sprintf("Réunion %s, %s", r.Room, r.MeetingStartedAt.UTC().Format("2006-01-02 15:04 UTC")),
		Language:   r.Language,
		Recognizer: r.Recognizer,
	}
	for _, s := range r.Segments {
		name, ok := label[s.ParticipantID]
		if !ok {
			name = s.Name
		}
		seg := transcribe.Segment{Speaker: name, Start: time.Duration(s.StartMS) * time.Millisecond,
			End: time.Duration(s.EndMS) * time.Millisecond, Text: s.Text}
		t.Segments = append(t.Segments, seg)
		t.Duration = max(t.Duration, seg.End)
	}
	t.Sort()
	return t
}

// Render writes the transcript in a format of format.Names; "json" is the canonical record.
func (r *Record) Render(w io.Writer, name string) error {
	if name == "json" {
		return writeJSON(w, r)
	}
	t := r.Transcript()
	return format.Write(w, name, &t)
}

// ContentType returns the media type of a rendered format.
func ContentType(name string) string {
	switch name {
	case "json":
		return "application/json"
	case "vtt":
		return "text/vtt; charset=utf-8"
	case "srt":
		return "application/x-subrip; charset=utf-8"
	case "md":
		return "text/markdown; charset=utf-8"
	case "html":
		return "text/html; charset=utf-8"
	}
	return "application/octet-stream"
}
