// Package diarize finds who spoke when in a recording of one microphone, in pure Go: voice
// detection, speaker features, clustering and resegmentation.
//
// The steps:
//
//  1. Front end: MFCCs (c1-c19) every 10 ms, mean- and variance-normalised over the speech
//     frames (cepstral mean normalisation), plus their deltas.
//  2. Voice detection: vad.Offline on the frame energies.
//  3. Speaker features: a 16-component universal background model (diagonal GMM) is fitted to
//     the recording's own speech; every 1.5 s window (hop 0.25 s) of speech becomes the
//     supervector of its MAP-adapted component means, normalised by the UBM's variances
//     (the "GMM mean supervector" of Campbell et al. 2006), centred and length-normalised.
//  4. Clustering: spectral clustering of the cosine affinities (Ning et al. 2006; count by the
//     largest eigengap when not given), then clusters merged while ΔBIC (one Gaussian against two) says they are one voice.
//  5. Resegmentation: a GMM per speaker, frame likelihoods smoothed over 0.5 s, and a Viterbi
//     pass with a speaker-change penalty, repeated three times (the classic "resegmentation" of
//     LIMSI and LIUM systems).
//
// It is not a neural system: it finds one speaker per frame, so overlapped speech is always
// partly missed, and voices of the same gender on the same channel are its hardest case.
package diarize

import (
	"errors"
	"math"

	"visio/internal/transcribe/dsp"
	"visio/internal/transcribe/vad"
)

// ErrTooShort is returned when a recording has too little speech to tell speakers apart.
var ErrTooShort = errors.New("diarize: too little speech")

// Params tunes diarization. The zero value estimates the number of speakers.
type Params struct {
	// Speakers is the number of speakers when known (0: estimate).
	Speakers int
	// MaxSpeakers bounds the estimate (default 8).
	MaxSpeakers int
	// VAD tunes voice detection.
	VAD vad.Params
	// Window and Hop are the embedding window and hop in seconds (defaults 1.5 and 0.25).
	Window, Hop float64
	// Seed makes the random initialisations reproducible (default 1).
	Seed uint64
}

// Turn is one stretch of one speaker's speech.
type Turn struct {
	// Speaker numbers speakers from 0 in order of first appearance.
	Speaker int
	// Start and End are seconds from the start of the recording.
	Start, End float64
}

// Result is a diarization.
type Result struct {
	// Turns are sorted by start time and do not overlap.
	Turns []Turn
	// Speakers is the number of speakers found.
	Speakers int
	// SpeechSeconds is the total speech found by voice detection.
	SpeechSeconds float64
}

func (p Params) withDefaults() Params {
	if p.MaxSpeakers == 0 {
		p.MaxSpeakers = 8
	}
	if p.Window == 0 {
		p.Window = 1.5
	}
	if p.Hop == 0 {
		p.Hop = 0.25
	}
	if p.Seed == 0 {
		p.Seed = 1
	}
	return p
}

// Diarize finds the speaker turns of 16 kHz mono audio.
func Diarize(pcm []float32, p Params) (Result, error) {
	p = p.withDefaults()
	fe := dsp.NewFrontend(dsp.FrontendParams{})
	feat := fe.Analyse(pcm)
	speech := vad.Offline(feat.Energy, p.VAD)
	var idx []int // speech frame indices
	for i, s := range speech {
		if s {
			idx = append(idx, i)
		}
	}
	res := Result{SpeechSeconds: float64(len(idx)) * dsp.FrameSeconds}
	if len(idx) < 50 {
		return res, ErrTooShort
	}
	cep := cmvn(feat.Ceps, speech)
	full := withDeltas(cep)

	windows := speechWindows(speech, int(p.Window/dsp.FrameSeconds), max(1, int(p.Hop/dsp.FrameSeconds)))
	k := p.Speakers
	var labels []int
	if len(windows) < 2 || k == 1 {
		labels = make([]int, len(windows))
		k = 1
	} else {
		sim := similarity(cep, idx, windows, p.Seed)
		if k == 0 {
			labels, k = spectral(sim, 0, p.MaxSpeakers, pruneFor(len(sim)), p.Seed)
			labels, k = mergeByBIC(cep, windows, labels, k)
		} else {
			k = min(k, len(windows))
			labels = ahc(sim, k, 0)
		}
	}
	frameLabel := make([]int, len(speech))
	for i := range frameLabel {
		frameLabel[i] = -1
	}
	for w, win := range windows {
		for f := win.lo; f < win.hi; f++ {
			// the window whose centre is nearest wins: later windows overwrite the first half
			if frameLabel[f] == -1 || f >= (win.lo+win.hi)/2-int(p.Hop/dsp.FrameSeconds)/2 {
				frameLabel[f] = labels[w]
			}
		}
	}
	if k > 1 {
		frameLabel = resegment(full, speech, frameLabel, k, p.Seed)
	}
	res.Turns, res.Speakers = turns(frameLabel)
	return res, nil
}

func pruneFor(n int) float64 {
	return math.Max(0.1, math.Min(0.5, 30/float64(max(n, 1))))
}

// turns turns frame labels (-1 for non-speech) into turns and counts the speakers.
func turns(label []int) ([]Turn, int) {
	var out []Turn
	seen := map[int]int{}
	for i := 0; i < len(label); {
		j := i
		for j < len(label) && label[j] == label[i] {
			j++
		}
		if label[i] >= 0 {
			if _, ok := seen[label[i]]; !ok {
				seen[label[i]] = len(seen)
			}
			out = append(out, Turn{Speaker: seen[label[i]], Start: float64(i) * dsp.FrameSeconds, End: float64(j) * dsp.FrameSeconds})
		}
		i = j
	}
	return out, len(seen)
}

// cmvn normalises c1.. (c0 dropped) to zero mean and unit variance over the speech frames.
func cmvn(ceps [][]float64, speech []bool) [][]float64 {
	d := len(ceps[0]) - 1
	mean, sq := make([]float64, d), make([]float64, d)
	n := 0.0
	for i, c := range ceps {
		if speech[i] {
			n++
			for j := range d {
				mean[j] += c[j+1]
				sq[j] += c[j+1] * c[j+1]
			}
		}
	}
	for j := range d {
		mean[j] /= n
		sq[j] = 1 / math.Sqrt(max(1e-6, sq[j]/n-mean[j]*mean[j]))
	}
	out := make([][]float64, len(ceps))
	flat := make([]float64, len(ceps)*d)
	for i, c := range ceps {
		out[i] = flat[i*d : (i+1)*d]
		for j := range d {
			out[i][j] = (c[j+1] - mean[j]) * sq[j]
		}
	}
	return out
}

func withDeltas(x [][]float64) [][]float64 {
	d := dsp.Deltas(x, 2)
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = append(append(make([]float64, 0, 2*len(x[i])), x[i]...), d[i]...)
	}
	return out
}

type window struct{ lo, hi int } // frame range [lo, hi)

// speechWindows cuts each speech region into windows of length win frames every hop frames;
// regions shorter than a window but at least 0.3 s become one window.
func speechWindows(speech []bool, win, hop int) []window {
	var out []window
	for i := 0; i < len(speech); {
		if !speech[i] {
			i++
			continue
		}
		j := i
		for j < len(speech) && speech[j] {
			j++
		}
		switch n := j - i; {
		case n < 30:
		case n <= win:
			out = append(out, window{i, j})
		default:
			for s := i; ; s += hop {
				if s+win >= j {
					out = append(out, window{max(i, j-win), j})
					break
				}
				out = append(out, window{s, s + win})
			}
		}
		i = j
	}
	return out
}
