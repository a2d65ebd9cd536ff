package audio

import (
	"fmt"

	"github.com/pion/opus"
)

// MaxOpusFrame is the most samples one Opus packet decodes to at Rate: 120 ms (RFC 6716
// section 3.2.5).
const MaxOpusFrame = Rate * 120 / 1000

// OpusDecoder decodes the Opus payloads of one RTP stream (RFC 7587) to mono PCM at Rate.
// It keeps decoder state between packets, so each participant's track needs its own; it is
// not safe for concurrent use. Decoding allocates nothing.
type OpusDecoder struct {
	dec  opus.Decoder
	last int // samples in the last decoded packet, for loss concealment
}

// NewOpusDecoder returns a decoder producing mono PCM at Rate.
func NewOpusDecoder() (*OpusDecoder, error) {
	d, err := opus.NewDecoderWithOutput(Rate, 1)
	if err != nil {
		return nil, fmt.Errorf("audio: opus decoder: %w", err)
	}
	return &OpusDecoder{dec: d, last: Rate / 50}, nil
}

// Decode decodes one Opus packet into out (at least MaxOpusFrame long) and returns the number
// of samples written.
func (d *OpusDecoder) Decode(payload []byte, out []float32) (int, error) {
	if len(out) < MaxOpusFrame {
		return 0, fmt.Errorf("%w: output buffer of %d samples", ErrFormat, len(out))
	}
	n, err := d.dec.DecodeToFloat32(payload, out)
	if err != nil {
		return 0, fmt.Errorf("%w: opus: %v", ErrFormat, err)
	}
	d.last = n
	return n, nil
}

// Conceal writes silence for one lost packet, as long as the last decoded one, and returns its
// length. pion/opus has no packet loss concealment; silence keeps the timeline right, which is
// what voice detection and attribution need.
func (d *OpusDecoder) Conceal(out []float32) int {
	n := min(d.last, len(out))
	clear(out[:n])
	return n
}
