package recording

import (
	"io"
	"time"

	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/format"
)

// Captions writes the transcript of a recorded meeting as WebVTT on the recording's clock:
// cues are moved by the time between the meeting's start (the transcript's zero) and the
// recording's, and those wholly before the recording are left out. Speakers are named.
func Captions(w io.Writer, tr *archive.Record, recordingStart time.Time) error {
	t := tr.Transcript()
	shift := tr.MeetingStartedAt.Sub(recordingStart)
	segs := t.Segments[:0]
	for _, s := range t.Segments {
		s.Start, s.End = s.Start+shift, s.End+shift
		if s.End <= 0 {
			continue
		}
		s.Start = max(s.Start, 0)
		segs = append(segs, s)
	}
	t.Segments = segs
	return format.WebVTT(w, &t)
}
