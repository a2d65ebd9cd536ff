package diarize

import (
	"math"
	"math/rand/v2"
	"testing"
)

// voice synthesises a crude voiced sound: a pulse train at f0 through two formant resonators,
// plus a little noise, so two "speakers" differ in pitch and timbre as real ones do.
func voice(rng *rand.Rand, seconds, f0, f1, f2 float64) []float32 {
	n := int(seconds * 16000)
	out := make([]float32, n)
	type res struct{ a1, a2, y1, y2 float64 }
	mk := func(f, bw float64) res {
		r := math.Exp(-math.Pi * bw / 16000)
		return res{a1: 2 * r * math.Cos(2*math.Pi*f/16000), a2: -r * r}
	}
	r1, r2 := mk(f1, 90), mk(f2, 120)
	phase := 0.0
	for i := range n {
		x := rng.NormFloat64() * 0.02
		phase += (f0 * (1 + 0.05*math.Sin(float64(i)/4000))) / 16000
		if phase >= 1 {
			phase--
			x += 1
		}
		y := x + r1.a1*r1.y1 + r1.a2*r1.y2
		r1.y2, r1.y1 = r1.y1, y
		z := y + r2.a1*r2.y1 + r2.a2*r2.y2
		r2.y2, r2.y1 = r2.y1, z
		out[i] = float32(z * 0.01)
	}
	return out
}

func TestDiarizeTwoSynthetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	silence := func(s float64) []float32 {
		x := make([]float32, int(s*16000))
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1e-4)
		}
		return x
	}
	var pcm []float32
	type span struct {
		spk        int
		start, end float64
	}
	var truth []span
	at := 0.0
	add := func(x []float32, spk int) {
		pcm = append(pcm, x...)
		d := float64(len(x)) / 16000
		if spk >= 0 {
			truth = append(truth, span{spk, at, at + d})
		}
		at += d
	}
	for i := range 4 {
		add(silence(0.5), -1)
		if i%2 == 0 {
			add(voice(rng, 3, 110, 700, 1200), 0)
		} else {
			add(voice(rng, 3, 220, 400, 2300), 1)
		}
	}
	add(silence(0.5), -1)
	for _, k := range []int{2, 0} {
		res, err := Diarize(pcm, Params{Speakers: k})
		if err != nil {
			t.Fatal(err)
		}
		if res.Speakers != 2 {
			t.Fatalf("speakers given %d: found %d", k, res.Speakers)
		}
		// every truth span's middle second must carry its own speaker, consistently
		label := map[int]int{}
		for _, sp := range truth {
			mid := (sp.start + sp.end) / 2
			for _, tr := range res.Turns {
				if tr.Start <= mid && mid < tr.End {
					if l, ok := label[sp.spk]; ok && l != tr.Speaker {
						t.Fatalf("speaker %d labelled %d and %d", sp.spk, l, tr.Speaker)
					}
					label[sp.spk] = tr.Speaker
				}
			}
		}
		if len(label) != 2 || label[0] == label[1] {
			t.Fatalf("labels %v: speakers not told apart", label)
		}
	}
}

func TestDiarizeSilence(t *testing.T) {
	if _, err := Diarize(make([]float32, 16000), Params{}); err != ErrTooShort {
		t.Fatalf("err = %v, want ErrTooShort", err)
	}
}

func TestViterbiPenaltyKeepsShortBlips(t *testing.T) {
	speech := []bool{true, true, true, true, true, false, true}
	ll := [][]float64{{0, 0, -1, 0, 0, 0, 0}, {-1, -1, 0, -1, -1, 0, -1}}
	got := viterbi(ll, speech, 5)
	want := []int{0, 0, 0, 0, 0, -1, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
