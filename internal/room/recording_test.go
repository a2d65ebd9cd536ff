package room_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

func TestRecordingControl(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		p, c := w.enter(owner("Ada"))
		if st := welcome(t, c).Recording; st.Available || st.State != room.RecordingOff {
			t.Fatalf("welcome says %#v", st)
		}
		if err := p.ControlRecording("start", false); !errors.Is(err, room.ErrRecordingUnavailable) {
			t.Fatalf("start: %v", err)
		}
	})

	svc := &roomtest.RecordingService{}
	w := newWorld(t, 10, nil)
	w.ms.SetRecording(&room.Recording{Service: svc, Notice: 3 * time.Second})
	mod, mc := w.enter(owner("Ada"))
	mem, bc := w.enter(member("Max"))
	if s := welcome(t, mc).Recording; !s.Available || !s.CanControl || s.State != room.RecordingOff {
		t.Fatalf("the owner's welcome says %#v", s)
	}
	if s := welcome(t, bc).Recording; !s.Available || s.CanControl {
		t.Fatalf("a member's welcome says %#v", s)
	}
	if err := mem.ControlRecording("start", false); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("a member starts: %v, want ErrForbidden", err)
	}

	// Announced to everyone, and to the lobby, before anything is recorded.
	if err := mod.ControlRecording("start", false); err != nil {
		t.Fatal(err)
	}
	_, lc := w.knock(guest("Gus"))
	for _, c := range []*roomtest.Conn{mc, bc, lc} {
		got := roomtest.Of[room.RecordingState](c)
		if len(got) == 0 || got[len(got)-1].State != room.RecordingStarting || got[len(got)-1].By == nil || got[len(got)-1].By.Name != "Ada" {
			t.Fatalf("told %#v, want starting by Ada", got)
		}
	}
	if len(svc.Started()) != 0 {
		t.Fatal("recording began before the notice was over")
	}
	w.clock.Advance(3 * time.Second)
	started := svc.Started()
	if len(started) != 1 || started[0].Room != code || len(started[0].Participants) != 2 {
		t.Fatalf("service started %#v", started)
	}
	mediaRoom := w.media.Rooms(code)[0]
	rec, _ := mediaRoom.Recorder().(*roomtest.Recorder)
	if rec == nil {
		t.Fatal("the meeting's media is not recorded")
	}
	for _, c := range []*roomtest.Conn{mc, bc, lc} {
		got := roomtest.Of[room.RecordingState](c)
		if st := got[len(got)-1]; st.State != room.RecordingActive || st.StartedAt == nil {
			t.Fatalf("told %#v, want active", st)
		}
	}
	if st := roomtest.Of[room.RecordingState](mc); st[len(st)-1].RecordingID != rec.ID() {
		t.Errorf("the moderator is not told the recording id: %#v", st[len(st)-1])
	}
	if st := roomtest.Of[room.RecordingState](bc); st[len(st)-1].RecordingID != "" {
		t.Errorf("a member is told the recording id")
	}
	// Someone entering now knows from the welcome, and is named in the recording.
	late, lateC := w.enter(member("Lea"))
	if st := welcome(t, lateC).Recording; st.State != room.RecordingActive {
		t.Fatalf("late welcome: %#v", st)
	}
	if rec.Name(late.ID()) != "Lea" {
		t.Error("the late participant's name is not recorded")
	}
	if err := mod.ControlRecording("start", false); err != nil || len(svc.Started()) != 1 {
		t.Fatalf("second start: %v; want nothing to happen", err)
	}

	if err := mod.ControlRecording("stop", false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(svc.Finished()) == 1 })
	if mediaRoom.Recorder() != nil {
		t.Error("the media is still recorded after stop")
	}
	if got := roomtest.Of[room.RecordingState](bc); got[len(got)-1].State != room.RecordingOff {
		t.Fatalf("after stop: %#v", got[len(got)-1])
	}

	// A start cancelled during the notice records nothing.
	if err := mod.ControlRecording("start", true); err != nil {
		t.Fatal(err)
	}
	if err := mod.ControlRecording("stop", false); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(5 * time.Second)
	if len(svc.Started()) != 1 {
		t.Fatal("a cancelled recording began")
	}
}

func TestRecordingFails(t *testing.T) {
	svc := &roomtest.RecordingService{Fail: fmt.Errorf("statfs: %w", room.ErrRecordingDiskFull)}
	w := newWorld(t, 10, nil)
	w.ms.SetRecording(&room.Recording{Service: svc, Notice: time.Second})
	mod, mc := w.enter(owner("Ada"))
	_, bc := w.enter(member("Max"))
	if err := mod.ControlRecording("start", false); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Second)
	failed := roomtest.Of[room.RecordingFailed](mc)
	if len(failed) != 1 || failed[0].Message != "The recording could not start: the server's disk is nearly full." {
		t.Fatalf("the moderator was told %#v", failed)
	}
	if len(roomtest.Of[room.RecordingFailed](bc)) != 0 {
		t.Error("someone else was told the moderator's error")
	}
	if got := roomtest.Of[room.RecordingState](bc); got[len(got)-1].State != room.RecordingOff || got[len(got)-1].Stopped != "failed" {
		t.Fatalf("after a failed start: %#v", got[len(got)-1])
	}
}

// waitFor waits for cond, which work on the meetings' goroutines makes true.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("timed out")
		case <-time.After(time.Millisecond):
		}
	}
}
