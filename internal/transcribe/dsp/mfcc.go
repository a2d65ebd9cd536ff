package dsp

import "math"

// Standard front-end sizes at 16 kHz.
const (
	// SampleRate is the rate every analysis in this package expects.
	SampleRate = 16000
	// FrameHop is the hop between frames in samples (10 ms).
	FrameHop = 160
	// FrameLen is the analysis window in samples (25 ms).
	FrameLen = 400
	// FrameSeconds is the duration of one hop.
	FrameSeconds = float64(FrameHop) / SampleRate
)

// Frontend turns 25 ms frames of 16 kHz audio into log-mel energies and MFCCs.
// It keeps scratch buffers, so one Frontend must not be used by two goroutines at once.
type Frontend struct {
	fft     *FFT
	window  []float64
	re, im  []float64
	power   []float64
	filters [][]melWeight
	dct     [][]float64
	logMel  []float64
}

type melWeight struct {
	bin int
	w   float64
}

// FrontendParams configures a Frontend.
type FrontendParams struct {
	// Mels is the number of mel bands (default 40).
	Mels int
	// Ceps is the number of cepstral coefficients kept, c0 included (default 20).
	Ceps int
	// LowHz and HighHz bound the filterbank (defaults 20 and 7600).
	LowHz, HighHz float64
}

// NewFrontend returns a Frontend for 16 kHz audio.
func NewFrontend(p FrontendParams) *Frontend {
	if p.Mels == 0 {
		p.Mels = 40
	}
	if p.Ceps == 0 {
		p.Ceps = 20
	}
	if p.LowHz == 0 {
		p.LowHz = 20
	}
	if p.HighHz == 0 {
		p.HighHz = 7600
	}
	const nfft = 512
	f := &Frontend{
		fft:    NewFFT(nfft),
		window: make([]float64, FrameLen),
		re:     make([]float64, nfft),
		im:     make([]float64, nfft),
		power:  make([]float64, nfft/2+1),
		logMel: make([]float64, p.Mels),
	}
	for i := range f.window {
		f.window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(FrameLen-1))
	}
	mel := func(hz float64) float64 { return 2595 * math.Log10(1+hz/700) }
	hz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	lo, hi := mel(p.LowHz), mel(p.HighHz)
	centers := make([]float64, p.Mels+2)
	for i := range centers {
		centers[i] = hz(lo+(hi-lo)*float64(i)/float64(p.Mels+1)) * nfft / SampleRate
	}
	f.filters = make([][]melWeight, p.Mels)
	for m := range p.Mels {
		l, c, r := centers[m], centers[m+1], centers[m+2]
		for b := int(math.Ceil(l)); b <= int(math.Floor(r)) && b <= nfft/2; b++ {
			x := float64(b)
			w := 0.0
			if x <= c {
				w = (x - l) / (c - l)
			} else {
				w = (r - x) / (r - c)
			}
			if w > 0 {
				f.filters[m] = append(f.filters[m], melWeight{b, w})
			}
		}
	}
	f.dct = make([][]float64, p.Ceps)
	for k := range p.Ceps {
		f.dct[k] = make([]float64, p.Mels)
		for m := range p.Mels {
			f.dct[k][m] = math.Cos(math.Pi * float64(k) * (float64(m) + 0.5) / float64(p.Mels))
		}
	}
	return f
}

// Mels returns the number of mel bands.
func (f *Frontend) Mels() int { return len(f.filters) }

// Ceps returns the number of cepstral coefficients.
func (f *Frontend) Ceps() int { return len(f.dct) }

// Frame analyses one frame of FrameLen samples (shorter input is zero-padded). It writes the
// log-mel energies into logMel (len Mels) and the MFCCs into ceps (len Ceps) when they are not
// nil, and returns the frame's log energy in dB (10·log10 of the mean square, floored at -100).
func (f *Frontend) Frame(frame []float32, logMel, ceps []float64) float64 {
	var energy, mean float64
	n := min(len(frame), FrameLen)
	for i := range n {
		mean += float64(frame[i])
	}
	if n > 0 {
		mean /= float64(n)
	}
	prev := 0.0
	for i := range f.re {
		f.im[i] = 0
		if i >= n {
			f.re[i] = 0
			continue
		}
		x := float64(frame[i]) - mean
		energy += x * x
		// Pre-emphasis 0.97, then the Hamming window.
		f.re[i] = (x - 0.97*prev) * f.window[i]
		prev = x
	}
	f.fft.Transform(f.re, f.im)
	for b := range f.power {
		f.power[b] = f.re[b]*f.re[b] + f.im[b]*f.im[b]
	}
	if logMel == nil {
		logMel = f.logMel
	}
	for m, ws := range f.filters {
		s := 1e-10
		for _, w := range ws {
			s += w.w * f.power[w.bin]
		}
		logMel[m] = math.Log(s)
	}
	if ceps != nil {
		for k, row := range f.dct {
			s := 0.0
			for m, c := range row {
				s += c * logMel[m]
			}
			ceps[k] = s
		}
	}
	if n == 0 || energy <= 0 {
		return -100
	}
	return max(-100, 10*math.Log10(energy/float64(n)))
}

// Features holds per-frame features of a whole recording.
type Features struct {
	// Energy is each frame's log energy in dB.
	Energy []float64
	// LogMel is each frame's log-mel energies.
	LogMel [][]float64
	// Ceps is each frame's MFCCs (c0 first).
	Ceps [][]float64
}

// Analyse computes the features of a whole 16 kHz recording, one frame every FrameHop samples.
func (f *Frontend) Analyse(pcm []float32) Features {
	n := 0
	if len(pcm) > 0 {
		n = (len(pcm) + FrameHop - 1) / FrameHop
	}
	out := Features{Energy: make([]float64, n), LogMel: make([][]float64, n), Ceps: make([][]float64, n)}
	mel := make([]float64, n*f.Mels())
	cep := make([]float64, n*f.Ceps())
	for i := range n {
		start := i*FrameHop - (FrameLen-FrameHop)/2
		var frame []float32
		switch {
		case start < 0:
			frame = pcm[:min(len(pcm), FrameLen+start)]
		default:
			frame = pcm[start:min(len(pcm), start+FrameLen)]
		}
		out.LogMel[i] = mel[i*f.Mels() : (i+1)*f.Mels()]
		out.Ceps[i] = cep[i*f.Ceps() : (i+1)*f.Ceps()]
		out.Energy[i] = f.Frame(frame, out.LogMel[i], out.Ceps[i])
	}
	return out
}

// Deltas returns the regression deltas of x over ±width frames (the HTK formula), clamping at
// the edges.
func Deltas(x [][]float64, width int) [][]float64 {
	if len(x) == 0 {
		return nil
	}
	d := len(x[0])
	out := make([][]float64, len(x))
	flat := make([]float64, len(x)*d)
	norm := 0.0
	for k := 1; k <= width; k++ {
		norm += 2 * float64(k*k)
	}
	for t := range x {
		out[t] = flat[t*d : (t+1)*d]
		for k := 1; k <= width; k++ {
			a, b := x[max(0, t-k)], x[min(len(x)-1, t+k)]
			for j := range d {
				out[t][j] += float64(k) * (b[j] - a[j])
			}
		}
		for j := range d {
			out[t][j] /= norm
		}
	}
	return out
}
