package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/client"
	"visio/internal/signal"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(cleanAfter{m})
}

// cleanAfter runs the tests, then removes what the run built (visioBinary).
type cleanAfter struct{ m *testing.M }

func (c cleanAfter) Run() int {
	code := c.m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	return code
}

// TestFiveParticipants: five participants each publish audio and video; every participant
// receives every other's tracks with the exact payloads, in order, without gaps. Then one
// leaves, a new one joins, and one whose network drops comes back within the grace period.
func TestFiveParticipants(t *testing.T) {
	base := startServer(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}

	const n = 5
	ps := make([]*participant, n)
	for i := range ps {
		ps[i] = join(t, api, base, code, fmt.Sprintf("P%d", i))
		ps[i].publish(byte(i))
	}

	// trackIDs[i] = [audio, video] server ids of participant i's tracks, as participant j sees them.
	allReceiving := func(min int) func() bool {
		return func() bool {
			for j, pj := range ps {
				for i, pi := range ps {
					if i == j {
						continue
					}
					for _, src := range []string{"microphone", "camera"} {
						id := pj.trackOf(pi.c.ID(), src)
						if id == "" {
							return false
						}
						pkts, _ := pj.packets(id)
						if len(pkts) < min {
							return false
						}
					}
				}
			}
			return true
		}
	}
	if !within(30*time.Second, allReceiving(40)) {
		for j, pj := range ps {
			for i, pi := range ps {
				if i == j {
					continue
				}
				for _, src := range []string{"microphone", "camera"} {
					id := pj.trackOf(pi.c.ID(), src)
					pkts, _ := pj.packets(id)
					if len(pkts) < 40 {
						t.Logf("P%d <- P%d %s: track %q, %d packets", j, i, src, id, len(pkts))
					}
				}
			}
		}
		if os.Getenv("VISIO_TEST_DUMP") != "" {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
		}
		t.Fatal("timed out waiting for every participant to receive every other's audio and video")
	}

	var reordered int
	for j, pj := range ps {
		for i, pi := range ps {
			if i == j {
				continue
			}
			a, _ := pj.packets(pj.trackOf(pi.c.ID(), "microphone"))
			v, _ := pj.packets(pj.trackOf(pi.c.ID(), "camera"))
			reordered += checkStream(t, fmt.Sprintf("P%d<-P%d audio", j, i), a, byte(i), 'a', 160)
			reordered += checkStream(t, fmt.Sprintf("P%d<-P%d video", j, i), v, byte(i), 'v', 1000)
		}
	}
	t.Logf("%d packets arrived out of order (loopback; repaired by sequence number)", reordered)

	t.Run("leave removes the tracks for others", func(t *testing.T) {
		leaver := ps[4]
		lid := leaver.c.ID()
		audio := ps[0].trackOf(lid, "microphone")
		video := ps[0].trackOf(lid, "camera")
		lctx, lcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer lcancel()
		leaver.cancel()
		leaver.src.Wait()
		leaver.cancel = nil
		leaver.c.Leave(lctx)
		for _, p := range ps[:4] {
			eventually(t, 10*time.Second, "participant_left", func() bool {
				return p.sawEvent(func(e any) bool {
					m, ok := e.(*signal.ParticipantLeft)
					return ok && m.ParticipantID == lid && m.Reason == "left"
				})
			})
		}
		eventually(t, 10*time.Second, "the leaver's tracks to end for others", func() bool {
			_, aEnded := ps[0].packets(audio)
			_, vEnded := ps[0].packets(video)
			return aEnded && vEnded
		})
	})

	t.Run("rejoin", func(t *testing.T) {
		again := join(t, api, base, code, "P4")
		again.publish(9)
		if again.c.ID() == "" {
			t.Fatal("no id")
		}
		eventually(t, 15*time.Second, "others to receive the rejoined participant's media", func() bool {
			for _, p := range ps[:4] {
				id := p.trackOf(again.c.ID(), "camera")
				pkts, _ := p.packets(id)
				if id == "" || len(pkts) < 10 {
					return false
				}
			}
			return true
		})
		eventually(t, 15*time.Second, "the rejoined participant to receive the others", func() bool {
			for _, p := range ps[:4] {
				pkts, _ := again.packets(again.trackOf(p.c.ID(), "microphone"))
				if len(pkts) < 10 {
					return false
				}
			}
			return true
		})
		ps[4] = again
	})

	t.Run("network drop within the grace period keeps the place", func(t *testing.T) {
		p0 := ps[0]
		id := p0.c.ID()
		p0.c.DropSignalling()
		eventually(t, 10*time.Second, "others to see the participant reconnecting", func() bool {
			return ps[1].sawEvent(func(e any) bool {
				m, ok := e.(*signal.ParticipantEvent)
				return ok && m.Participant.ID == id && m.Participant.State == "away"
			})
		})
		track := ps[1].trackOf(id, "camera")
		before, _ := ps[1].packets(track)

		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer rcancel()
		if err := p0.c.Resume(rctx); err != nil {
			t.Fatalf("resume: %v", err)
		}
		w := p0.c.Welcome()
		if !w.Resumed || w.Participant.ID != id {
			t.Fatalf("welcome after resume: resumed=%v id=%s, want true and %s", w.Resumed, w.Participant.ID, id)
		}
		eventually(t, 10*time.Second, "media from the resumed participant to keep flowing", func() bool {
			after, _ := ps[1].packets(track)
			return len(after) > len(before)+30
		})
		eventually(t, 10*time.Second, "the resumed participant to keep receiving", func() bool {
			pkts, _ := p0.packets(p0.trackOf(ps[2].c.ID(), "camera"))
			return len(pkts) > 0
		})
		for _, p := range ps[1:] {
			if p.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ParticipantLeft)
				return ok && m.ParticipantID == id
			}) {
				t.Errorf("%s saw the reconnecting participant leave", p.c.ID())
			}
		}
		after, _ := ps[1].packets(track)
		checkStream(t, "P1<-P0 video across the reconnect", after, 0, 'v', 1000)
	})
}
