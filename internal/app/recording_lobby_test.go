package app

import (
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
)

// TestRecordingLobby: someone waiting in the lobby is told when recording starts and stops,
// and someone arriving in the lobby of a recorded meeting is told at once.
func TestRecordingLobby(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Recording.Notice = config.Duration(200 * time.Millisecond) })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC := signIn(t, base, "Dominique")
	code := createRoom(t, ownerHC, base, "trusted")
	owner := &speaker{participant: joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})}

	early, first := knock(t, base, code, guestToken(t, base, code, "Early"))
	if first["type"] != "lobby" {
		t.Fatalf("guest: %v, want lobby", first)
	}
	if m := early.next("recording_state"); m["state"] != "off" || m["can_control"] != false {
		t.Fatalf("in the lobby before recording: %v", m)
	}
	owner.control(t, `{"type":"recording","action":"start"}`)
	if m := early.next("recording_state"); m["state"] != "starting" {
		t.Fatalf("in the lobby when recording is announced: %v", m)
	}
	if m := early.next("recording_state"); m["state"] != "active" || m["recording_id"] != nil {
		t.Fatalf("in the lobby while recording: %v (no recording id for guests)", m)
	}
	late, first := knock(t, base, code, guestToken(t, base, code, "Late"))
	if first["type"] != "lobby" {
		t.Fatalf("late guest: %v, want lobby", first)
	}
	if m := late.next("recording_state"); m["state"] != "active" {
		t.Fatalf("arriving in the lobby of a recorded meeting: %v", m)
	}
	owner.control(t, `{"type":"recording","action":"stop"}`)
	if m := early.next("recording_state"); m["state"] != "off" {
		t.Fatalf("in the lobby after recording: %v", m)
	}
}

// TestRecordingRefused: recording turned off, or a disk too full, is said plainly.
func TestRecordingRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		code   string
	}{
		{"turned off", func(c *config.Config) { c.Recording.Enabled = false }, signal.CodeRecordingUnavailable},
		{"disk full", func(c *config.Config) {
			c.Recording.Notice = config.Duration(100 * time.Millisecond)
			c.Recording.MinFreeBytes = 1 << 62
		}, signal.CodeRecordingFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := startServer(t, tc.mutate)
			api, err := client.NewAPI(true)
			if err != nil {
				t.Fatal(err)
			}
			ownerHC := signIn(t, base, "Dominique")
			code := createRoom(t, ownerHC, base, "public")
			owner := &speaker{participant: joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})}
			if st := owner.c.Welcome().Recording; st.Available != (tc.code != signal.CodeRecordingUnavailable) {
				t.Fatalf("welcome: %+v", st)
			}
			owner.control(t, `{"type":"recording","action":"start"}`)
			eventually(t, 5*time.Second, "the error "+tc.code, func() bool {
				return owner.sawEvent(func(m any) bool {
					e, ok := m.(*signal.ErrorMessage)
					return ok && e.Code == tc.code && !e.Fatal
				})
			})
			if st := owner.recordingState(); st.State != signal.RecordingOff {
				t.Fatalf("state after a refused start: %+v", st)
			}
		})
	}
}
