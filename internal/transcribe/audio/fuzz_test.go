package audio

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzReadWAV checks that any input either decodes to sane samples or fails with ErrFormat or
// ErrTooLong, without panicking. Seeds live in testdata/fuzz/FuzzReadWAV.
func FuzzReadWAV(f *testing.F) {
	f.Add(wavBytes(f, 1, 1, Rate, 16, []byte{0, 0x40, 0, 0xc0}))
	f.Add(wavBytes(f, 3, 2, 44100, 32, make([]byte, 16)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ReadWAV(bytes.NewReader(in))
		checkDecoded(t, c, err)
	})
}

// FuzzReadOgg checks the Ogg/Opus reader the same way. Seeds live in testdata/fuzz/FuzzReadOgg.
func FuzzReadOgg(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ReadOgg(bytes.NewReader(in))
		checkDecoded(t, c, err)
	})
}

// FuzzOpusDecode feeds arbitrary RTP payloads to the live decoder.
func FuzzOpusDecode(f *testing.F) {
	f.Add([]byte{0xf8, 0xff, 0xfe})             // CELT 20 ms, silence
	f.Add([]byte{0x08, 0x0b, 0xe4, 0x1a, 0x6b}) // SILK NB
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := NewOpusDecoder()
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, MaxOpusFrame)
		n, err := d.Decode(in, out)
		if err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if n < 0 || n > MaxOpusFrame {
			t.Fatalf("decoded %d samples", n)
		}
	})
}

func checkDecoded(t *testing.T, c *Clip, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTooLong) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		return
	}
	for _, s := range c.Samples {
		if s != s || s > 1 || s < -1 {
			t.Fatalf("sample %v out of range", s)
		}
	}
}
