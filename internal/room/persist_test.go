package room_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
	vstore "visio/internal/store"
	"visio/internal/store/sqlite"
)

// sharedDB is a real store, as the nodes of a cluster share one.
func sharedDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// node is one server's meetings keeping their state in db.
func node(t *testing.T, db vstore.MeetingStates, tx *room.Transcription) *world {
	t.Helper()
	return newWorldWith(t, 20, tx, func(p *room.Params) { p.State = db; p.ChatArchive = &roomtest.ChatArchive{} })
}

// settle waits for w's state writes; w starts nothing from then on, as a killed node.
func (w *world) settle() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.ms.Wait(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// stateSaved waits until the saved state of the meeting satisfies ok (nil: deleted).
func stateSaved(t *testing.T, db vstore.MeetingStates, ok func(data string) bool) {
	t.Helper()
	waitFor(t, func() bool {
		row, err := db.LoadMeetingState(t.Context(), code)
		if errors.Is(err, vstore.ErrNotFound) {
			return ok == nil
		}
		return err == nil && ok != nil && ok(string(row.Data))
	})
}

func lobbyIDs(list []room.LobbyEntry) []string {
	var ids []string
	for _, e := range list {
		ids = append(ids, e.RequestID)
	}
	return ids
}

// TestTakeoverKeepsMeetingState: the node holding a meeting stops answering (as killed); the
// node that takes the meeting over, sharing the store, gives everyone back their identity and
// role, keeps the lock and the removals, gives the lobby back its queue when its people knock
// again, and continues the transcription on the same transcript.
func TestTakeoverKeepsMeetingState(t *testing.T) {
	db := sharedDB(t)
	tx := func() *room.Transcription {
		return &room.Transcription{Recognizer: recognizer{}, Language: "fr", Store: &store{}}
	}
	a := node(t, db, tx())
	ada, adaConn := a.enter(owner("Ada"))
	bob, _ := a.enter(member("Bob"))
	vic, _ := a.enter(viewer("Vic"))
	mal, _ := a.enter(member("Mal"))
	gail, _ := a.knock(guest("Gail"))
	a.clock.Advance(time.Second)
	gus, _ := a.knock(guest("Gus"))
	for _, step := range []struct{ action, target string }{
		{room.ActionPromote, vic.ID()}, {room.ActionRemove, mal.ID()}, {room.ActionLock, ""},
	} {
		if err := ada.Moderate(t.Context(), step.action, step.target); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
	}
	if err := ada.ControlTranscription("start"); err != nil {
		t.Fatal(err)
	}
	ada.SetCaptions(true)
	if err := ada.KeepChat(true); err != nil {
		t.Fatal(err)
	}
	transcript := roomtest.Of[room.TranscriptionState](adaConn)
	a.settle()
	// Node a is gone from here on: it writes nothing more (its meetings are shut down when the
	// test ends, which a killed node never does).

	b := node(t, db, tx())
	ada2, ac := b.enter(owner("Ada"))
	wel := welcome(t, ac)
	if ada2.ID() != ada.ID() || !wel.Room.Locked || !wel.Transcription.Active {
		t.Fatalf("the owner came back as %s (was %s), room %+v, transcription %+v", ada2.ID(), ada.ID(), wel.Room, wel.Transcription)
	}
	if id := transcript[len(transcript)-1].TranscriptID; wel.Transcription.TranscriptID != id {
		t.Fatalf("transcript %s after the takeover, was %s", wel.Transcription.TranscriptID, id)
	}
	if !b.media.Rooms(code)[0].Tapped() {
		t.Fatal("the transcription does not listen on the new node")
	}
	if !wel.ChatState.Kept || wel.ChatState.By == nil || wel.ChatState.By.Name != "Ada" {
		t.Fatalf("the choice to keep the chat after the takeover: %+v", wel.ChatState)
	}
	bob2, _ := b.enter(member("Bob")) // the meeting is locked, but Bob was in it
	vic2, vc := b.enter(viewer("Vic"))
	if bob2.ID() != bob.ID() || vic2.ID() != vic.ID() {
		t.Fatalf("ids after the takeover: Bob %s (was %s), Vic %s (was %s)", bob2.ID(), bob.ID(), vic2.ID(), vic.ID())
	}
	if w := welcome(t, vc); w.Participant.Role != room.RoleAdmin || !slices.Contains(w.Permissions, "moderate") {
		t.Fatalf("Vic, promoted, came back as %q with %v", w.Participant.Role, w.Permissions)
	}
	if _, _, err := b.ms.Join(code, "192.0.2.3", &roomtest.Conn{}, member("Mal")); !errors.Is(err, room.ErrRemoved) {
		t.Fatalf("Mal, removed, joins: %v, want ErrRemoved", err)
	}
	if _, _, err := b.ms.Join(code, "192.0.2.3", &roomtest.Conn{}, member("Nia")); !errors.Is(err, room.ErrLocked) {
		t.Fatalf("Nia joins the locked meeting: %v, want ErrLocked", err)
	}
	// Gus knocks again before Gail: the queue keeps its order and its request ids.
	gus2, _ := b.knock(guest("Gus"))
	gail2, gc := b.knock(guest("Gail"))
	if gus2.ID() != gus.ID() || gail2.ID() != gail.ID() {
		t.Fatalf("lobby requests %s, %s after the takeover; were %s, %s", gus2.ID(), gail2.ID(), gus.ID(), gail.ID())
	}
	_, ac2 := b.enter(owner("Ada")) // a second tab sees the lobby in its welcome
	if got := lobbyIDs(welcome(t, ac2).Lobby); !slices.Equal(got, []string{gail.ID(), gus.ID()}) {
		t.Fatalf("lobby %v, want Gail then Gus", got)
	}
	if err := ada2.Decide(true, []string{gail2.ID()}, false); err != nil {
		t.Fatal(err)
	}
	if gail2.Admitted() == nil {
		t.Fatalf("Gail not admitted: %#v", gc.Events())
	}
}

// TestTakeoverUnreadableState: a corrupt or unknown-version state does not stop the meeting:
// it starts afresh and the first moderator is told.
func TestTakeoverUnreadableState(t *testing.T) {
	for name, data := range map[string]string{"corrupt": `{"v":1,"created":`, "unknown version": `{"v":99,"created":"2026-03-02T09:00:00Z"}`} {
		t.Run(name, func(t *testing.T) {
			db := sharedDB(t)
			w := node(t, db, nil)
			if err := db.SaveMeetingState(t.Context(), vstore.MeetingState{RoomCode: code, Data: []byte(data), UpdatedAt: w.clock.Now()}); err != nil {
				t.Fatal(err)
			}
			_, mc := w.enter(member("Max"))
			if got := roomtest.Of[room.StateLost](mc); len(got) != 0 {
				t.Fatalf("a member was told %v", got)
			}
			_, ac := w.enter(owner("Ada"))
			if got := roomtest.Of[room.StateLost](ac); len(got) != 1 || got[0].Message == "" {
				t.Fatalf("the moderator was told %v, want one StateLost", roomtest.Of[room.StateLost](ac))
			}
			if welcome(t, ac).Room.Locked {
				t.Fatal("locked after a state that could not be read")
			}
			w.settle()
			row, err := db.LoadMeetingState(t.Context(), code)
			if err != nil || string(row.Data) == data {
				t.Fatalf("the unreadable state was not replaced: %q, %v", row.Data, err)
			}
		})
	}
}

// TestMeetingEndForgetsState: once everyone left, the meeting's state is deleted, and a stale
// state (its meeting ended with its node long ago) is not taken over.
func TestMeetingEndForgetsState(t *testing.T) {
	db := sharedDB(t)
	w := node(t, db, nil)
	ada, _ := w.enter(owner("Ada"))
	if err := ada.Moderate(t.Context(), room.ActionLock, ""); err != nil {
		t.Fatal(err)
	}
	locked := func(data string) bool { return strings.Contains(data, `"locked":true`) }
	stateSaved(t, db, locked)
	ada.Leave()
	stateSaved(t, db, nil)

	// A state left by a node that died an hour ago.
	ada, _ = w.enter(owner("Ada"))
	if err := ada.Moderate(t.Context(), room.ActionLock, ""); err != nil {
		t.Fatal(err)
	}
	stateSaved(t, db, locked)
	other := node(t, db, nil)
	other.clock.Advance(time.Hour)
	_, c := other.enter(owner("Ada"))
	if welcome(t, c).Room.Locked {
		t.Fatal("a stale state was taken over")
	}
}

// TestTakeoverContinuesRecording: a recording running when its node is lost goes on, as a
// second part, on the node that takes the meeting over, without a second notice.
func TestTakeoverContinuesRecording(t *testing.T) {
	db := sharedDB(t)
	svcA, svcB := &roomtest.RecordingService{}, &roomtest.RecordingService{}
	a := node(t, db, nil)
	a.ms.SetRecording(&room.Recording{Service: svcA, Notice: 3 * time.Second})
	ada, _ := a.enter(owner("Ada"))
	if err := ada.ControlRecording("start", true); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(3 * time.Second)
	if len(svcA.Started()) != 1 {
		t.Fatalf("started %v", svcA.Started())
	}
	first := a.media.Rooms(code)[0].Recorder().ID()
	stateSaved(t, db, func(d string) bool { return strings.Contains(d, first) })
	a.settle()

	b := node(t, db, nil)
	b.ms.SetRecording(&room.Recording{Service: svcB, Notice: 3 * time.Second})
	_, c := b.enter(owner("Ada"))
	b.clock.Advance(0)
	waitFor(t, func() bool { return len(svcB.Started()) == 1 })
	if st := svcB.Started()[0]; !st.AudioOnly || st.By.Name != "Ada" {
		t.Fatalf("the next part started as %+v", st)
	}
	waitFor(t, func() bool {
		got := roomtest.Of[room.RecordingState](c)
		return len(got) > 0 && got[len(got)-1].State == room.RecordingActive
	})
	if got := welcome(t, c).Recording; got.State == room.RecordingOff {
		t.Fatalf("the welcome after the takeover says %+v", got)
	}
}
