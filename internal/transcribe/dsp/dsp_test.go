package dsp

import (
	"math"
	"math/cmplx"
	"testing"
)

func TestFFTMatchesDFT(t *testing.T) {
	const n = 16
	re, im := make([]float64, n), make([]float64, n)
	x := make([]complex128, n)
	for i := range n {
		re[i] = math.Sin(float64(i)*0.7) + float64(i%3)
		im[i] = float64(i%5) * 0.1
		x[i] = complex(re[i], im[i])
	}
	NewFFT(n).Transform(re, im)
	for k := range n {
		var want complex128
		for j := range n {
			want += x[j] * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/n))
		}
		if got := complex(re[k], im[k]); cmplx.Abs(got-want) > 1e-9 {
			t.Fatalf("bin %d: got %v, want %v", k, got, want)
		}
	}
}

func TestFrameEnergyAndPeak(t *testing.T) {
	fe := NewFrontend(FrontendParams{})
	tone := make([]float32, FrameLen)
	for i := range tone {
		tone[i] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(i)/SampleRate))
	}
	mel := make([]float64, fe.Mels())
	db := fe.Frame(tone, mel, make([]float64, fe.Ceps()))
	// A sine of amplitude 0.5 has mean square 0.125: -9.03 dB.
	if math.Abs(db-(-9.03)) > 0.2 {
		t.Fatalf("energy %.2f dB, want about -9.03", db)
	}
	best := 0
	for m := range mel {
		if mel[m] > mel[best] {
			best = m
		}
	}
	// 1 kHz is about 1000 mel, a little under half of the 40 bands up to 2840 mel.
	if best < 10 || best > 16 {
		t.Fatalf("1 kHz tone peaks in mel band %d", best)
	}
	if got := fe.Frame(make([]float32, FrameLen), nil, nil); got != -100 {
		t.Fatalf("silence energy %.1f, want -100", got)
	}
}

func TestDeltasOfRamp(t *testing.T) {
	x := make([][]float64, 10)
	for i := range x {
		x[i] = []float64{float64(i), 3}
	}
	d := Deltas(x, 2)
	if math.Abs(d[5][0]-1) > 1e-12 || d[5][1] != 0 {
		t.Fatalf("delta of a unit ramp = %v, want [1 0]", d[5])
	}
}

func BenchmarkFrame(b *testing.B) {
	fe := NewFrontend(FrontendParams{})
	frame := make([]float32, FrameLen)
	for i := range frame {
		frame[i] = float32(math.Sin(float64(i) * 0.1))
	}
	mel, cep := make([]float64, fe.Mels()), make([]float64, fe.Ceps())
	b.ReportAllocs()
	for b.Loop() {
		fe.Frame(frame, mel, cep)
	}
}
