package diarize

import (
	"math"
	"math/rand/v2"
)

// gmm is a diagonal-covariance Gaussian mixture.
type gmm struct {
	weights []float64
	means   [][]float64
	vars    [][]float64
	// cached per component: log weight - 0.5·Σlog(2π var)
	consts []float64
}

const varFloor = 1e-3

// trainGMM fits a k-component diagonal GMM to x with EM, starting from k-means++ seeds drawn with
// a fixed seed so results are reproducible.
func trainGMM(x [][]float64, k, iters int, seed uint64) *gmm {
	d := len(x[0])
	k = max(1, min(k, len(x)/4))
	rng := rand.New(rand.NewPCG(seed, 7))
	g := &gmm{weights: make([]float64, k), means: make([][]float64, k), vars: make([][]float64, k)}
	// global variance for initialisation
	mean, vr := meanVar(x)
	for c, i := range kmeansPlusPlus(x, k, rng) {
		g.means[c] = append([]float64(nil), x[i]...)
		g.vars[c] = append([]float64(nil), vr...)
		g.weights[c] = 1 / float64(k)
	}
	_ = mean
	g.update()
	post := make([]float64, k)
	for range iters {
		sw := make([]float64, k)
		sm := make([][]float64, k)
		sv := make([][]float64, k)
		for c := range k {
			sm[c], sv[c] = make([]float64, d), make([]float64, d)
		}
		for _, v := range x {
			g.posteriors(v, post)
			for c, p := range post {
				if p < 1e-6 {
					continue
				}
				sw[c] += p
				for j, xv := range v {
					sm[c][j] += p * xv
					sv[c][j] += p * xv * xv
				}
			}
		}
		for c := range k {
			if sw[c] < 1e-3 {
				continue
			}
			g.weights[c] = sw[c] / float64(len(x))
			for j := range d {
				m := sm[c][j] / sw[c]
				g.means[c][j] = m
				g.vars[c][j] = max(varFloor, sv[c][j]/sw[c]-m*m)
			}
		}
		g.update()
	}
	return g
}

func (g *gmm) update() {
	g.consts = make([]float64, len(g.weights))
	for c := range g.weights {
		s := math.Log(max(g.weights[c], 1e-12))
		for _, v := range g.vars[c] {
			s -= 0.5 * math.Log(2*math.Pi*v)
		}
		g.consts[c] = s
	}
}

// componentLogLik writes each component's weighted log density of v into out and returns their
// log-sum.
func (g *gmm) componentLogLik(v []float64, out []float64) float64 {
	best := math.Inf(-1)
	for c := range g.weights {
		s := g.consts[c]
		m, vr := g.means[c], g.vars[c]
		for j, xv := range v {
			dlt := xv - m[j]
			s -= 0.5 * dlt * dlt / vr[j]
		}
		out[c] = s
		best = max(best, s)
	}
	sum := 0.0
	for _, s := range out {
		sum += math.Exp(s - best)
	}
	return best + math.Log(sum)
}

// posteriors writes the component posteriors of v into out and returns the log likelihood.
func (g *gmm) posteriors(v []float64, out []float64) float64 {
	ll := g.componentLogLik(v, out)
	for c := range out {
		out[c] = math.Exp(out[c] - ll)
	}
	return ll
}

// logLik returns the log likelihood of v.
func (g *gmm) logLik(v []float64, scratch []float64) float64 {
	return g.componentLogLik(v, scratch)
}

func meanVar(x [][]float64) (mean, vr []float64) {
	d := len(x[0])
	mean, vr = make([]float64, d), make([]float64, d)
	for _, v := range x {
		for j, xv := range v {
			mean[j] += xv
			vr[j] += xv * xv
		}
	}
	n := float64(len(x))
	for j := range d {
		mean[j] /= n
		vr[j] = max(varFloor, vr[j]/n-mean[j]*mean[j])
	}
	return mean, vr
}

// kmeansPlusPlus picks k distinct seed indices, each new one drawn with probability
// proportional to its squared distance from the seeds so far.
func kmeansPlusPlus(x [][]float64, k int, rng *rand.Rand) []int {
	seeds := []int{rng.IntN(len(x))}
	dist := make([]float64, len(x))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(seeds) < k {
		last := x[seeds[len(seeds)-1]]
		total := 0.0
		for i, v := range x {
			dist[i] = min(dist[i], sqDist(v, last))
			total += dist[i]
		}
		if total == 0 {
			break
		}
		r := rng.Float64() * total
		pick := len(x) - 1
		for i, dv := range dist {
			r -= dv
			if r <= 0 {
				pick = i
				break
			}
		}
		seeds = append(seeds, pick)
	}
	for len(seeds) < k {
		seeds = append(seeds, rng.IntN(len(x)))
	}
	return seeds
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
