package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pion/opus/pkg/oggreader"
)

// maxOggPacket bounds one Ogg packet; an Opus packet is at most 1275 bytes per frame and 48
// frames (RFC 6716 section 3.2.5), so anything larger is hostile.
const maxOggPacket = 64 * 1024

// ReadOgg reads an Ogg/Opus recording (RFC 7845): mono or stereo (channel mapping family 0),
// pre-skip removed and output gain applied, decoded at Rate and mixed to mono.
func ReadOgg(r io.Reader) (*Clip, error) {
	ogg, head, err := oggreader.NewWith(r)
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg/Opus header: %v", ErrFormat, err)
	}
	if head.Channels < 1 || head.Channels > 2 || head.ChannelMap != 0 {
		return nil, fmt.Errorf("%w: Ogg/Opus with %d channels, mapping %d (only mono and stereo)", ErrFormat, head.Channels, head.ChannelMap)
	}
	dec, err := NewOpusDecoder()
	if err != nil {
		return nil, err
	}
	gain := float32(math.Pow(10, float64(int16(head.OutputGain))/(20*256)))
	buf := make([]float32, MaxOpusFrame)
	var out []float32
	for i := 0; ; i++ {
		pkt, _, err := ogg.ParseNextPacket()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: Ogg page: %v", ErrFormat, err)
		}
		if i == 0 && bytes.HasPrefix(pkt, []byte("OpusTags")) || len(pkt) == 0 {
			continue
		}
		if len(pkt) > maxOggPacket {
			return nil, fmt.Errorf("%w: Ogg packet of %d bytes", ErrFormat, len(pkt))
		}
		n, err := dec.Decode(pkt, buf)
		if err != nil {
			return nil, fmt.Errorf("%w: Opus packet %d: %v", ErrFormat, i, err)
		}
		if len(out)+n > MaxSeconds*Rate {
			return nil, ErrTooLong
		}
		for _, s := range buf[:n] {
			out = append(out, sanitize(s*gain))
		}
	}
	skip := min(len(out), int(head.PreSkip)*Rate/48000)
	return &Clip{Samples: out[skip:]}, nil
}

// ReadOggPacketsFile is ReadOggPackets on the file at path.
func ReadOggPacketsFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pkts, err := ReadOggPackets(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pkts, nil
}

// ReadOggPackets returns the Opus packets of an Ogg/Opus stream (RFC 7845), without decoding
// them: the headers and the comment packet are left out. For sending a recording as RTP.
func ReadOggPackets(r io.Reader) ([][]byte, error) {
	ogg, _, err := oggreader.NewWith(r)
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg/Opus header: %v", ErrFormat, err)
	}
	var out [][]byte
	for {
		pkt, _, err := ogg.ParseNextPacket()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: Ogg page: %v", ErrFormat, err)
		}
		if len(pkt) == 0 || bytes.HasPrefix(pkt, []byte("OpusTags")) || bytes.HasPrefix(pkt, []byte("OpusHead")) {
			continue
		}
		if len(pkt) > maxOggPacket {
			return nil, fmt.Errorf("%w: Ogg packet of %d bytes", ErrFormat, len(pkt))
		}
		out = append(out, append([]byte(nil), pkt...))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no Opus packets", ErrFormat)
	}
	return out, nil
}
