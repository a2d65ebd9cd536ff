package diarize

import "math"

const (
	ubmComponents = 8
	ubmSeeds      = 5
	relevance     = 4.0
)

// embeddings returns one length-normalised, centred GMM mean supervector per window.
func embeddings(cep [][]float64, speechIdx []int, windows []window, seed uint64) [][]float64 {
	train := make([][]float64, 0, len(speechIdx))
	step := max(1, len(speechIdx)/30000)
	for i := 0; i < len(speechIdx); i += step {
		train = append(train, cep[speechIdx[i]])
	}
	ubm := trainGMM(train, ubmComponents, 10, seed)
	k, d := len(ubm.weights), len(cep[0])
	// per-frame posteriors, computed once
	post := make(map[int][]float64, len(speechIdx))
	for _, f := range speechIdx {
		p := make([]float64, k)
		ubm.posteriors(cep[f], p)
		post[f] = p
	}
	out := make([][]float64, len(windows))
	for w, win := range windows {
		nc := make([]float64, k)
		fc := make([]float64, k*d)
		for f := win.lo; f < win.hi; f++ {
			p, ok := post[f]
			if !ok {
				continue
			}
			for c, g := range p {
				nc[c] += g
				for j, x := range cep[f] {
					fc[c*d+j] += g * x
				}
			}
		}
		sv := make([]float64, k*d)
		for c := range k {
			sw := math.Sqrt(ubm.weights[c])
			for j := range d {
				m := (fc[c*d+j] + relevance*ubm.means[c][j]) / (nc[c] + relevance)
				sv[c*d+j] = sw * (m - ubm.means[c][j]) / math.Sqrt(ubm.vars[c][j])
			}
		}
		out[w] = sv
	}
	// centre and length-normalise
	mean := make([]float64, k*d)
	for _, v := range out {
		for j := range v {
			mean[j] += v[j] / float64(len(out))
		}
	}
	for _, v := range out {
		for j := range v {
			v[j] -= mean[j]
		}
		normalize(v)
	}
	return out
}

// similarity returns the cosine similarity of the windows' supervectors averaged over ubmSeeds
// background models trained from different seeds: one small UBM is sensitive to its
// initialisation, the average is not.
func similarity(cep [][]float64, speechIdx []int, windows []window, seed uint64) [][]float64 {
	n := len(windows)
	sim := make([][]float64, n)
	for i := range sim {
		sim[i] = make([]float64, n)
	}
	for s := range uint64(ubmSeeds) {
		emb := embeddings(cep, speechIdx, windows, seed+s)
		for i := range n {
			for j := range n {
				sim[i][j] += dot(emb[i], emb[j]) / ubmSeeds
			}
		}
	}
	return sim
}
