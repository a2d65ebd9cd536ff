package recording

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// ManifestFile is the name of a recording's manifest in its directory.
const ManifestFile = "manifest.json"

// maxManifestBytes bounds the manifest a reader accepts.
const maxManifestBytes = 1 << 20

// Manifest describes a recording in progress or finished: enough to compose it, even after a
// crash. It is written next to the track files as the recording goes.
type Manifest struct {
	// ID identifies the recording ("RE_..."); it is also its directory's name.
	ID string `json:"id"`
	// Room is the meeting code.
	Room string `json:"room"`
	// StartedAt is the wall-clock time offsets count from.
	StartedAt time.Time `json:"started_at"`
	// EndedAt is set when the recording stopped normally; zero after a crash.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// AudioOnly recordings keep no video.
	AudioOnly bool `json:"audio_only,omitempty"`
	// StartedBy is the participant who started it.
	StartedBy Participant `json:"started_by"`
	// Participants are everyone present while it ran.
	Participants []Participant `json:"participants"`
	// Tracks are the recorded tracks, in the order they started.
	Tracks []Track `json:"tracks"`
	// TranscriptID is the meeting's transcript, if transcription ran meanwhile.
	TranscriptID string `json:"transcript_id,omitempty"`
	// Dropped counts packets lost because the recorder fell behind.
	Dropped uint64 `json:"dropped,omitempty"`
	// Stopped says why the recording stopped early ("limit"), if it did.
	Stopped string `json:"stopped,omitempty"`
	// Speakers is who spoke loudest when, in order: each change of the loudest speaker ("" when
	// nobody speaks), for the active-speaker layout.
	Speakers []SpeakerChange `json:"speakers,omitempty"`
}

// SpeakerChange is a moment the loudest speaker changed.
type SpeakerChange struct {
	// AtMS is when, from StartedAt.
	AtMS int64 `json:"at_ms"`
	// Participant speaks loudest from then on; "" for nobody.
	Participant string `json:"participant"`
}

// maxSpeakerChanges bounds the speaker changes a manifest keeps (a day of changes every 5 s).
const maxSpeakerChanges = 20000

// Participant is someone in a recorded meeting.
type Participant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Track is one recorded track file.
type Track struct {
	// ID is the SFU's track id.
	ID string `json:"id"`
	// Participant is the publisher's participant id.
	Participant string `json:"participant"`
	// Source is "microphone", "camera", "screen" or "screen_audio".
	Source string `json:"source"`
	// Kind is "audio" or "video".
	Kind string `json:"kind"`
	// File is the track's file name in the recording's directory.
	File string `json:"file"`
	// OffsetMS is when the track's first sample plays, from StartedAt, in milliseconds: from
	// the publisher's sender reports when Sync is "sender_report", else ArrivalOffsetMS.
	OffsetMS int64 `json:"offset_ms"`
	// ArrivalOffsetMS is when the track's first recorded packet arrived, from StartedAt.
	ArrivalOffsetMS int64 `json:"arrival_offset_ms"`
	// Sync says how OffsetMS was found: "sender_report" (the publisher's RTCP sender reports
	// map the track's RTP time to the publisher's wall clock, shared by its tracks, so that its
	// audio and video line up whatever their arrival) or "arrival" (no sender report yet: the
	// arrival of the first packet).
	Sync string `json:"sync,omitempty"`
	// EndMS is when its last sample ends, from StartedAt; written every few seconds while the
	// recording runs (so that a crash loses at most those seconds of it), final at the end.
	EndMS int64 `json:"end_ms,omitempty"`
}

// idPattern is what a recording id looks like; anything else is refused before it reaches a path.
var idPattern = regexp.MustCompile(`^RE_[A-Za-z0-9]{8,40}$`)

// ValidID reports whether id has the shape of a recording id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// fileName matches the track file names a recorder writes.
var fileName = regexp.MustCompile(`^[a-z]+-[0-9]{1,4}\.(ogg|webm)$`)

// ParseManifest reads a manifest and checks it: a recording directory may hold anything after a
// crash, and its files are given to ffmpeg.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadManifest, maxManifestBytes)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if !ValidID(m.ID) {
		return nil, fmt.Errorf("%w: id %q", ErrBadManifest, m.ID)
	}
	for _, t := range m.Tracks {
		if !fileName.MatchString(t.File) {
			return nil, fmt.Errorf("%w: track file %q", ErrBadManifest, t.File)
		}
		if t.Kind != "audio" && t.Kind != "video" {
			return nil, fmt.Errorf("%w: track kind %q", ErrBadManifest, t.Kind)
		}
		if t.OffsetMS < 0 || t.OffsetMS > int64(48*time.Hour/time.Millisecond) {
			return nil, fmt.Errorf("%w: track offset %d ms", ErrBadManifest, t.OffsetMS)
		}
		if t.EndMS < 0 || t.EndMS > int64(48*time.Hour/time.Millisecond) {
			return nil, fmt.Errorf("%w: track end %d ms", ErrBadManifest, t.EndMS)
		}
		if t.Sync != "" && t.Sync != "arrival" && t.Sync != "sender_report" {
			return nil, fmt.Errorf("%w: track sync %q", ErrBadManifest, t.Sync)
		}
	}
	if len(m.Speakers) > maxSpeakerChanges {
		return nil, fmt.Errorf("%w: %d speaker changes", ErrBadManifest, len(m.Speakers))
	}
	return &m, nil
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return ParseManifest(b)
}

// writeManifest replaces dir's manifest atomically (write, sync, rename), so that a crash
// leaves the old one or the new one.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".manifest-*")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, ManifestFile))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// participantName returns the name of participant id in m, or "".
func (m *Manifest) participantName(id string) string {
	for _, p := range m.Participants {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}
