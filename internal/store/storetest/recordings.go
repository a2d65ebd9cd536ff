package storetest

import (
	"errors"
	"testing"
	"time"

	"visio/internal/store"
)

func testRecordings(t *testing.T, s store.Store) {
	c := ctx(t)
	r1 := store.Recording{ID: "RE_one", RoomCode: "abc-defg-hij", Status: store.RecordingActive, StartedBy: "Alice",
		StartedAt: at(time.Minute)}
	r2 := store.Recording{ID: "RE_two", RoomCode: "abc-defg-hij", Status: store.RecordingActive, AudioOnly: true,
		StartedAt: at(2 * time.Minute)}
	other := store.Recording{ID: "RE_other", RoomCode: "xyz-defg-hij", Status: store.RecordingActive, StartedAt: at(0)}
	for _, r := range []store.Recording{r1, r2, other} {
		if err := s.CreateRecording(c, r); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "create twice", s.CreateRecording(c, r1), store.ErrExists)
	wantErr(t, "create with a bad status", s.CreateRecording(c, store.Recording{ID: "RE_bad", Status: "nope"}), store.ErrInvalid)

	got, err := s.Recording(c, "RE_one")
	if err != nil || got != r1 {
		t.Fatalf("Recording = %+v, %v; want %+v", got, err, r1)
	}
	_, err = s.Recording(c, "RE_none")
	wantErr(t, "missing recording", err, store.ErrNotFound)

	r1.Status, r1.EndedAt, r1.Duration, r1.Size = store.RecordingReady, at(3*time.Minute), 90*time.Second, 12345
	r1.ObjectKey, r1.ContentType, r1.TranscriptID, r1.Error = "RE_one/meeting.webm", "video/webm", "TR_x", ""
	if err := s.UpdateRecording(c, r1); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recording(c, "RE_one"); err != nil || got != r1 {
		t.Fatalf("after update: %+v, %v; want %+v", got, err, r1)
	}
	wantErr(t, "update missing", s.UpdateRecording(c, store.Recording{ID: "RE_none", Status: store.RecordingReady}), store.ErrNotFound)
	wantErr(t, "update with a bad status", s.UpdateRecording(c, store.Recording{ID: "RE_one", Status: ""}), store.ErrInvalid)

	list, err := s.RoomRecordings(c, "abc-defg-hij")
	if err != nil || len(list) != 2 || list[0].ID != "RE_two" || list[1].ID != "RE_one" || !list[0].EndedAt.IsZero() {
		t.Fatalf("RoomRecordings = %+v, %v; want RE_two then RE_one", list, err)
	}
	if list, err := s.RoomRecordings(c, "nop-nope-nop"); err != nil || len(list) != 0 {
		t.Fatalf("RoomRecordings of an unknown room = %+v, %v", list, err)
	}
	old, err := s.RecordingsStartedBefore(c, at(90*time.Second), 10)
	if err != nil || len(old) != 2 || old[0].ID != "RE_other" || old[1].ID != "RE_one" {
		t.Fatalf("RecordingsStartedBefore = %+v, %v", old, err)
	}
	if old, err := s.RecordingsStartedBefore(c, at(90*time.Second), 1); err != nil || len(old) != 1 {
		t.Fatalf("RecordingsStartedBefore with a limit = %+v, %v", old, err)
	}
	if err := s.DeleteRecording(c, "RE_one"); err != nil {
		t.Fatal(err)
	}
	err = s.DeleteRecording(c, "RE_one")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if list, _ := s.RoomRecordings(c, "abc-defg-hij"); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
}
