package storetest

import (
	"errors"
	"testing"
	"time"

	"visio/internal/store"
)

// testTranscripts: a transcript's description and segments, appended or saved whole, read
// back in order; the meeting's end keeps them; retention deletes them; a live transcript
// whose meeting is gone is ended.
func testTranscripts(t *testing.T, s store.Store) {
	ts, ok := s.(store.Transcripts)
	if !ok {
		t.Skip("this store keeps no transcripts (they are files)")
	}
	c := ctx(t)
	if _, _, err := ts.Transcript(c, "TS_none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Transcript of none: %v, want ErrNotFound", err)
	}
	wantErr(t, "append before save", ts.AppendTranscriptSegments(c, "TS_a", at(0), []byte("x")), store.ErrNotFound)

	a := store.Transcript{ID: "TS_a", RoomCode: "abc-defg-hij", Meta: []byte(`{"v":1}`), StartedAt: at(0), Live: true,
		ExpiresAt: at(time.Hour), UpdatedAt: at(0)}
	wantErr(t, "SaveTranscript", ts.SaveTranscript(c, a, [][]byte{[]byte("one")}), nil)
	// The running meeting keeps its segments for its failover; they are the transcript's.
	wantErr(t, "keep segment", s.AppendTranscriptSegment(c, a.RoomCode, a.ID, 1, []byte("two")), nil)
	wantErr(t, "append", ts.AppendTranscriptSegments(c, a.ID, at(time.Minute), []byte("three"), []byte("four")), nil)
	got, segs, err := ts.Transcript(c, a.ID)
	wantErr(t, "Transcript", err, nil)
	if len(segs) != 4 || string(segs[0]) != "one" || string(segs[1]) != "two" || string(segs[3]) != "four" || got.Segments != 4 ||
		!got.Live || !got.EndedAt.IsZero() || !got.UpdatedAt.Equal(at(time.Minute)) || string(got.Meta) != `{"v":1}` {
		t.Fatalf("Transcript = %+v, %q", got, segs)
	}
	// Saved whole: what is stored is not written again, what is new is added.
	a.Live, a.EndedAt, a.UpdatedAt, a.Meta = false, at(10*time.Minute), at(10*time.Minute), []byte(`{"v":2}`)
	all := [][]byte{[]byte("one"), []byte("two"), []byte("three"), []byte("four"), []byte("five")}
	wantErr(t, "SaveTranscript whole", ts.SaveTranscript(c, a, all), nil)
	// A segment whose write was lost is written by the next whole save.
	wantErr(t, "keep segment 6", s.AppendTranscriptSegment(c, a.RoomCode, a.ID, 6, []byte("seven")), nil)
	all = append(all, []byte("six"), []byte("seven"))
	wantErr(t, "SaveTranscript with a gap", ts.SaveTranscript(c, a, all), nil)
	if _, segs, _ := ts.Transcript(c, a.ID); len(segs) != 7 || string(segs[5]) != "six" {
		t.Fatalf("after a save over a gap: %q", segs)
	}
	all = all[:5]
	wantErr(t, "SaveTranscript shorter", ts.SaveTranscript(c, a, all), nil)
	// The meeting's end forgets its state, not the transcript's segments.
	wantErr(t, "DeleteMeetingState", s.DeleteMeetingState(c, a.RoomCode, a.ID), nil)
	got, segs, err = ts.Transcript(c, a.ID)
	if err != nil || len(segs) != 5 || string(segs[4]) != "five" || got.Live || !got.EndedAt.Equal(at(10*time.Minute)) || string(got.Meta) != `{"v":2}` {
		t.Fatalf("after the meeting's end: %+v, %q, %v", got, segs, err)
	}

	// b is live; its meeting's state is gone: it ended with its node.
	b := store.Transcript{ID: "TS_b", RoomCode: "xyz-defg-hij", Meta: []byte(`{}`), StartedAt: at(time.Minute), Live: true,
		ExpiresAt: at(2 * time.Hour), UpdatedAt: at(20 * time.Minute)}
	wantErr(t, "SaveTranscript b", ts.SaveTranscript(c, b, [][]byte{[]byte("b0")}), nil)
	// c is live and its meeting runs (its state is there).
	cc := store.Transcript{ID: "TS_c", RoomCode: "ccc-cccc-ccc", Meta: []byte(`{}`), StartedAt: at(2 * time.Minute), Live: true,
		ExpiresAt: at(2 * time.Hour), UpdatedAt: at(20 * time.Minute)}
	wantErr(t, "SaveTranscript c", ts.SaveTranscript(c, cc, nil), nil)
	wantErr(t, "SaveMeetingState", s.SaveMeetingState(c, store.MeetingState{RoomCode: cc.RoomCode, Data: []byte("x"), UpdatedAt: at(time.Hour)}), nil)
	list, err := ts.Transcripts(c)
	if err != nil || len(list) != 3 || list[0].ID != "TS_c" || list[2].ID != "TS_a" || list[1].Segments != 1 || list[2].Segments != 5 {
		t.Fatalf("Transcripts = %+v, %v; want c, b, a with their segment counts", list, err)
	}
	n, err := ts.EndOrphanTranscripts(c, at(30*time.Minute), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("EndOrphanTranscripts = %d, %v; want 1 (b)", n, err)
	}
	got, _, _ = ts.Transcript(c, b.ID)
	if got.Live || !got.EndedAt.Equal(at(20*time.Minute)) || !got.ExpiresAt.Equal(at(80*time.Minute)) {
		t.Fatalf("orphan after ending: %+v", got)
	}
	if got, _, _ = ts.Transcript(c, cc.ID); !got.Live {
		t.Fatal("a transcript whose meeting runs was ended")
	}

	if n, err := ts.DeleteExpiredTranscripts(c, at(59*time.Minute)); err != nil || n != 0 {
		t.Fatalf("early DeleteExpiredTranscripts = %d, %v", n, err)
	}
	if n, err := ts.DeleteExpiredTranscripts(c, at(3*time.Hour)); err != nil || n != 2 {
		t.Fatalf("DeleteExpiredTranscripts = %d, %v; want a and b (c is live)", n, err)
	}
	if _, _, err := ts.Transcript(c, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an expired transcript remains: %v", err)
	}
	if segs, err := s.TranscriptSegments(c, a.ID); err != nil || len(segs) != 0 {
		t.Fatalf("segments of an expired transcript remain: %q, %v", segs, err)
	}
}
