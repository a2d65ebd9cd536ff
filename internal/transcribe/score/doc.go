// Package score measures transcripts: the diarization error rate (DER) of speaker turns against
// a reference, and the word error rate (WER) of recognized text.
//
// DER follows the NIST md-eval and pyannote.metrics conventions: the timeline is cut into 10 ms
// frames; reference and hypothesis speakers are paired by the mapping that maximises their
// common time (Hungarian algorithm); in each scored frame with Nref reference and Nhyp
// hypothesis speakers, of which Ncorrect are paired,
//
//	missed = max(0, Nref-Nhyp), false alarm = max(0, Nhyp-Nref), confusion = min(Nref, Nhyp) - Ncorrect
//
// so overlapped speech is scored. DER = (missed + false alarm + confusion) / ΣNref. A collar of c
// seconds removes ±c around every reference turn boundary from scoring (md-eval's -c, dscore's
// --collar; pyannote's collar=2c). Only frames inside the UEM are scored when one is given;
// otherwise the span from 0 to the last turn end.
//
// WER is (substitutions + deletions + insertions) / reference words after normalisation:
// lower case, punctuation stripped (hyphens split words, apostrophes are dropped), and English
// and French number words turned into digits on both sides, so "twenty five" matches a
// reference's "25".
package score
