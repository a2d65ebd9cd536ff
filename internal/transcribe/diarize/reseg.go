package diarize

import "math"

const (
	resegComponents = 8
	resegIters      = 3
	smoothFrames    = 25   // ±0.25 s moving average of frame log-likelihoods
	switchPenalty   = 20.0 // log-likelihood cost of a speaker change in the Viterbi pass
)

// resegment re-labels speech frames with per-speaker GMMs: fit, score every frame, smooth,
// decode with a change penalty, and repeat.
func resegment(x [][]float64, speech []bool, label []int, k int, seed uint64) []int {
	n := len(label)
	scratch := make([]float64, resegComponents)
	for it := range resegIters {
		models := make([]*gmm, k)
		for s := range k {
			var data [][]float64
			for i, l := range label {
				if l == s {
					data = append(data, x[i])
				}
			}
			if len(data) < 4*resegComponents {
				return label // a speaker vanished; keep what we have
			}
			models[s] = trainGMM(data, resegComponents, 5, seed+uint64(it*31+s))
		}
		ll := make([][]float64, k)
		for s := range k {
			ll[s] = make([]float64, n)
			for i := range n {
				if speech[i] {
					ll[s][i] = models[s].logLik(x[i], scratch)
				}
			}
			ll[s] = smooth(ll[s], speech, smoothFrames)
		}
		label = viterbi(ll, speech, switchPenalty)
	}
	return label
}

// smooth averages v over ±w speech frames within each speech region.
func smooth(v []float64, speech []bool, w int) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		if !speech[i] {
			continue
		}
		sum, cnt := 0.0, 0
		for j := max(0, i-w); j <= min(len(v)-1, i+w); j++ {
			if speech[j] {
				sum += v[j]
				cnt++
			}
		}
		out[i] = sum / float64(cnt)
	}
	return out
}

// viterbi picks, over the speech frames, the speaker sequence maximising summed log-likelihood
// minus penalty per change. Non-speech frames get -1 and do not break the sequence.
func viterbi(ll [][]float64, speech []bool, penalty float64) []int {
	k, n := len(ll), len(speech)
	score := make([]float64, k)
	back := make([][]int8, n)
	label := make([]int, n)
	var frames []int
	for i := range n {
		if !speech[i] {
			continue
		}
		frames = append(frames, i)
		back[i] = make([]int8, k)
		next := make([]float64, k)
		bestPrev, bestScore := 0, math.Inf(-1)
		for s := range k {
			if score[s] > bestScore {
				bestPrev, bestScore = s, score[s]
			}
		}
		for s := range k {
			stay := score[s]
			change := bestScore - penalty
			if stay >= change || bestPrev == s {
				next[s], back[i][s] = stay+ll[s][i], int8(s)
			} else {
				next[s], back[i][s] = change+ll[s][i], int8(bestPrev)
			}
		}
		score = next
	}
	for i := range label {
		label[i] = -1
	}
	if len(frames) == 0 {
		return label
	}
	cur := 0
	for s := range k {
		if score[s] > score[cur] {
			cur = s
		}
	}
	for t := len(frames) - 1; t >= 0; t-- {
		i := frames[t]
		label[i] = cur
		cur = int(back[i][cur])
	}
	return label
}
