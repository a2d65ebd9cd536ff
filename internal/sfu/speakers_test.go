package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

type speakerRecorder struct{ lists [][]Speaker }

func (r *speakerRecorder) OnSpeakers(s []Speaker) { r.lists = append(r.lists, s) }

func mic(id string) *publishedTrack {
	t := &publishedTrack{id: "TR_" + id, ownerID: id, source: SourceMicrophone, kind: webrtc.RTPCodecTypeAudio, levelExtID: 1}
	t.audible.Store(true)
	return t
}

// TestAudioSelection: with more than three open microphones only the three most recent loud
// speakers are forwarded, a speaker pausing between words is kept, silence is not forwarded,
// and the speakers list follows, loudest first.
func TestAudioSelection(t *testing.T) {
	rec := &speakerRecorder{}
	r := &Room{handler: rec, peers: map[string]*Peer{}, tracks: map[string]*publishedTrack{}}
	tracks := map[string]*publishedTrack{}
	for _, id := range []string{"A", "B", "C", "D", "E"} {
		tracks[id] = mic(id)
		r.tracks[tracks[id].id] = tracks[id]
	}
	st := &roomState{speakers: map[string]*speakerState{}, layers: map[string][maxLayers]bool{}}
	now := time.Unix(1000, 0)
	// levels: 127 - dBov; speech is above 77 (-50 dBov).
	step := func(levels map[string]int) {
		for id, l := range levels {
			tracks[id].level.Store(uint32(l))
		}
		now = now.Add(roomTick)
		r.tick(st, now)
	}
	audible := func() string {
		out := ""
		for _, id := range []string{"A", "B", "C", "D", "E"} {
			if tracks[id].audible.Load() {
				out += id
			}
		}
		return out
	}

	// A, B and C talk (A loudest); D and E are silent.
	for i := 0; i < 4; i++ {
		step(map[string]int{"A": 120, "B": 100, "C": 90, "D": 20, "E": 10})
	}
	if got := audible(); got != "ABC" {
		t.Fatalf("audible %q, want ABC", got)
	}
	last := rec.lists[len(rec.lists)-1]
	if fmt.Sprint(speakerIDs(last)) != "[A B C]" {
		t.Fatalf("speakers %v, want A B C loudest first", speakerIDs(last))
	}

	// C pauses between words (silent for 0.5 s): still audible. D starts talking: D replaces
	// the speaker silent the longest once the hold is over.
	step(map[string]int{"A": 120, "B": 100, "C": 0, "D": 20})
	step(map[string]int{"A": 120, "B": 100, "C": 0, "D": 20})
	if got := audible(); got != "ABC" {
		t.Fatalf("during C's pause: audible %q, want ABC", got)
	}
	for i := 0; i < 12; i++ {
		step(map[string]int{"A": 120, "B": 100, "C": 0, "D": 110})
	}
	if got := audible(); got != "ABD" {
		t.Fatalf("after C stopped and D spoke: audible %q, want ABD", got)
	}

	// Mics muted or closed leave the count: with three open, all are heard.
	tracks["A"].muted.Store(true)
	tracks["B"].muted.Store(true)
	step(map[string]int{"C": 0, "D": 110, "E": 0})
	if !tracks["C"].audible.Load() || !tracks["E"].audible.Load() {
		t.Fatalf("with three open microphones all must be heard: audible %q", audible())
	}
}

func speakerIDs(s []Speaker) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.ParticipantID
	}
	return out
}

func TestLayerForSize(t *testing.T) {
	full := [maxLayers]layerInfo{
		{present: true, active: true, width: 320, height: 180},
		{present: true, active: true, width: 640, height: 360},
		{present: true, active: true, width: 1280, height: 720},
	}
	declaredOnly := [maxLayers]layerInfo{{present: true, active: true}, {present: true}, {present: true}}
	tests := []struct {
		name   string
		layers [maxLayers]layerInfo
		w, h   int
		want   int
	}{
		{"unknown size: lowest", full, 0, 0, 0},
		{"thumbnail", full, 200, 112, 0},
		{"a bit bigger than q", full, 380, 214, 0},
		{"half screen", full, 700, 394, 1},
		{"full screen", full, 1920, 1080, 2},
		{"dimensions not yet known: assume 720p top", declaredOnly, 600, 338, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := layerForSize(tt.layers, tt.w, tt.h); got != tt.want {
				t.Errorf("layerForSize(%dx%d) = %d, want %d", tt.w, tt.h, got, tt.want)
			}
		})
	}
}

// TestAudioSelectionPerListener: with four open microphones everyone hears the three others
// (the selection never counts a listener's own microphone); with five, each hears the three
// loudest of the others, and someone who just started speaking takes the place of a speaker
// who paused.
func TestAudioSelectionPerListener(t *testing.T) {
	ids := []string{"A", "B", "C", "D", "E"}
	r := &Room{peers: map[string]*Peer{}, tracks: map[string]*publishedTrack{}}
	tracks := map[string]*publishedTrack{}
	// downs[listener][speaker]
	downs := map[string]map[string]*DownTrack{}
	for _, id := range ids {
		tracks[id] = mic(id)
		downs[id] = map[string]*DownTrack{}
	}
	for _, speaker := range ids {
		for _, listener := range ids {
			if listener == speaker {
				continue
			}
			d := newDownTrack(tracks[speaker], nil, nil, nil)
			d.listener = listener
			tracks[speaker].addDown(d)
			downs[listener][speaker] = d
		}
	}
	st := &roomState{speakers: map[string]*speakerState{}, layers: map[string][maxLayers]bool{}}
	now := time.Unix(1000, 0)
	step := func(levels map[string]int) {
		for id, l := range levels {
			tracks[id].level.Store(uint32(l))
		}
		now = now.Add(roomTick)
		r.tick(st, now)
	}
	hears := func(listener string) string {
		out := ""
		for _, id := range ids {
			d := downs[listener][id]
			if d == nil || r.tracks[tracks[id].id] == nil || !tracks[id].audible.Load() {
				continue
			}
			d.mu.Lock()
			silenced := d.silenced
			d.mu.Unlock()
			if !silenced {
				out += id
			}
		}
		return out
	}

	// Four people talk, E has left (no microphone in the room).
	r.tracks = map[string]*publishedTrack{}
	for _, id := range ids[:4] {
		r.tracks[tracks[id].id] = tracks[id]
	}
	for i := 0; i < 4; i++ {
		step(map[string]int{"A": 120, "B": 110, "C": 100, "D": 90})
	}
	for listener, want := range map[string]string{"A": "BCD", "B": "ACD", "C": "ABD", "D": "ABC"} {
		if got := hears(listener); got != want {
			t.Errorf("four open microphones: %s hears %q, want %q", listener, got, want)
		}
	}

	// E arrives, silent: the three speakers before the others, for everyone.
	r.tracks[tracks["E"].id] = tracks["E"]
	for i := 0; i < 4; i++ {
		step(map[string]int{"A": 120, "B": 110, "C": 100, "D": 90, "E": 10})
	}
	for listener, want := range map[string]string{"A": "BCD", "B": "ACD", "C": "ABD", "D": "ABC", "E": "ABC"} {
		if got := hears(listener); got != want {
			t.Errorf("five microphones, four speaking: %s hears %q, want %q", listener, got, want)
		}
	}

	// D pauses and E starts: once D's pause outlasts a breath, E takes D's place.
	for i := 0; i < 6; i++ {
		step(map[string]int{"A": 120, "B": 110, "C": 100, "D": 0, "E": 95})
	}
	for listener, want := range map[string]string{"A": "BCE", "B": "ACE", "C": "ABE", "D": "ABC", "E": "ABC"} {
		if got := hears(listener); got != want {
			t.Errorf("after D paused and E started: %s hears %q, want %q", listener, got, want)
		}
	}
}

// speakerTap is a MediaTap that follows the speakers.
type speakerTap struct{ lists [][]string }

func (s *speakerTap) Packet(string, string, Source, bool, int, int64, *rtp.Packet) {}
func (s *speakerTap) Speakers(ids []string, _ int64) {
	s.lists = append(s.lists, append([]string(nil), ids...))
}

// TestSpeakerTap: a media tap that is a SpeakerTap is told who speaks at every tick, loudest
// first, even when the list does not change (a recording started mid-sentence learns it).
func TestSpeakerTap(t *testing.T) {
	r := &Room{peers: map[string]*Peer{}, tracks: map[string]*publishedTrack{}}
	for _, id := range []string{"A", "B"} {
		tr := mic(id)
		tr.tap = &r.tap
		r.tracks[tr.id] = tr
	}
	tap := &speakerTap{}
	r.SetMediaTap(tap)
	st := &roomState{speakers: map[string]*speakerState{}, layers: map[string][maxLayers]bool{}}
	now := time.Unix(1000, 0)
	for range 3 {
		r.tracks["TR_A"].level.Store(100)
		r.tracks["TR_B"].level.Store(110)
		now = now.Add(roomTick)
		r.tick(st, now)
	}
	if len(tap.lists) != 3 || fmt.Sprint(tap.lists[2]) != "[B A]" {
		t.Fatalf("speaker tap got %v", tap.lists)
	}
}
