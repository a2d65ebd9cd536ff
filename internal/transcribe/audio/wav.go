package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatExtensible = 0xFFFE
)

type wavFormat struct {
	tag       uint16
	channels  int
	rate      int
	bits      int
	blockSize int
}

// ReadWAV reads a RIFF/WAVE recording (PCM 8/16/24/32-bit or IEEE float 32/64-bit, any
// channel count up to 64, averaged to mono) and resamples it to Rate.
func ReadWAV(r io.Reader) (*Clip, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: short RIFF header", ErrFormat)
	}
	if (string(hdr[0:4]) != "RIFF" && string(hdr[0:4]) != "RF64") || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var fmtc *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("%w: no data chunk", ErrFormat)
		}
		id, size := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrFormat, size)
			}
			buf := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, fmt.Errorf("%w: short fmt chunk", ErrFormat)
			}
			f, err := parseWAVFormat(buf[:size])
			if err != nil {
				return nil, err
			}
			fmtc = &f
		case "data":
			if fmtc == nil {
				return nil, fmt.Errorf("%w: data before fmt", ErrFormat)
			}
			if size == 0xFFFFFFFF || size == 0 {
				size = math.MaxInt64 // streamed or RF64: read to the end
			}
			samples, err := readWAVData(io.LimitReader(r, size), *fmtc)
			if err != nil {
				return nil, err
			}
			return &Clip{Samples: Resample(samples, fmtc.rate, Rate)}, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return nil, fmt.Errorf("%w: short %q chunk", ErrFormat, id)
			}
		}
	}
}

func parseWAVFormat(b []byte) (wavFormat, error) {
	f := wavFormat{
		tag:       binary.LittleEndian.Uint16(b[0:2]),
		channels:  int(binary.LittleEndian.Uint16(b[2:4])),
		rate:      int(binary.LittleEndian.Uint32(b[4:8])),
		blockSize: int(binary.LittleEndian.Uint16(b[12:14])),
		bits:      int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.tag == wavFormatExtensible {
		if len(b) < 40 {
			return f, fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE", ErrFormat)
		}
		f.tag = binary.LittleEndian.Uint16(b[24:26]) // first two bytes of the sub-format GUID
	}
	switch {
	case f.channels < 1 || f.channels > 64:
		return f, fmt.Errorf("%w: %d channels", ErrFormat, f.channels)
	case f.rate < 4000 || f.rate > 384000:
		return f, fmt.Errorf("%w: sample rate %d", ErrFormat, f.rate)
	case f.tag == wavFormatPCM && f.bits != 8 && f.bits != 16 && f.bits != 24 && f.bits != 32,
		f.tag == wavFormatFloat && f.bits != 32 && f.bits != 64:
		return f, fmt.Errorf("%w: %d-bit samples in format %d", ErrFormat, f.bits, f.tag)
	case f.tag != wavFormatPCM && f.tag != wavFormatFloat:
		return f, fmt.Errorf("%w: WAV format tag %d (only PCM and float)", ErrFormat, f.tag)
	case f.blockSize != f.channels*f.bits/8:
		return f, fmt.Errorf("%w: block size %d for %d channels of %d bits", ErrFormat, f.blockSize, f.channels, f.bits)
	}
	return f, nil
}

// readWAVData converts interleaved frames to mono float32, reading in chunks so memory follows
// the data actually present, not the header's claim.
func readWAVData(r io.Reader, f wavFormat) ([]float32, error) {
	maxFrames := MaxSeconds * f.rate
	buf := make([]byte, f.blockSize*4096)
	var out []float32
	inv := 1 / float32(f.channels)
	for {
		n, err := io.ReadFull(r, buf)
		frames := n / f.blockSize
		if len(out)+frames > maxFrames {
			return nil, ErrTooLong
		}
		for i := range frames {
			block := buf[i*f.blockSize : (i+1)*f.blockSize]
			var sum float32
			for c := range f.channels {
				sum += wavSample(block[c*f.bits/8:], f)
			}
			out = append(out, sum*inv)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out, nil // a truncated final frame is dropped, as players do
		}
		if err != nil {
			return nil, fmt.Errorf("audio: read WAV data: %w", err)
		}
	}
}

func wavSample(b []byte, f wavFormat) float32 {
	switch {
	case f.tag == wavFormatFloat && f.bits == 32:
		return sanitize(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case f.tag == wavFormatFloat:
		return sanitize(float32(math.Float64frombits(binary.LittleEndian.Uint64(b))))
	case f.bits == 8:
		return (float32(b[0]) - 128) / 128
	case f.bits == 16:
		return float32(int16(binary.LittleEndian.Uint16(b))) / 32768
	case f.bits == 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float32(v) / (1 << 23)
	default:
		return float32(float64(int32(binary.LittleEndian.Uint32(b))) / (1 << 31))
	}
}

// sanitize maps NaN to 0 and clamps to [-1, 1], so hostile float files cannot poison the
// analysis.
func sanitize(v float32) float32 {
	switch {
	case v != v:
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return v
}

// WriteWAV writes mono PCM as a 16-bit RIFF/WAVE file.
func WriteWAV(w io.Writer, samples []float32, rate int) error {
	data := len(samples) * 2
	hdr := make([]byte, 44, 44+data)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+data))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(hdr[22:], 1)
	binary.LittleEndian.PutUint32(hdr[24:], uint32(rate))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(hdr[32:], 2)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(data))
	out := hdr
	for _, s := range samples {
		out = binary.LittleEndian.AppendUint16(out, uint16(ToInt16(s)))
	}
	_, err := w.Write(out)
	return err
}

// ToInt16 converts one sample to 16-bit, clamping.
func ToInt16(s float32) int16 {
	v := math.Round(float64(s) * 32768)
	return int16(max(-32768, min(32767, v)))
}
