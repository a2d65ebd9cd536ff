package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"visio/internal/transcribe/speechtest"
)

// speechDir returns ../shared/testdata/speech relative to the module root. With CI=true a
// missing directory fails the test; elsewhere it skips.
func speechDir(t testing.TB) string { return speechtest.Dir(t) }

func wavBytes(t testing.TB, tag, channels, rate, bits int, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(tag))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestReadWAVFormats(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name          string
		tag, ch, bits int
		data          []byte
		want          []float32
	}{
		{"s16 mono", 1, 1, 16, le.AppendUint16(le.AppendUint16(nil, 16384), uint16(0x8000)), []float32{0.5, -1}},
		{"s16 stereo averaged", 1, 2, 16, le.AppendUint16(le.AppendUint16(nil, 16384), 0), []float32{0.25}},
		{"u8", 1, 1, 8, []byte{128, 192}, []float32{0, 0.5}},
		{"s24", 1, 1, 24, []byte{0, 0, 0x40}, []float32{0.5}},
		{"f32", 3, 1, 32, le.AppendUint32(nil, math.Float32bits(-0.25)), []float32{-0.25}},
		{"f64", 3, 1, 64, le.AppendUint64(nil, math.Float64bits(0.75)), []float32{0.75}},
		{"f32 NaN zeroed", 3, 1, 32, le.AppendUint32(nil, math.Float32bits(float32(math.NaN()))), []float32{0}},
		{"truncated frame dropped", 1, 1, 16, []byte{0, 0x40, 7}, []float32{0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Read(bytes.NewReader(wavBytes(t, tt.tag, tt.ch, Rate, tt.bits, tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Samples) != len(tt.want) {
				t.Fatalf("got %v, want %v", c.Samples, tt.want)
			}
			for i := range tt.want {
				if math.Abs(float64(c.Samples[i]-tt.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", c.Samples, tt.want)
				}
			}
		})
	}
}

func TestReadWAVRejects(t *testing.T) {
	tests := map[string][]byte{
		"empty":         nil,
		"not riff":      []byte("RIFX0000WAVE"),
		"alaw":          wavBytes(t, 6, 1, 8000, 8, []byte{1}),
		"zero channels": wavBytes(t, 1, 0, Rate, 16, []byte{1, 2}),
		"odd bits":      wavBytes(t, 1, 1, Rate, 12, []byte{1, 2}),
		"tiny rate":     wavBytes(t, 1, 1, 100, 16, []byte{1, 2}),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Read(bytes.NewReader(in)); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 0.25}
	var b bytes.Buffer
	if err := WriteWAV(&b, in, Rate); err != nil {
		t.Fatal(err)
	}
	c, err := ReadWAV(&b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if math.Abs(float64(c.Samples[i]-in[i])) > 1e-4 {
			t.Fatalf("got %v, want %v", c.Samples, in)
		}
	}
}

func TestResampleKeepsToneDropsAlias(t *testing.T) {
	const from, to = 48000, 16000
	tone := func(hz float64) []float32 {
		x := make([]float32, from/2)
		for i := range x {
			x[i] = float32(math.Sin(2 * math.Pi * hz * float64(i) / from))
		}
		return x
	}
	rms := func(x []float32) float64 {
		s := 0.0
		for _, v := range x[200 : len(x)-200] {
			s += float64(v * v)
		}
		return math.Sqrt(s / float64(len(x)-400))
	}
	if got := rms(Resample(tone(1000), from, to)); math.Abs(got-math.Sqrt(0.5)) > 0.01 {
		t.Errorf("1 kHz tone rms %.3f after resampling, want 0.707", got)
	}
	if got := rms(Resample(tone(12000), from, to)); got > 0.01 {
		t.Errorf("12 kHz tone leaks through at rms %.3f", got)
	}
}

func TestReadSharedRecordings(t *testing.T) {
	dir := speechDir(t)
	tests := []struct {
		file    string
		seconds float64
	}{
		{"diarization/pyannote-sample.wav", 30},
		{"diarization/dev00.wav", 30},
		{"asr-en/fleurs-en-003.ogg", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := Read(f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.seconds > 0 && math.Abs(c.Seconds()-tt.seconds) > 0.05 {
				t.Errorf("length %.2f s, want %.0f", c.Seconds(), tt.seconds)
			}
			peak := float32(0)
			for _, s := range c.Samples {
				peak = max(peak, s, -s)
			}
			if c.Seconds() < 1 || peak < 0.001 {
				t.Errorf("%.2f s, peak %.4f: decoded nothing audible", c.Seconds(), peak)
			}
		})
	}
}

func BenchmarkOpusDecode(b *testing.B) {
	f, err := os.Open(filepath.Join(speechDir(b), "asr-en", "fleurs-en-000.ogg"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	pkts := oggPackets(b, f)
	out := make([]float32, MaxOpusFrame)
	b.ReportAllocs()
	b.ResetTimer()
	samples := 0
	for b.Loop() {
		dec, _ := NewOpusDecoder()
		for _, p := range pkts {
			n, err := dec.Decode(p, out)
			if err != nil {
				b.Fatal(err)
			}
			samples += n
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/(float64(samples)/Rate), "s/s-audio")
}
