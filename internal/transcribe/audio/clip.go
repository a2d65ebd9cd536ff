package audio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"
)

// Rate is the sample rate of every Clip this package returns.
const Rate = 16000

// MaxSeconds bounds the length of a recording the readers accept (12 hours), so a hostile
// header cannot make them allocate without end.
const MaxSeconds = 12 * 3600

// Clip is mono PCM at Rate samples per second, samples in [-1, 1].
type Clip struct {
	// Samples holds the audio.
	Samples []float32
}

// Duration returns the clip's length.
func (c *Clip) Duration() time.Duration {
	return time.Duration(len(c.Samples)) * time.Second / Rate
}

// Seconds returns the clip's length in seconds.
func (c *Clip) Seconds() float64 { return float64(len(c.Samples)) / Rate }

// Read reads a WAV or Ogg/Opus recording, recognised by its first bytes, and returns it at Rate.
func Read(r io.Reader) (*Clip, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes", ErrFormat, len(head))
	}
	switch {
	case bytes.Equal(head, []byte("RIFF")), bytes.Equal(head, []byte("RF64")):
		return ReadWAV(br)
	case bytes.Equal(head, []byte("OggS")):
		return ReadOgg(br)
	}
	return nil, fmt.Errorf("%w: neither WAV nor Ogg", ErrFormat)
}
