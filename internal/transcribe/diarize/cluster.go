package diarize

import (
	"math"
	"math/rand/v2"
	"sort"
)

// ahc clusters items by average-linkage agglomeration on their similarity matrix (which it
// overwrites) until k clusters remain, or, when k is 0, until no two clusters are more similar
// than stop. It returns a label per item, numbered from 0 by order of first appearance.
func ahc(sim [][]float64, k int, stop float64) []int {
	n := len(sim)
	size := make([]int, n)
	alive := make([]bool, n)
	label := make([]int, n)
	for i := range n {
		size[i], alive[i], label[i] = 1, true, i
	}
	clusters := n
	for clusters > max(k, 1) {
		bi, bj, best := -1, -1, math.Inf(-1)
		for i := range n {
			if !alive[i] {
				continue
			}
			for j := i + 1; j < n; j++ {
				if alive[j] && sim[i][j] > best {
					bi, bj, best = i, j, sim[i][j]
				}
			}
		}
		if bi < 0 || (k == 0 && best < stop) {
			break
		}
		// merge bj into bi; average linkage update
		for m := range n {
			if alive[m] && m != bi && m != bj {
				s := (sim[bi][m]*float64(size[bi]) + sim[bj][m]*float64(size[bj])) / float64(size[bi]+size[bj])
				sim[bi][m], sim[m][bi] = s, s
			}
		}
		size[bi] += size[bj]
		alive[bj] = false
		for i := range label {
			if label[i] == bj {
				label[i] = bi
			}
		}
		clusters--
	}
	return relabel(label)
}

// spectral clusters items by spectral clustering of their pruned similarity matrix (each row
// keeps its strongest fraction prune of entries, then the matrix is symmetrised), using the
// normalised Laplacian. When k is 0 the count is the largest eigengap among the first maxK
// eigenvalues (at least 2; the caller decides whether one speaker fits better).
func spectral(sim [][]float64, k, maxK int, prune float64, seed uint64) ([]int, int) {
	n := len(sim)
	aff := make([][]float64, n)
	for i := range aff {
		aff[i] = make([]float64, n)
		row := sim[i]
		sorted := append([]float64(nil), row...)
		sort.Float64s(sorted)
		cut := sorted[min(n-1, int(float64(n)*(1-prune)))]
		for j := range n {
			if row[j] >= cut && i != j {
				aff[i][j] = max(0, row[j])
			}
		}
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			s := 0.5 * (aff[i][j] + aff[j][i])
			aff[i][j], aff[j][i] = s, s
		}
	}
	deg := make([]float64, n)
	for i := range n {
		for j := range n {
			deg[i] += aff[i][j]
		}
		deg[i] = 1 / math.Sqrt(max(deg[i], 1e-12))
	}
	lap := make([][]float64, n)
	for i := range n {
		lap[i] = make([]float64, n)
		for j := range n {
			lap[i][j] = -aff[i][j] * deg[i] * deg[j]
		}
		lap[i][i] += 1
	}
	vals, vecs := symEigen(lap)
	if k == 0 {
		k, best := 2, -1.0
		for c := 2; c <= min(maxK, n-1); c++ {
			if gap := vals[c] - vals[c-1]; gap > best {
				k, best = c, gap
			}
		}
		return spectralAssign(vecs, k, seed), k
	}
	return spectralAssign(vecs, k, seed), k
}

func spectralAssign(vecs [][]float64, k int, seed uint64) []int {
	rows := make([][]float64, len(vecs))
	for i := range rows {
		rows[i] = append([]float64(nil), vecs[i][:k]...)
		normalize(rows[i])
	}
	return kmeans(rows, k, seed)
}

// kmeans clusters x into k groups (k-means++ seeds, best of 10 restarts by inertia).
func kmeans(x [][]float64, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 11))
	var best []int
	bestInertia := math.Inf(1)
	for range 10 {
		cent := make([][]float64, k)
		for c, i := range kmeansPlusPlus(x, k, rng) {
			cent[c] = append([]float64(nil), x[i]...)
		}
		label := make([]int, len(x))
		var inertia float64
		for range 50 {
			inertia = 0
			changed := false
			for i, v := range x {
				bc, bd := 0, math.Inf(1)
				for c := range cent {
					if d := sqDist(v, cent[c]); d < bd {
						bc, bd = c, d
					}
				}
				if label[i] != bc {
					label[i], changed = bc, true
				}
				inertia += bd
			}
			for c := range cent {
				cnt := 0
				for j := range cent[c] {
					cent[c][j] = 0
				}
				for i, v := range x {
					if label[i] == c {
						cnt++
						for j := range v {
							cent[c][j] += v[j]
						}
					}
				}
				for j := range cent[c] {
					if cnt > 0 {
						cent[c][j] /= float64(cnt)
					}
				}
			}
			if !changed {
				break
			}
		}
		if inertia < bestInertia {
			best, bestInertia = label, inertia
		}
	}
	return relabel(best)
}

// relabel renumbers labels 0, 1, ... in order of first appearance.
func relabel(label []int) []int {
	m := map[int]int{}
	out := make([]int, len(label))
	for i, l := range label {
		if _, ok := m[l]; !ok {
			m[l] = len(m)
		}
		out[i] = m[l]
	}
	return out
}
