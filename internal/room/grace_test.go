package room_test

import (
	"errors"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

func TestReconnectGrace(t *testing.T) {
	tests := []struct {
		name    string
		after   time.Duration // between the drop and the resume
		resumed bool
	}{
		{"resume at once", 0, true},
		{"resume just within grace", grace - time.Millisecond, true},
		{"expired", grace, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 10, nil)
			_, ac := w.enter(owner("Ada"))
			b, bc := w.enter(member("Bob"))
			token := welcome(t, bc).ResumeToken

			b.Detach(bc)
			if got := roomtest.Of[room.ParticipantUpdated](ac); len(got) == 0 || got[len(got)-1].Participant.State != "away" {
				t.Fatalf("Ada saw %#v, want Bob away", got)
			}
			w.clock.Advance(tt.after)

			bc2 := &roomtest.Conn{}
			p, err := w.ms.Resume(code, token, bc2)
			if !tt.resumed {
				if !errors.Is(err, room.ErrResumeExpired) {
					t.Fatalf("resume after %s: %v, want ErrResumeExpired", tt.after, err)
				}
				left := roomtest.Of[room.ParticipantLeft](ac)
				if len(left) != 1 || left[0].ParticipantID != b.ID() || left[0].Reason != "timeout" {
					t.Fatalf("Ada saw %#v, want Bob left on timeout", left)
				}
				if _, closed, _ := w.peer(b).State(); !closed {
					t.Fatal("Bob's media still open after his grace")
				}
				return
			}
			if err != nil || p != b {
				t.Fatalf("resume: %v, %v; want Bob back", p, err)
			}
			wl := welcome(t, bc2)
			if !wl.Resumed || wl.ResumeToken == token || wl.ResumeToken == "" {
				t.Fatalf("welcome %#v: want resumed with a new token", wl)
			}
			if _, _, resumed := w.peer(b).State(); resumed != 1 {
				t.Fatalf("media resumed %d times, want 1", resumed)
			}
			w.clock.Advance(2 * grace) // the grace timer was stopped
			if n := w.ms.Participants(code); n != 2 {
				t.Fatalf("%d participants after the grace would have ended, want 2", n)
			}
			if _, err := w.ms.Resume(code, token, &roomtest.Conn{}); !errors.Is(err, room.ErrResumeExpired) {
				t.Fatalf("the old token resumes again: %v", err)
			}
		})
	}
}

func TestResumeReplacesConnection(t *testing.T) {
	w := newWorld(t, 10, nil)
	b, bc := w.enter(member("Bob"))
	bc2 := &roomtest.Conn{}
	if _, err := w.ms.Resume(code, welcome(t, bc).ResumeToken, bc2); err != nil {
		t.Fatal(err)
	}
	if bye := closedWith[room.Bye](t, bc); bye.Reason != "replaced" {
		t.Fatalf("old connection closed with %q, want replaced", bye.Reason)
	}
	b.Detach(bc) // the old socket ends afterwards: nothing changes
	w.clock.Advance(2 * grace)
	if n := w.ms.Participants(code); n != 1 {
		t.Fatalf("%d participants, want Bob still in", n)
	}
	// Media events reach the connection the participant is on.
	w.peer(b).Events.OnOffer("v=0")
	if got := roomtest.Of[room.Offer](bc2); len(got) != 1 {
		t.Fatalf("offers on the new connection: %d, want 1", len(got))
	}
	if got := roomtest.Of[room.Offer](bc); len(got) != 0 {
		t.Fatalf("offers on the old connection: %d, want 0", len(got))
	}
}

func TestTracksAreShown(t *testing.T) {
	w := newWorld(t, 10, nil)
	a, _ := w.enter(member("Ada"))
	_, bc := w.enter(member("Bob"))
	w.peer(a).Publish("TR_1", room.SourceCamera)
	got := roomtest.Of[room.ParticipantUpdated](bc)
	if len(got) == 0 {
		t.Fatal("Bob was not told of Ada's track")
	}
	last := got[len(got)-1].Participant
	if last.ID != a.ID() || len(last.Tracks) != 1 || last.Tracks[0].Source != room.SourceCamera {
		t.Fatalf("Bob saw %#v", last)
	}
	a.Mute(room.SourceCamera, true)
	got = roomtest.Of[room.ParticipantUpdated](bc)
	if last := got[len(got)-1].Participant; !last.Tracks[0].Muted {
		t.Fatalf("Bob saw %#v, want the camera muted", last)
	}
}
