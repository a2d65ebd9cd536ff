package score

import (
	"strings"
	"unicode"
)

// WER is the outcome of aligning hypothesis words with reference words.
type WER struct {
	// Words is the number of reference words.
	Words int
	// Substitutions, Deletions and Insertions count the edit operations of the best alignment.
	Substitutions, Deletions, Insertions int
}

// Rate returns (S+D+I)/N, or 0 for an empty reference.
func (w WER) Rate() float64 {
	if w.Words == 0 {
		return 0
	}
	return float64(w.Substitutions+w.Deletions+w.Insertions) / float64(w.Words)
}

// Add accumulates another score, for corpus-level figures.
func (w *WER) Add(o WER) {
	w.Words += o.Words
	w.Substitutions += o.Substitutions
	w.Deletions += o.Deletions
	w.Insertions += o.Insertions
}

// ScoreWER normalises both texts and aligns them word by word (Levenshtein distance, ties broken
// towards substitutions).
func ScoreWER(reference, hypothesis string) WER {
	ref, hyp := Normalize(reference), Normalize(hypothesis)
	// d[i][j]: cost of aligning ref[:i] with hyp[:j]; op counts follow the path.
	type cell struct{ cost, s, d, i int }
	prev := make([]cell, len(hyp)+1)
	cur := make([]cell, len(hyp)+1)
	for j := range prev {
		prev[j] = cell{cost: j, i: j}
	}
	for i := 1; i <= len(ref); i++ {
		cur[0] = cell{cost: i, d: i}
		for j := 1; j <= len(hyp); j++ {
			sub := prev[j-1]
			if ref[i-1] != hyp[j-1] {
				sub.cost++
				sub.s++
			}
			del := prev[j]
			del.cost++
			del.d++
			ins := cur[j-1]
			ins.cost++
			ins.i++
			best := sub
			if del.cost < best.cost {
				best = del
			}
			if ins.cost < best.cost {
				best = ins
			}
			cur[j] = best
		}
		prev, cur = cur, prev
	}
	last := prev[len(hyp)]
	return WER{Words: len(ref), Substitutions: last.s, Deletions: last.d, Insertions: last.i}
}

// Normalize returns the words of text as scored: lower case, punctuation stripped, number words
// written as digits.
func Normalize(text string) []string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == '\'' || r == '’':
			// dropped: "don't" and "dont" score the same
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '.' || r == ',':
			b.WriteRune(r) // kept for now: decimal and thousands separators inside numbers
		default:
			b.WriteByte(' ')
		}
	}
	var words []string
	for _, w := range strings.Fields(b.String()) {
		w = strings.Trim(w, ".,")
		if strings.ContainsAny(w, ".,") && !isNumber(w) {
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '.' || r == ',' }) {
				words = append(words, part)
			}
			continue
		}
		if w != "" {
			words = append(words, w)
		}
	}
	return numbersToDigits(words)
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return false
		}
	}
	return true
}
