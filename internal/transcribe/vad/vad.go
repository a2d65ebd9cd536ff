// Package vad finds speech in audio: an energy detector with an adaptive noise floor and a
// hangover state machine, for live streams (Detector, Segmenter) and whole recordings
// (Offline).
//
// The decision compares each 10 ms frame's log energy with a threshold placed between the
// noise floor and the speech level. Live, both levels are tracked (the floor falls fast and rises
// slowly; the speech level rises fast and decays slowly); offline, they are percentiles of the
// whole recording. A frame run becomes speech after MinSpeech frames above the threshold and
// stays speech until Hangover frames fall below it, so word gaps do not split an utterance.
package vad

import (
	"slices"
)

// Params tunes the detector. The zero value selects the defaults shown.
type Params struct {
	// MarginDB is the least height of the threshold above the noise floor (default 6 dB).
	MarginDB float64
	// Ratio places the threshold between the floor (0) and the speech level (1) (default 0.3).
	Ratio float64
	// FloorDB is the absolute lowest threshold; quieter frames are never speech (default -70 dBFS,
	// about 24 dB under the quietest speech in the test recordings).
	FloorDB float64
	// MinSpeech is how many frames above threshold start speech (default 3, 30 ms).
	MinSpeech int
	// Hangover is how many frames below threshold end speech (default 20, 200 ms).
	Hangover int
	// PreRoll is how many frames before the detected onset are included (default 5).
	PreRoll int
}

func (p Params) withDefaults() Params {
	if p.MarginDB == 0 {
		p.MarginDB = 6
	}
	if p.Ratio == 0 {
		p.Ratio = 0.3
	}
	if p.FloorDB == 0 {
		p.FloorDB = -70
	}
	if p.MinSpeech == 0 {
		p.MinSpeech = 3
	}
	if p.Hangover == 0 {
		p.Hangover = 20
	}
	if p.PreRoll == 0 {
		p.PreRoll = 5
	}
	return p
}

// threshold places the decision level between floor and speech.
func (p Params) threshold(floor, speech float64) float64 {
	return max(p.FloorDB, floor+max(p.MarginDB, p.Ratio*(speech-floor)))
}

// hangover is the smoothing state machine shared by the live and offline detectors.
type hangover struct {
	above    int // consecutive frames above threshold
	below    int // consecutive frames below threshold while in speech
	inSpeech bool
}

// step takes one raw decision and returns whether the frame is in speech and, on an onset, how
// many earlier frames (MinSpeech-1 plus PreRoll) also belong to it.
func (h *hangover) step(p Params, loud bool) (speech bool, onsetBack int) {
	if loud {
		h.above++
		h.below = 0
	} else {
		h.above = 0
		h.below++
	}
	switch {
	case !h.inSpeech && h.above >= p.MinSpeech:
		h.inSpeech = true
		return true, p.MinSpeech - 1 + p.PreRoll
	case h.inSpeech && h.below >= p.Hangover:
		h.inSpeech = false
	}
	return h.inSpeech, 0
}

// Offline labels every frame of a recording from its frame energies in dB: the noise floor is the
// 10th percentile and the speech level the 95th. Trailing hangover is trimmed back to the last
// loud frame plus Hangover/2, which fits word-level references better.
func Offline(energy []float64, p Params) []bool {
	p = p.withDefaults()
	out := make([]bool, len(energy))
	if len(energy) == 0 {
		return out
	}
	sorted := slices.Clone(energy)
	slices.Sort(sorted)
	floor := sorted[len(sorted)/10]
	speech := sorted[len(sorted)*95/100]
	th := p.threshold(floor, speech)
	var h hangover
	lastLoud := -1
	for i, e := range energy {
		loud := e > th
		sp, back := h.step(p, loud)
		if loud {
			lastLoud = i
		}
		if sp {
			for j := max(0, i-back); j <= i; j++ {
				out[j] = true
			}
		} else if lastLoud >= 0 && i > 0 && out[i-1] {
			// speech just ended: trim the tail
			for j := lastLoud + p.Hangover/2 + 1; j < i; j++ {
				out[j] = false
			}
		}
	}
	return out
}
