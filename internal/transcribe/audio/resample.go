package audio

import "math"

// Resample converts mono PCM from one sample rate to another with a Kaiser-windowed sinc
// interpolator (16 zero crossings, cut-off at 0.95 of the lower Nyquist frequency, kernel
// tabulated and linearly interpolated), clamped to [-1, 1]. It returns in unchanged when the rates are equal.
func Resample(in []float32, from, to int) []float32 {
	if from == to || len(in) == 0 || from <= 0 || to <= 0 {
		return in
	}
	const (
		zeros  = 16
		beta   = 8.0
		points = 4096
	)
	ratio := float64(to) / float64(from)
	cutoff := 0.95 * math.Min(1, ratio) // relative to the input Nyquist frequency
	half := float64(zeros) / cutoff     // filter half-width in input samples
	table := make([]float64, points+2)
	i0beta := besselI0(beta)
	for i := range table {
		r := math.Min(1, float64(i)/points)
		table[i] = cutoff * sinc(cutoff*r*half) * besselI0(beta*math.Sqrt(1-r*r)) / i0beta
	}
	out := make([]float32, int(math.Floor(float64(len(in))*ratio)))
	scale := points / half
	for j := range out {
		t := float64(j) / ratio
		lo, hi := int(math.Ceil(t-half)), int(math.Floor(t+half))
		var acc, wsum float64
		for k := max(lo, 0); k <= hi && k < len(in); k++ {
			p := math.Abs(float64(k)-t) * scale
			i := int(p)
			f := p - float64(i)
			s := table[i]*(1-f) + table[i+1]*f
			acc += s * float64(in[k])
			wsum += s
		}
		if wsum != 0 {
			out[j] = sanitize(float32(acc / wsum))
		}
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}
