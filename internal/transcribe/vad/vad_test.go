package vad

import (
	"math"
	"testing"

	"visio/internal/transcribe/dsp"
)

func TestOffline(t *testing.T) {
	// 1 s noise at -80 dB, 1 s "speech" at -30 dB, 1 s noise.
	e := make([]float64, 300)
	for i := range e {
		e[i] = -80
		if i >= 100 && i < 200 {
			e[i] = -30
		}
	}
	got := Offline(e, Params{})
	if got[50] || !got[100] || !got[199] || got[250] {
		t.Fatalf("speech labels wrong: 50:%v 100:%v 199:%v 250:%v", got[50], got[100], got[199], got[250])
	}
	if !got[97] { // pre-roll
		t.Fatal("no pre-roll before the onset")
	}
}

func TestSegmenterEmitsUtterance(t *testing.T) {
	var got []Utterance
	s := NewSegmenter(SegmenterParams{Emit: func(u Utterance) { got = append(got, u) }})
	tone := func(n int, amp float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(amp * math.Sin(float64(i)*0.3))
		}
		return x
	}
	s.Write(tone(dsp.SampleRate*2, 0.0001)) // 2 s of near silence
	s.Write(tone(dsp.SampleRate, 0.3))      // 1 s loud
	s.Write(tone(dsp.SampleRate, 0.0001))   // 1 s of near silence
	s.Flush()
	if len(got) != 1 {
		t.Fatalf("%d utterances, want 1", len(got))
	}
	start := float64(got[0].Start) / dsp.SampleRate
	dur := float64(len(got[0].Samples)) / dsp.SampleRate
	if start < 1.85 || start > 2.0 || dur < 1.0 || dur > 1.4 {
		t.Fatalf("utterance at %.2f s for %.2f s, want about 2 s for 1.2 s", start, dur)
	}
}

func BenchmarkDetectorFrame(b *testing.B) {
	d := NewDetector(Params{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		d.Frame(float64(-60 + 30*(i/50%2)))
	}
}

func BenchmarkSegmenter20ms(b *testing.B) {
	s := NewSegmenter(SegmenterParams{Emit: func(Utterance) {}})
	pkt := make([]float32, 320)
	for i := range pkt {
		pkt[i] = float32(0.01 * math.Sin(float64(i)))
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Write(pkt)
	}
}
