package diarize

import "math"

// bicLambda weights the model-size penalty of ΔBIC (1 is the textbook value of Chen and
// Gopalakrishnan 1998).
const bicLambda = 1.0

// mergeByBIC merges clusters while the best pair's ΔBIC is negative, i.e. while one full-
// covariance Gaussian explains the two clusters' frames better than two, after the model-size
// penalty. It is what tells one speaker from two when the count is not given: spectral
// clustering always proposes at least two.
func mergeByBIC(x [][]float64, windows []window, labels []int, k int) ([]int, int) {
	for k > 1 {
		frames := make([][]int, k)
		seen := make([]map[int]bool, k)
		for i := range seen {
			seen[i] = map[int]bool{}
		}
		for w, win := range windows {
			for f := win.lo; f < win.hi; f++ {
				if !seen[labels[w]][f] {
					seen[labels[w]][f] = true
					frames[labels[w]] = append(frames[labels[w]], f)
				}
			}
		}
		ba, bb, best := -1, -1, math.Inf(1)
		for a := range k {
			for b := a + 1; b < k; b++ {
				if d := deltaBIC(x, frames[a], frames[b]); d < best {
					ba, bb, best = a, b, d
				}
			}
		}
		if best >= 0 {
			break
		}
		for i, l := range labels {
			switch {
			case l == bb:
				labels[i] = ba
			case l > bb:
				labels[i] = l - 1
			}
		}
		k--
	}
	return relabel(labels), k
}

// deltaBIC is N/2·log|Σ| - N1/2·log|Σ1| - N2/2·log|Σ2| - λ·P/2·log N: positive when two
// Gaussians fit frames a and b better than one.
func deltaBIC(x [][]float64, a, b []int) float64 {
	if len(a) < 50 || len(b) < 50 {
		return -1
	}
	d := float64(len(x[0]))
	na, nb := float64(len(a)), float64(len(b))
	n := na + nb
	p := d + d*(d+1)/2
	both := append(append(make([]int, 0, len(a)+len(b)), a...), b...)
	return n/2*logDetCov(x, both) - na/2*logDetCov(x, a) - nb/2*logDetCov(x, b) - bicLambda*p/2*math.Log(n)
}

// logDetCov returns log|Σ| of the frames' full covariance (Cholesky; ridge 1e-6).
func logDetCov(x [][]float64, idx []int) float64 {
	d := len(x[0])
	mean := make([]float64, d)
	for _, i := range idx {
		for j, v := range x[i] {
			mean[j] += v
		}
	}
	n := float64(len(idx))
	for j := range mean {
		mean[j] /= n
	}
	c := make([][]float64, d)
	for j := range c {
		c[j] = make([]float64, d)
	}
	for _, i := range idx {
		for p := range d {
			dp := x[i][p] - mean[p]
			for q := 0; q <= p; q++ {
				c[p][q] += dp * (x[i][q] - mean[q])
			}
		}
	}
	logdet := 0.0
	for p := range d {
		for q := 0; q <= p; q++ {
			c[p][q] /= n
		}
		c[p][p] += 1e-6
	}
	// in-place Cholesky of the lower triangle
	for p := range d {
		s := c[p][p]
		for k := range p {
			s -= c[p][k] * c[p][k]
		}
		if s <= 0 {
			return math.Inf(-1)
		}
		c[p][p] = math.Sqrt(s)
		logdet += 2 * math.Log(c[p][p])
		for q := p + 1; q < d; q++ {
			t := c[q][p]
			for k := range p {
				t -= c[q][k] * c[p][k]
			}
			c[q][p] = t / c[p][p]
		}
	}
	return logdet
}
