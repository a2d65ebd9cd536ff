package recording

import "errors"

// Sentinel errors.
var (
	// ErrNoFFmpeg means ffmpeg is not installed: recordings keep their per-track files only.
	ErrNoFFmpeg = errors.New("recording: ffmpeg is not installed; recordings are kept as per-track files only")
	// ErrNothingRecorded means a recording has no track to compose.
	ErrNothingRecorded = errors.New("recording: nothing was recorded")
	// ErrLimit means the recording reached its maximum size or duration and stopped.
	ErrLimit = errors.New("recording: the maximum size or duration was reached")
	// ErrBadManifest means a manifest could not be read.
	ErrBadManifest = errors.New("recording: invalid manifest")
	// ErrStopped means the recorder was stopped.
	ErrStopped = errors.New("recording: stopped")
)
