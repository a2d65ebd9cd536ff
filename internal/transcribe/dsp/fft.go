package dsp

import (
	"math"
	"math/bits"
)

// FFT computes in-place radix-2 complex FFTs of one fixed size.
// It holds its own twiddle tables, so one FFT value may be reused without allocating; it is not
// safe for concurrent use.
type FFT struct {
	n       int
	logN    int
	cos     []float64
	sin     []float64
	reverse []int
}

// NewFFT returns an FFT of size n, which must be a power of two of at least 2.
func NewFFT(n int) *FFT {
	if n < 2 || n&(n-1) != 0 {
		panic("dsp: FFT size must be a power of two")
	}
	f := &FFT{n: n, logN: bits.TrailingZeros(uint(n)), cos: make([]float64, n/2), sin: make([]float64, n/2), reverse: make([]int, n)}
	for i := range n / 2 {
		a := -2 * math.Pi * float64(i) / float64(n)
		f.cos[i], f.sin[i] = math.Cos(a), math.Sin(a)
	}
	for i := range n {
		f.reverse[i] = int(bits.Reverse(uint(i)) >> (bits.UintSize - f.logN))
	}
	return f
}

// Size returns the transform length.
func (f *FFT) Size() int { return f.n }

// Transform replaces (re, im) by their discrete Fourier transform. Both slices must have the
// FFT's size.
func (f *FFT) Transform(re, im []float64) {
	n := f.n
	re, im = re[:n], im[:n]
	for i, j := range f.reverse {
		if i < j {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			for k := range half {
				wr, wi := f.cos[k*step], f.sin[k*step]
				a, b := start+k, start+k+half
				tr := re[b]*wr - im[b]*wi
				ti := re[b]*wi + im[b]*wr
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
}
