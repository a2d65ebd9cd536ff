package score

import (
	"math"
	"sort"

	"visio/internal/transcribe/rttm"
)

// DERParams tunes the DER computation.
type DERParams struct {
	// Collar removes this many seconds on each side of every reference boundary (0: none).
	Collar float64
	// Step is the frame length in seconds (default 0.01).
	Step float64
}

// DER is the outcome of scoring one or more recordings. Times are in seconds.
type DER struct {
	// Total is the scored reference speech time (ΣNref over frames).
	Total float64
	// Missed, FalseAlarm and Confusion are the error times.
	Missed, FalseAlarm, Confusion float64
	// Mapping pairs each hypothesis speaker with the reference speaker it was mapped to, per
	// recording ("file/speaker" keys when scoring several files).
	Mapping map[string]string
}

// Rate returns the diarization error rate, (missed+false alarm+confusion)/total.
func (d DER) Rate() float64 {
	if d.Total == 0 {
		return 0
	}
	return (d.Missed + d.FalseAlarm + d.Confusion) / d.Total
}

// Add accumulates another score, for corpus-level figures.
func (d *DER) Add(o DER) {
	d.Total += o.Total
	d.Missed += o.Missed
	d.FalseAlarm += o.FalseAlarm
	d.Confusion += o.Confusion
	if d.Mapping == nil {
		d.Mapping = map[string]string{}
	}
	for k, v := range o.Mapping {
		d.Mapping[k] = v
	}
}

// ScoreDER scores the hypothesis turns of one recording against the reference. uem, when not
// empty, restricts scoring to its regions.
func ScoreDER(ref, hyp []rttm.Turn, uem []rttm.Region, p DERParams) DER {
	step := p.Step
	if step <= 0 {
		step = 0.01
	}
	end := 0.0
	for _, t := range ref {
		end = max(end, t.End)
	}
	for _, t := range hyp {
		end = max(end, t.End)
	}
	for _, r := range uem {
		end = max(end, r.End)
	}
	n := int(math.Ceil(end / step))
	scored := make([]bool, n)
	if len(uem) == 0 {
		for i := range scored {
			scored[i] = true
		}
	}
	for _, r := range uem {
		mark(scored, r.Start, r.End, step, true)
	}
	if p.Collar > 0 {
		for _, t := range ref {
			mark(scored, t.Start-p.Collar, t.Start+p.Collar, step, false)
			mark(scored, t.End-p.Collar, t.End+p.Collar, step, false)
		}
	}
	refSpk, refAct := activity(ref, n, step)
	hypSpk, hypAct := activity(hyp, n, step)

	overlap := make([][]float64, len(refSpk))
	for r := range overlap {
		overlap[r] = make([]float64, len(hypSpk))
		for h := range hypSpk {
			for i := range n {
				if scored[i] && refAct[r][i] && hypAct[h][i] {
					overlap[r][h]++
				}
			}
		}
	}
	assign := maxAssignment(overlap) // assign[r] = h or -1
	out := DER{Mapping: map[string]string{}}
	for r, h := range assign {
		if h >= 0 && overlap[r][h] > 0 {
			out.Mapping[hypSpk[h]] = refSpk[r]
		}
	}
	for i := range n {
		if !scored[i] {
			continue
		}
		nr, nh, nc := 0, 0, 0
		for r := range refSpk {
			if refAct[r][i] {
				nr++
				if h := assign[r]; h >= 0 && hypAct[h][i] {
					nc++
				}
			}
		}
		for h := range hypSpk {
			if hypAct[h][i] {
				nh++
			}
		}
		out.Total += float64(nr) * step
		out.Missed += float64(max(0, nr-nh)) * step
		out.FalseAlarm += float64(max(0, nh-nr)) * step
		out.Confusion += float64(min(nr, nh)-nc) * step
	}
	return out
}

// mark sets frames whose centre lies in [start, end) to v.
func mark(frames []bool, start, end, step float64, v bool) {
	lo := max(0, int(math.Ceil(start/step-0.5)))
	hi := min(len(frames), int(math.Ceil(end/step-0.5)))
	for i := lo; i < hi; i++ {
		frames[i] = v
	}
}

// activity returns the sorted speaker labels and, per speaker, which frames they speak in.
func activity(turns []rttm.Turn, n int, step float64) ([]string, [][]bool) {
	idx := map[string]int{}
	var names []string
	for _, t := range turns {
		if _, ok := idx[t.Speaker]; !ok {
			idx[t.Speaker] = 0
			names = append(names, t.Speaker)
		}
	}
	sort.Strings(names)
	act := make([][]bool, len(names))
	for i, s := range names {
		idx[s] = i
		act[i] = make([]bool, n)
	}
	for _, t := range turns {
		mark(act[idx[t.Speaker]], t.Start, t.End, step, true)
	}
	return names, act
}
