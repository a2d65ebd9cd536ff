package score

import (
	"math"
	"slices"
	"strings"
	"testing"

	"visio/internal/transcribe/rttm"
)

func turn(spk string, start, end float64) rttm.Turn {
	return rttm.Turn{File: "f", Speaker: spk, Start: start, End: end}
}

// Each case was worked out by hand on a timeline of 10 ms frames.
func TestDER(t *testing.T) {
	ref := []rttm.Turn{turn("A", 0, 10), turn("B", 10, 20)}
	tests := []struct {
		name                 string
		ref, hyp             []rttm.Turn
		uem                  []rttm.Region
		collar               float64
		total, miss, fa, cnf float64
	}{
		{"perfect, other labels", ref, []rttm.Turn{turn("x", 0, 10), turn("y", 10, 20)}, nil, 0, 20, 0, 0, 0},
		{"one speaker for all: 10 s confusion", ref, []rttm.Turn{turn("x", 0, 20)}, nil, 0, 20, 0, 0, 10},
		{"late start and early stop: missed", ref, []rttm.Turn{turn("x", 1, 10), turn("y", 10, 19)}, nil, 0, 20, 2, 0, 0},
		{"speech in silence: false alarm", ref, []rttm.Turn{turn("x", 0, 10), turn("y", 10, 22)}, nil, 0, 20, 0, 2, 0},
		{"boundary 1 s late: confusion", ref, []rttm.Turn{turn("x", 0, 11), turn("y", 11, 20)}, nil, 0, 20, 0, 0, 1},
		{"collar hides a 0.2 s shift", ref, []rttm.Turn{turn("x", 0, 10.2), turn("y", 10.2, 20)}, nil, 0.25,
			19, 0, 0, 0}, // 0.25 s at 0 and at 20, 0.5 s around 10
		{"overlap missed when hypothesis has one speaker",
			[]rttm.Turn{turn("A", 0, 10), turn("B", 5, 10)}, []rttm.Turn{turn("x", 0, 10)}, nil, 0, 15, 5, 0, 0},
		{"overlap found",
			[]rttm.Turn{turn("A", 0, 10), turn("B", 5, 10)}, []rttm.Turn{turn("x", 0, 10), turn("y", 5, 10)}, nil, 0, 15, 0, 0, 0},
		{"UEM keeps only 5-15 s", ref, []rttm.Turn{turn("x", 0, 20)}, []rttm.Region{{File: "f", Start: 5, End: 15}}, 0, 10, 0, 0, 5},
		{"empty hypothesis", ref, nil, nil, 0, 20, 20, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScoreDER(tt.ref, tt.hyp, tt.uem, DERParams{Collar: tt.collar})
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"total", got.Total, tt.total}, {"missed", got.Missed, tt.miss}, {"false alarm", got.FalseAlarm, tt.fa}, {"confusion", got.Confusion, tt.cnf}} {
				if math.Abs(c.got-c.want) > 0.015 {
					t.Errorf("%s = %.3f, want %.3f", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestDERMappingIsOptimal(t *testing.T) {
	// Greedy pairing takes x→A (6 s) and leaves y→B (0 s): 6 s matched; the optimal pairing
	// x→B (4 s), y→A (5 s) matches 9 s, so 15-9 = 6 s of confusion.
	ref := []rttm.Turn{turn("A", 0, 11), turn("B", 11, 15)}
	hyp := []rttm.Turn{turn("x", 5, 15), turn("y", 0, 5)}
	got := ScoreDER(ref, hyp, nil, DERParams{})
	if got.Mapping["y"] != "A" || got.Mapping["x"] != "B" {
		t.Fatalf("mapping %v, want y→A x→B", got.Mapping)
	}
	if math.Abs(got.Confusion-6) > 0.015 {
		t.Fatalf("confusion %.2f, want 6", got.Confusion)
	}
}

func TestMaxAssignmentRectangular(t *testing.T) {
	w := [][]float64{{1, 5, 0}, {4, 6, 1}}
	got := maxAssignment(w)
	if !slices.Equal(got, []int{1, 0}) {
		t.Fatalf("got %v, want [1 0] (5+4 beats 1+6)", got)
	}
}

func TestWER(t *testing.T) {
	tests := []struct {
		ref, hyp      string
		s, d, i, want int
	}{
		{"the cat sat", "the cat sat", 0, 0, 0, 3},
		{"The cat, sat.", "the bat sat on", 1, 0, 1, 3},
		{"however due to the slow", "however to the slow", 0, 1, 0, 5},
		{"lag behind by 25 to 30 years", "lag behind by twenty five to thirty years", 0, 0, 0, 7},
		{"many people don't think", "many people dont think", 0, 0, 0, 4},
		{"il a 97 ans", "il a quatre-vingt-dix-sept ans", 0, 0, 0, 4},
		{"en 2006", "en deux mille six", 0, 0, 0, 2},
		{"", "noise", 0, 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.ref+"|"+tt.hyp, func(t *testing.T) {
			got := ScoreWER(tt.ref, tt.hyp)
			if got.Substitutions != tt.s || got.Deletions != tt.d || got.Insertions != tt.i || got.Words != tt.want {
				t.Fatalf("got %+v, want S=%d D=%d I=%d N=%d", got, tt.s, tt.d, tt.i, tt.want)
			}
		})
	}
}

func TestNormalizeNumbers(t *testing.T) {
	tests := map[string]string{
		"one hundred and five":        "105",
		"two thousand twenty four":    "2024",
		"nineteen eighty":             "19 80",
		"soixante-dix-huit":           "78",
		"vingt et un":                 "21",
		"3.5 percent, and 1,000 more": "3.5 percent and 1,000 more",
		"Hello, World!":               "hello world",
	}
	for in, want := range tests {
		if got := strings.Join(Normalize(in), " "); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
