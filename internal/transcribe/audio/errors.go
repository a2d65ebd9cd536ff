package audio

import "errors"

var (
	// ErrFormat is returned for input that is not a recording this package can read.
	ErrFormat = errors.New("audio: unsupported or malformed recording")
	// ErrTooLong is returned when a recording exceeds MaxSeconds.
	ErrTooLong = errors.New("audio: recording too long")
)
