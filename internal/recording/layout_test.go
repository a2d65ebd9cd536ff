package recording

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"visio/internal/transcribe/archive"
)

func TestLayout(t *testing.T) {
	for _, tc := range []struct{ cams, screens int }{{1, 0}, {2, 0}, {3, 0}, {5, 0}, {9, 0}, {10, 0}, {0, 1}, {1, 1}, {4, 1}, {7, 2}} {
		t.Run(fmt.Sprintf("%d cameras %d screens", tc.cams, tc.screens), func(t *testing.T) {
			var cams, screens []string
			for i := range tc.cams {
				cams = append(cams, fmt.Sprint("c", i))
			}
			for i := range tc.screens {
				screens = append(screens, fmt.Sprint("s", i))
			}
			tiles := layout(1280, 720, cams, screens)
			if len(tiles) != tc.cams+tc.screens {
				t.Fatalf("%d tiles for %d videos", len(tiles), tc.cams+tc.screens)
			}
			for k, r := range tiles {
				if r.x < 0 || r.y < 0 || r.w < 2 || r.h < 2 || r.x+r.w > 1280 || r.y+r.h > 720 || r.w%2 != 0 || r.h%2 != 0 {
					t.Errorf("tile %s = %+v: outside the picture or odd", k, r)
				}
				if tc.screens > 0 && strings.HasPrefix(k, "s") && r.w < 1280*3/4-2 {
					t.Errorf("the screen share %s is not on the main stage: %+v", k, r)
				}
			}
			// Cameras never overlap each other or the stage.
			keys := append(cams, screens[:min(1, len(screens))]...)
			for i, a := range keys {
				for _, b := range keys[i+1:] {
					ra, rb := tiles[a], tiles[b]
					if ra.x < rb.x+rb.w && rb.x < ra.x+ra.w && ra.y < rb.y+rb.h && rb.y < ra.y+ra.h {
						t.Errorf("tiles %s %+v and %s %+v overlap", a, ra, b, rb)
					}
				}
			}
		})
	}
}

// TestCaptions: the transcript's cues move to the recording's clock; those before it are left
// out; speakers are named.
func TestCaptions(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	tr := &archive.Record{Meta: archive.Meta{ID: "TS_x", MeetingStartedAt: t0, Speakers: []archive.Speaker{{ID: "A", Name: "Alice"}}},
		Segments: []archive.Segment{
			{ParticipantID: "A", Name: "Alice", StartMS: 1000, EndMS: 2000, Text: "before"},
			{ParticipantID: "A", Name: "Alice", StartMS: 2500, EndMS: 4000, Text: "across"},
			{ParticipantID: "A", Name: "Alice", StartMS: 5000, EndMS: 6000, Text: "after"},
		}}
	var b bytes.Buffer
	if err := Captions(&b, tr, t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"WEBVTT", "00:00:00.000 --> 00:00:01.000\n<v Alice>across", "00:00:02.000 --> 00:00:03.000\n<v Alice>after"} {
		if !strings.Contains(got, want) {
			t.Errorf("captions lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "before") {
		t.Errorf("a cue from before the recording:\n%s", got)
	}
}
