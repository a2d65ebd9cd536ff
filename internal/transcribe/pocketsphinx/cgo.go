//go:build pocketsphinx && cgo

package pocketsphinx

/*
#cgo pkg-config: pocketsphinx
#include <stdlib.h>
#include <pocketsphinx.h>

// cmd_ln_init is variadic, which cgo cannot call. The decoder's own voice detection is off
// (-remove_silence no): the pipeline finds the speech itself, and the frames the detection drops
// shifted word times within a request by seconds.
static ps_decoder_t *vs_init(const char *hmm, const char *lm, const char *dict) {
	cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE,
		"-hmm", hmm, "-lm", lm, "-dict", dict,
		"-samprate", "16000", "-remove_silence", "no", "-logfn", "/dev/null", NULL);
	if (config == NULL) return NULL;
	ps_decoder_t *ps = ps_init(config);
	cmd_ln_free_r(config);
	return ps;
}
*/
import "C"

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
)

// Available reports whether the local recognizer is built in.
const Available = true

// frameRate is PocketSphinx's default frame rate (-frate 100).
const frameRate = 100

// Recognizer decodes utterances with a pool of PocketSphinx decoders. It is safe for
// concurrent use; Close frees the decoders.
type Recognizer struct {
	pool chan *C.ps_decoder_t
	all  []*C.ps_decoder_t
}

var _ transcribe.Recognizer = (*Recognizer)(nil)

// New loads the model once per decoder (about a second each).
func New(cfg Config) (*Recognizer, error) {
	cfg = cfg.withDefaults()
	hmm, lm, dict := C.CString(cfg.ModelDir), C.CString(cfg.LanguageModel), C.CString(cfg.Dictionary)
	defer C.free(unsafe.Pointer(hmm))
	defer C.free(unsafe.Pointer(lm))
	defer C.free(unsafe.Pointer(dict))
	r := &Recognizer{pool: make(chan *C.ps_decoder_t, cfg.Decoders)}
	for range cfg.Decoders {
		ps := C.vs_init(hmm, lm, dict)
		if ps == nil {
			r.Close()
			return nil, fmt.Errorf("%w from %s (install pocketsphinx-en-us)", ErrModel, cfg.ModelDir)
		}
		r.all = append(r.all, ps)
		r.pool <- ps
	}
	return r, nil
}

// Name returns "pocketsphinx:en-us".
func (r *Recognizer) Name() string { return "pocketsphinx:en-us" }

// Recognize decodes one utterance; word times become the result's pieces.
func (r *Recognizer) Recognize(ctx context.Context, req transcribe.Request) (transcribe.Result, error) {
	if !english(req.Language) {
		return transcribe.Result{}, fmt.Errorf("%w (asked for %q)", ErrLanguage, req.Language)
	}
	var ps *C.ps_decoder_t
	select {
	case ps = <-r.pool:
		defer func() { r.pool <- ps }()
	case <-ctx.Done():
		return transcribe.Result{}, ctx.Err()
	}
	if len(req.Samples) == 0 {
		return transcribe.Result{}, nil
	}
	// The acoustic model was trained on speech at ordinary levels; quiet recordings (a peak of
	// -48 dBFS in some test files) are raised so their peak sits at -6 dBFS.
	peak := float32(0)
	for _, s := range req.Samples {
		peak = max(peak, s, -s)
	}
	gain := float32(1)
	if peak > 0 && peak < 0.25 {
		gain = 0.5 / peak
	}
	pcm := make([]C.int16, len(req.Samples))
	for i, s := range req.Samples {
		pcm[i] = C.int16(audio.ToInt16(s * gain))
	}
	// Each request is a stream of its own: PocketSphinx counts frames from the start of the
	// stream, so without this a decoder's word times would run on from the previous request's
	// last frame (every segment of a file after the first drifted by the length of the ones
	// before it).
	if C.ps_start_stream(ps) < 0 {
		return transcribe.Result{}, fmt.Errorf("pocketsphinx: start stream failed")
	}
	if C.ps_start_utt(ps) < 0 {
		return transcribe.Result{}, fmt.Errorf("pocketsphinx: start utterance failed")
	}
	// Feed in 1 s blocks so a cancelled context stops a long decode.
	for off := 0; off < len(pcm); off += audio.Rate {
		if err := ctx.Err(); err != nil {
			C.ps_end_utt(ps)
			return transcribe.Result{}, err
		}
		n := min(audio.Rate, len(pcm)-off)
		if C.ps_process_raw(ps, &pcm[off], C.size_t(n), 0, 0) < 0 {
			C.ps_end_utt(ps)
			return transcribe.Result{}, fmt.Errorf("pocketsphinx: decoding failed")
		}
	}
	if C.ps_end_utt(ps) < 0 {
		return transcribe.Result{}, fmt.Errorf("pocketsphinx: end utterance failed")
	}
	var score C.int32
	var res transcribe.Result
	if hyp := C.ps_get_hyp(ps, &score); hyp != nil {
		res.Text = C.GoString(hyp)
	}
	for seg := C.ps_seg_iter(ps); seg != nil; seg = C.ps_seg_next(seg) {
		word := C.GoString(C.ps_seg_word(seg))
		if word == "" || word[0] == '<' || word[0] == '[' { // <s>, </s>, <sil>, [NOISE]
			continue
		}
		if i := strings.IndexByte(word, '('); i > 0 { // alternative pronunciations: "the(2)"
			word = word[:i]
		}
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		res.Pieces = append(res.Pieces, transcribe.Piece{
			Start: time.Duration(sf) * time.Second / frameRate,
			End:   time.Duration(ef+1) * time.Second / frameRate,
			Text:  word,
		})
	}
	return res, nil
}

// Close frees the decoders. It must not be called while Recognize runs.
func (r *Recognizer) Close() {
	for _, ps := range r.all {
		C.ps_free(ps)
	}
	r.all = nil
}
