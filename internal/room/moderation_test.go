package room_test

import (
	"errors"
	"slices"
	"testing"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

func TestModeration(t *testing.T) {
	type scene struct {
		w            *world
		mod, bob     *room.Participant
		modC, bobC   *roomtest.Conn
		admin, guest *room.Participant
	}
	tests := []struct {
		action string
		target func(s scene) *room.Participant
		check  func(t *testing.T, s scene)
	}{
		{room.ActionMute, func(s scene) *room.Participant { return s.bob }, func(t *testing.T, s scene) {
			if !s.w.peer(s.bob).Muted(room.SourceMicrophone) {
				t.Fatal("Bob's microphone still forwarded")
			}
		}},
		{room.ActionCameraOff, func(s scene) *room.Participant { return s.bob }, func(t *testing.T, s scene) {
			if !s.w.peer(s.bob).Muted(room.SourceCamera) || s.w.peer(s.bob).Muted(room.SourceMicrophone) {
				t.Fatal("camera off did not stop the camera alone")
			}
		}},
		{room.ActionStopScreen, func(s scene) *room.Participant { return s.bob }, func(t *testing.T, s scene) {
			if p := s.w.peer(s.bob); !p.Muted(room.SourceScreen) || !p.Muted(room.SourceScreenAudio) {
				t.Fatal("stop screen left the screen share forwarded")
			}
		}},
		{room.ActionMuteAll, nil, func(t *testing.T, s scene) {
			if !s.w.peer(s.bob).Muted(room.SourceMicrophone) || !s.w.peer(s.guest).Muted(room.SourceMicrophone) {
				t.Fatal("mute all left a participant's microphone on")
			}
			if s.w.peer(s.mod).Muted(room.SourceMicrophone) || s.w.peer(s.admin).Muted(room.SourceMicrophone) {
				t.Fatal("mute all muted a moderator")
			}
		}},
		{room.ActionRemove, func(s scene) *room.Participant { return s.bob }, func(t *testing.T, s scene) {
			if bye := closedWith[room.Bye](t, s.bobC); bye.Reason != "removed" {
				t.Fatalf("Bob closed with %q", bye.Reason)
			}
			if pub, sub := s.w.peer(s.bob).Permitted(); pub || sub {
				t.Fatal("Bob's media still flows")
			}
			if _, closed, _ := s.w.peer(s.bob).State(); !closed {
				t.Fatal("Bob's media not closed")
			}
			left := roomtest.Of[room.ParticipantLeft](s.modC)
			if len(left) != 1 || left[0].Reason != "removed" {
				t.Fatalf("moderator saw %#v", left)
			}
			// He cannot come straight back, with a new token or through the lobby.
			if _, _, err := s.w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, member("Bob")); !errors.Is(err, room.ErrRemoved) {
				t.Fatalf("Bob rejoins: %v, want ErrRemoved", err)
			}
			if _, err := s.w.ms.Resume(code, welcome(t, s.bobC).ResumeToken, &roomtest.Conn{}); !errors.Is(err, room.ErrResumeExpired) {
				t.Fatalf("Bob resumes: %v, want ErrResumeExpired", err)
			}
		}},
		{room.ActionLock, nil, func(t *testing.T, s scene) {
			if got := roomtest.Of[room.RoomUpdated](s.bobC); len(got) != 1 || !got[0].Room.Locked || !s.w.ms.Locked(code) {
				t.Fatalf("Bob saw %#v, want the room locked", got)
			}
			if _, _, err := s.w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, member("Zoe")); !errors.Is(err, room.ErrLocked) {
				t.Fatalf("member joins a locked meeting: %v, want ErrLocked", err)
			}
			// The join-token check agrees: Zoe is locked out, Bob (in the meeting, who may come
			// back after a lost connection or a takeover) is not.
			if !s.w.ms.LockedOut(code, "US_Zoe") || s.w.ms.LockedOut(code, "US_Bob") {
				t.Fatalf("locked out: Zoe %v, Bob %v; want Zoe only", s.w.ms.LockedOut(code, "US_Zoe"), s.w.ms.LockedOut(code, "US_Bob"))
			}
			if _, _, err := s.w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, guest("Zed")); !errors.Is(err, room.ErrLocked) {
				t.Fatalf("guest knocks at a locked meeting: %v, want ErrLocked", err)
			}
			s.w.enter(admin("Eve")) // moderators still enter
			if err := s.mod.Moderate(t.Context(), room.ActionUnlock, ""); err != nil || s.w.ms.Locked(code) {
				t.Fatalf("unlock: %v, locked %v", err, s.w.ms.Locked(code))
			}
		}},
		{room.ActionEnd, nil, func(t *testing.T, s scene) {
			for _, c := range []*roomtest.Conn{s.modC, s.bobC} {
				if bye := closedWith[room.Bye](t, c); bye.Reason != "ended" {
					t.Fatalf("closed with %q, want ended", bye.Reason)
				}
			}
			if s.w.ms.Live() != 0 || s.w.media.Open() != 0 {
				t.Fatal("the ended meeting is still live")
			}
		}},
		{room.ActionPromote, func(s scene) *room.Participant { return s.bob }, func(t *testing.T, s scene) {
			got := roomtest.Of[room.ParticipantUpdated](s.modC)
			if len(got) == 0 || got[len(got)-1].Participant.Role != room.RoleAdmin {
				t.Fatalf("moderator saw %#v, want Bob an administrator", got)
			}
			if !slices.Equal(s.w.roles.Promoted(), []string{code + "/US_Bob"}) {
				t.Fatalf("promotions recorded: %v", s.w.roles.Promoted())
			}
			if err := s.bob.Moderate(t.Context(), room.ActionMute, s.guest.ID()); err != nil {
				t.Fatalf("promoted Bob mutes: %v", err)
			}
			// A guest's promotion lasts the meeting only.
			if err := s.mod.Moderate(t.Context(), room.ActionPromote, s.guest.ID()); err != nil {
				t.Fatal(err)
			}
			if n := len(s.w.roles.Promoted()); n != 1 {
				t.Fatalf("%d promotions recorded, want the guest's not recorded", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			w := newWorld(t, 10, nil)
			var s scene
			s.w = w
			s.mod, s.modC = w.enter(owner("Ada"))
			s.admin, _ = w.enter(admin("Cyd"))
			s.bob, s.bobC = w.enter(member("Bob"))
			s.guest, _ = w.enter(viewer("Gus"))
			target := ""
			if tt.target != nil {
				target = tt.target(s).ID()
			}
			if err := s.mod.Moderate(t.Context(), tt.action, target); err != nil {
				t.Fatalf("%s: %v", tt.action, err)
			}
			ev := roomtest.Of[room.Moderated](s.bobC)
			if len(ev) == 0 || ev[0].Action != tt.action || ev[0].ActorID != s.mod.ID() || ev[0].TargetID != target {
				t.Fatalf("Bob saw %#v", ev)
			}
			tt.check(t, s)
		})
	}
}

// TestPermissions: who may do what to whom.
func TestPermissions(t *testing.T) {
	actors := map[string]room.Entrant{"owner": owner("Ada"), "admin": admin("Cyd"), "member": member("Max"), "guest": viewer("Gus")}
	tests := []struct {
		actor, action, target string // target "" for the meeting, "self" for the actor
		want                  error
	}{
		{"owner", room.ActionMute, "admin", nil},
		{"owner", room.ActionRemove, "member", nil},
		{"owner", room.ActionMute, "self", nil},
		{"owner", room.ActionRemove, "self", room.ErrForbidden},
		{"admin", room.ActionMute, "member", nil},
		{"admin", room.ActionMute, "owner", room.ErrForbidden},
		{"admin", room.ActionRemove, "owner", room.ErrForbidden},
		{"admin", room.ActionPromote, "owner", room.ErrForbidden},
		{"admin", room.ActionLock, "", nil},
		{"admin", room.ActionMute, "nobody", room.ErrUnknownParticipant},
		{"member", room.ActionMute, "guest", room.ErrForbidden},
		{"member", room.ActionLock, "", room.ErrForbidden},
		{"member", room.ActionEnd, "", room.ErrForbidden},
		{"guest", room.ActionRemove, "member", room.ErrForbidden},
		{"guest", room.ActionPromote, "self", room.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.actor+" "+tt.action+" "+tt.target, func(t *testing.T) {
			w := newWorld(t, 10, nil)
			in := map[string]*room.Participant{}
			for _, name := range []string{"owner", "admin", "member", "guest"} {
				in[name], _ = w.enter(actors[name])
			}
			actor := in[tt.actor]
			target := ""
			switch tt.target {
			case "":
			case "self":
				target = actor.ID()
			case "nobody":
				target = "PA_nobody"
			default:
				target = in[tt.target].ID()
			}
			err := actor.Moderate(t.Context(), tt.action, target)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEntry(t *testing.T) {
	t.Run("welcome permissions", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		for _, tt := range []struct {
			e    room.Entrant
			want []string
		}{
			{owner("Ada"), []string{"publish", "subscribe", "moderate"}},
			{member("Max"), []string{"publish", "subscribe"}},
			{viewer("Gus"), []string{"subscribe"}},
		} {
			p, c := w.enter(tt.e)
			if got := welcome(t, c).Permissions; !slices.Equal(got, tt.want) {
				t.Errorf("%s: permissions %v, want %v", tt.e.Name, got, tt.want)
			}
			pub, sub := w.peer(p).Permitted()
			if pub != tt.e.Publish || sub != tt.e.Subscribe {
				t.Errorf("%s: media permits publish %v subscribe %v", tt.e.Name, pub, sub)
			}
		}
	})
	t.Run("full", func(t *testing.T) {
		w := newWorld(t, 2, nil)
		mod, _ := w.enter(owner("Ada"))
		w.enter(member("Max"))
		if _, _, err := w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, member("Zoe")); !errors.Is(err, room.ErrFull) {
			t.Fatalf("third join: %v, want ErrFull", err)
		}
		// Admitted from the lobby into a full meeting: refused, and moderators are told.
		req, gc := w.knock(guest("Bob"))
		if err := mod.Decide(true, []string{req.ID()}, false); err != nil {
			t.Fatal(err)
		}
		if r := closedWith[room.Refused](t, gc); !errors.Is(r.Err, room.ErrFull) {
			t.Fatalf("refused with %v", r.Err)
		}
	})
}
