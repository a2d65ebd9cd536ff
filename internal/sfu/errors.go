package sfu

import "errors"

var (
	// ErrClosed is returned by operations on a closed peer or room.
	ErrClosed = errors.New("sfu: closed")
	// ErrBadSDP is returned when a session description cannot be parsed or applied.
	ErrBadSDP = errors.New("sfu: bad session description")
	// ErrBadCandidate is returned when an ICE candidate cannot be parsed or added.
	ErrBadCandidate = errors.New("sfu: bad ICE candidate")
	// ErrBadTrack is returned when an offer declares a track the server does not accept.
	ErrBadTrack = errors.New("sfu: bad track declaration")
	// ErrUnsupportedCodec is returned when a subscriber cannot receive a track's codec.
	ErrUnsupportedCodec = errors.New("sfu: codec not supported by subscriber")
)
