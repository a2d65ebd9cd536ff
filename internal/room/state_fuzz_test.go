package room

import (
	"errors"
	"testing"
	"time"
)

// FuzzDecodeState: a saved meeting state read from the shared store is untrusted input (a
// corrupt row, another version's format): it decodes to a state that encodes again, or to
// ErrStateUnreadable, never a panic.
func FuzzDecodeState(f *testing.F) {
	st := &savedState{Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Locked: true, Removed: []string{"US_x"},
		People:        []savedPerson{{ID: "PA_a", Subject: "US_a", Name: "Ada", Role: RoleOwner, Moderate: true, Captions: true}},
		Lobby:         []savedKnock{{RequestID: "LR_g", Subject: "GU_g", Name: "Gail", At: time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)}},
		Transcription: &savedTranscription{Running: true, By: ParticipantRef{ID: "PA_a", Name: "Ada"}},
		Recording:     &savedRecording{AudioOnly: true, Parts: []string{"RE_1"}}}
	st.Transcription.Meta.ID = "TS_1"
	data, err := encodeState(st)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1,"created":"2026-03-02T09:00:00Z","people":[{"id":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeState(data)
		if err != nil {
			if !errors.Is(err, ErrStateUnreadable) {
				t.Fatalf("error %v does not wrap ErrStateUnreadable", err)
			}
			return
		}
		again, err := encodeState(st)
		if err != nil {
			t.Fatalf("a decoded state does not encode: %v", err)
		}
		if _, err := decodeState(again); err != nil {
			t.Fatalf("a state re-encoded does not decode: %v\n%s", err, again)
		}
	})
}
