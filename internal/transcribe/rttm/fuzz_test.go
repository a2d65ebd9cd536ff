package rttm

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that the RTTM parser never panics and that what it accepts survives a write
// and a re-parse. Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("SPEAKER dev00 1 1.440 11.872 <NA> <NA> MEE009 <NA> <NA>\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		turns, err := Parse(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, tr := range turns {
			if !(tr.Start >= 0 && tr.End >= tr.Start && tr.End <= 2*MaxSeconds) {
				t.Fatalf("bad turn %+v", tr)
			}
		}
		var b bytes.Buffer
		if err := Write(&b, turns); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(&b)
		if err != nil || len(again) != len(turns) {
			t.Fatalf("re-parse of written RTTM: %d turns, %v (had %d)", len(again), err, len(turns))
		}
	})
}

// FuzzParseUEM checks the UEM parser. Seeds live in testdata/fuzz/FuzzParseUEM.
func FuzzParseUEM(f *testing.F) {
	f.Add([]byte("dev00 NA 0.000 30.000\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		regions, err := ParseUEM(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, r := range regions {
			if !(r.Start >= 0 && r.End >= r.Start) {
				t.Fatalf("bad region %+v", r)
			}
		}
	})
}
