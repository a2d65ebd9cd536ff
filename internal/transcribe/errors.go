package transcribe

import "errors"

var (
	// ErrUnavailable says that no speech recognizer is configured, so there is no text; the
	// message is safe to show users.
	ErrUnavailable = errors.New("transcription unavailable: no speech recognizer is configured")
	// ErrClosed is returned by a Stream after Close.
	ErrClosed = errors.New("transcribe: stream closed")
	// ErrRecognizer wraps failures of a recognizer backend.
	ErrRecognizer = errors.New("transcribe: recognizer failed")
)
