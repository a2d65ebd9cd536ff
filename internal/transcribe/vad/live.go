package vad

import "visio/internal/transcribe/dsp"

// Detector decides speech frame by frame on a live stream, tracking the noise floor and the
// speech level as it goes. It allocates nothing per frame and is not safe for concurrent use.
type Detector struct {
	p      Params
	floor  float64
	speech float64
	frames int
	h      hangover
}

// NewDetector returns a live detector.
func NewDetector(p Params) *Detector {
	return &Detector{p: p.withDefaults(), floor: -60, speech: -30}
}

// Frame takes one frame's energy in dB and returns whether the stream is in speech, and on an
// onset how many frames before this one also belong to the utterance.
func (d *Detector) Frame(energyDB float64) (speech bool, onsetBack int) {
	d.frames++
	// Floor: follow drops quickly, rises at about 1 dB/s. Speech level: follow rises quickly,
	// decays at about 0.5 dB/s towards the floor.
	if energyDB < d.floor {
		d.floor += 0.3 * (energyDB - d.floor)
	} else {
		d.floor += 0.01
	}
	if energyDB > d.speech {
		d.speech += 0.3 * (energyDB - d.speech)
	} else {
		d.speech -= 0.005
	}
	d.speech = max(d.speech, d.floor+d.p.MarginDB)
	return d.h.step(d.p, energyDB > d.p.threshold(d.floor, d.speech))
}

// Utterance is a stretch of speech found by a Segmenter.
type Utterance struct {
	// Start is the position of the first sample on the stream's clock, in samples.
	Start int64
	// Samples is the utterance's audio at dsp.SampleRate; it is owned by the receiver.
	Samples []float32
}

// Segmenter cuts a live 16 kHz stream into utterances: it runs a Detector on 10 ms frames, keeps
// a short pre-roll, and emits an utterance when speech ends or reaches MaxSamples. It is not safe
// for concurrent use.
type Segmenter struct {
	det      *Detector
	fe       *dsp.Frontend
	emit     func(Utterance)
	max      int
	pos      int64     // samples consumed so far
	pending  []float32 // samples not yet framed
	history  []float32 // the last pre-roll frames when not in speech
	cur      []float32 // the utterance being built
	curStart int64
	inSpeech bool
}

// SegmenterParams configures a Segmenter.
type SegmenterParams struct {
	// VAD tunes the detector.
	VAD Params
	// MaxSamples cuts utterances longer than this (default 25 s, under the 30 s most recognizers
	// accept).
	MaxSamples int
	// Emit receives each finished utterance. It is called from Write and Flush.
	Emit func(Utterance)
}

// NewSegmenter returns a Segmenter.
func NewSegmenter(p SegmenterParams) *Segmenter {
	if p.MaxSamples == 0 {
		p.MaxSamples = 25 * dsp.SampleRate
	}
	s := &Segmenter{det: NewDetector(p.VAD), fe: dsp.NewFrontend(dsp.FrontendParams{}), emit: p.Emit, max: p.MaxSamples}
	s.history = make([]float32, 0, (s.det.p.PreRoll+s.det.p.MinSpeech+1)*dsp.FrameHop)
	return s
}

// Position returns how many samples the segmenter has consumed.
func (s *Segmenter) Position() int64 { return s.pos }

// Write feeds samples at 16 kHz.
func (s *Segmenter) Write(samples []float32) {
	s.pending = append(s.pending, samples...)
	for len(s.pending) >= dsp.FrameHop {
		frame := s.pending[:dsp.FrameHop]
		s.frame(frame)
		s.pending = s.pending[dsp.FrameHop:]
	}
	if len(s.pending) == 0 {
		s.pending = s.pending[:0:cap(s.pending)]
	} else {
		s.pending = append(s.pending[:0:0], s.pending...)
	}
}

// Skip advances the clock by n samples of silence without analysing them (a gap in the stream).
func (s *Segmenter) Skip(n int64) {
	s.Flush()
	s.pos += n
	s.history = s.history[:0]
}

func (s *Segmenter) frame(frame []float32) {
	e := s.fe.Frame(frame, nil, nil)
	speech, back := s.det.Frame(e)
	start := s.pos
	s.pos += int64(len(frame))
	switch {
	case speech && !s.inSpeech:
		s.inSpeech = true
		keep := min(len(s.history), back*dsp.FrameHop)
		s.cur = append(s.cur[:0:0], s.history[len(s.history)-keep:]...)
		s.curStart = start - int64(keep)
		s.cur = append(s.cur, frame...)
	case speech:
		s.cur = append(s.cur, frame...)
		if len(s.cur) >= s.max {
			s.finish()
			s.inSpeech = true
			s.curStart = s.pos
		}
	case s.inSpeech:
		s.finish()
	}
	if !s.inSpeech {
		if len(s.history)+len(frame) > cap(s.history) {
			n := copy(s.history, s.history[len(frame):])
			s.history = s.history[:n]
		}
		s.history = append(s.history, frame...)
	}
}

func (s *Segmenter) finish() {
	if len(s.cur) > 0 && s.emit != nil {
		s.emit(Utterance{Start: s.curStart, Samples: s.cur})
	}
	s.cur = nil
	s.inSpeech = false
}

// Flush emits the utterance in progress, if any.
func (s *Segmenter) Flush() {
	if s.inSpeech {
		s.finish()
	}
	s.det.h = hangover{}
}
