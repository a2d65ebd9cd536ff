package rttm

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseRTTM(t *testing.T) {
	in := `;; comment
SPEAKER dev00 1 1.440 11.872 <NA> <NA> MEE009 <NA> <NA>
SPKR-INFO dev00 1 <NA> <NA> <NA> unknown MEE009 <NA>
SPEAKER dev00 1 13.152 3.770 <NA> <NA> MEE012 <NA> <NA>
`
	turns, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Turn{
		{File: "dev00", Channel: "1", Start: 1.44, End: 1.44 + 11.872, Speaker: "MEE009"},
		{File: "dev00", Channel: "1", Start: 13.152, End: 13.152 + 3.77, Speaker: "MEE012"},
	}
	if len(turns) != len(want) {
		t.Fatalf("got %d turns, want %d", len(turns), len(want))
	}
	for i := range want {
		if turns[i] != want[i] {
			t.Errorf("turn %d = %+v, want %+v", i, turns[i], want[i])
		}
	}
	var b bytes.Buffer
	if err := Write(&b, turns); err != nil {
		t.Fatal(err)
	}
	again, err := Parse(&b)
	if err != nil || len(again) != 2 || again[1].Speaker != "MEE012" {
		t.Fatalf("round trip: %v %+v", err, again)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"short line":    "SPEAKER a 1 0.5\n",
		"negative time": "SPEAKER a 1 -1 2 <NA> <NA> s <NA> <NA>\n",
		"NaN":           "SPEAKER a 1 NaN 2 <NA> <NA> s <NA> <NA>\n",
		"huge":          "SPEAKER a 1 1e12 2 <NA> <NA> s <NA> <NA>\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(in)); !errors.Is(err, ErrSyntax) {
				t.Fatalf("err = %v, want ErrSyntax", err)
			}
		})
	}
}

func TestParseUEM(t *testing.T) {
	r, err := ParseUEM(strings.NewReader("dev00 NA 0.000 30.000\ndev01 NA 1 2\n"))
	if err != nil || len(r) != 2 || r[0] != (Region{"dev00", 0, 30}) {
		t.Fatalf("got %+v, %v", r, err)
	}
	if _, err := ParseUEM(strings.NewReader("x NA 5 4\n")); !errors.Is(err, ErrSyntax) {
		t.Fatalf("reversed region: err = %v", err)
	}
}
