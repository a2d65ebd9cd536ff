package loadtest

import "errors"

var (
	// ErrNoFFmpeg is returned when test media must be made and ffmpeg is not installed.
	ErrNoFFmpeg = errors.New("ffmpeg is needed to make the test media (VP8 and Opus) and was not found in PATH: install the Debian package ffmpeg (apt-get install ffmpeg), or pass --media-dir with media made elsewhere")
	// ErrBadConfig is returned for an invalid load test configuration.
	ErrBadConfig = errors.New("loadtest: invalid configuration")
)
