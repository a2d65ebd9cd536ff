package storetest

import (
	"errors"
	"testing"
	"time"

	"visio/internal/store"
)

func testMeetingStates(t *testing.T, s store.Store) {
	c := ctx(t)
	if _, err := s.LoadMeetingState(c, "abc-defg-hij"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadMeetingState of none: %v, want ErrNotFound", err)
	}
	a := store.MeetingState{RoomCode: "abc-defg-hij", Data: []byte(`{"v":1}`), UpdatedAt: at(0)}
	b := store.MeetingState{RoomCode: "xyz-defg-hij", Data: []byte{0, 1, 2, 0xff}, UpdatedAt: at(3 * time.Minute)}
	for _, m := range []store.MeetingState{a, b} {
		if err := s.SaveMeetingState(c, m); err != nil {
			t.Fatal(err)
		}
	}
	a.Data, a.UpdatedAt = []byte(`{"v":1,"locked":true}`), at(5*time.Minute)
	if err := s.SaveMeetingState(c, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadMeetingState(c, a.RoomCode)
	if err != nil || string(got.Data) != string(a.Data) || !got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Fatalf("LoadMeetingState = %+v, %v; want %+v", got, err, a)
	}
	got, err = s.LoadMeetingState(c, b.RoomCode)
	if err != nil || string(got.Data) != string(b.Data) {
		t.Fatalf("LoadMeetingState (binary) = %+v, %v; want %+v", got, err, b)
	}

	for i, seg := range []string{"one", "two", "three"} {
		if err := s.AppendTranscriptSegment(c, a.RoomCode, "TS_a", i, []byte(seg)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendTranscriptSegment(c, a.RoomCode, "TS_a", 1, []byte("TWO")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendTranscriptSegment(c, b.RoomCode, "TS_b", 0, []byte("other")); err != nil {
		t.Fatal(err)
	}
	segs, err := s.TranscriptSegments(c, "TS_a")
	if err != nil || len(segs) != 3 || string(segs[0]) != "one" || string(segs[1]) != "TWO" || string(segs[2]) != "three" {
		t.Fatalf("TranscriptSegments = %q, %v", segs, err)
	}

	if err := s.DeleteMeetingState(c, a.RoomCode, "TS_a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadMeetingState(c, a.RoomCode); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
	if segs, err := s.TranscriptSegments(c, "TS_a"); err != nil || len(segs) != 0 {
		t.Fatalf("segments after delete = %q, %v", segs, err)
	}
	if segs, err := s.TranscriptSegments(c, "TS_b"); err != nil || len(segs) != 1 {
		t.Fatalf("another transcript's segments after delete = %q, %v", segs, err)
	}
	if err := s.DeleteMeetingState(c, a.RoomCode); err != nil {
		t.Fatalf("delete twice: %v", err)
	}
	n, err := s.DeleteMeetingStatesBefore(c, at(4*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteMeetingStatesBefore = %d, %v; want 1", n, err)
	}
	if _, err := s.LoadMeetingState(c, b.RoomCode); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old state after sweep: %v, want ErrNotFound", err)
	}
	if segs, err := s.TranscriptSegments(c, "TS_b"); err != nil || len(segs) != 0 {
		t.Fatalf("an old state's transcript segments after the sweep = %q, %v", segs, err)
	}
}
