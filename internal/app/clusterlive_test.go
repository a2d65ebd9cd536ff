package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"visio/internal/api"
	"visio/internal/client"
	"visio/internal/signal"
)

// TestClusterLiveFigures: three nodes; the API's live figures of a room (participants, lock)
// are the same whichever node answers, though the meeting runs on one; a join token for the
// locked room is refused by every node.
func TestClusterLiveFigures(t *testing.T) {
	nodes := startCluster(t, 3)
	wapi, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC := signIn(t, nodes[0].app.URL(), "Dominique")
	code := createRoom(t, ownerHC, nodes[0].app.URL(), "public")
	owner := joinAs(t, wapi, nodes[0].app.URL(), code, "Dominique", ownerHC)
	h := holder(nodes, code)
	if h < 0 {
		t.Fatal("the meeting runs on no node")
	}
	join(t, wapi, nodes[(h+1)%3].app.URL(), code, "Basile")

	room := func(i int) api.RoomJSON {
		t.Helper()
		resp, err := http.Get(nodes[i].app.URL() + "/api/v1/rooms/" + code)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out api.RoomJSON
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("GET the room on node-%d: HTTP %d", i, resp.StatusCode)
		}
		return out
	}
	check := func(participants int, locked bool) {
		t.Helper()
		for i := range nodes {
			eventually(t, 5*time.Second, fmt.Sprintf("node-%d to show %d participants, locked %v", i, participants, locked), func() bool {
				r := room(i)
				return r.Participants == participants && r.Locked == locked
			})
		}
	}
	check(2, false)
	for i, nd := range nodes {
		if i != h && nd.app.hub.Participants(code) != 0 {
			t.Fatalf("node-%d holds participants of a room on node-%d", i, h)
		}
	}

	if err := owner.c.SendRaw(context.Background(), []byte(`{"type":"moderate","action":"lock"}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the room locked", func() bool {
		return owner.sawEvent(func(e any) bool { m, ok := e.(*signal.RoomUpdated); return ok && m.Room.Locked })
	})
	check(2, true)
	var status strings.Builder
	if err := ClusterStatus(context.Background(), nodes[0].app.cfg, &status, false, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("node-%d: %s (2, locked)", h, code); !strings.Contains(status.String(), want) {
		t.Errorf("visio cluster status shows\n%s\nwant a line %q", status.String(), want)
	}
	for i := range nodes {
		if _, err := client.RequestToken(context.Background(), nil, nodes[i].app.URL(), code, "Late"); apiCode(err) != "room_locked" {
			t.Errorf("join token for the locked room from node-%d: %v, want room_locked", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	owner.c.Leave(ctx)
	eventually(t, 5*time.Second, "the owner gone", func() bool { return nodes[h].app.hub.Participants(code) == 1 })
	check(1, nodes[h].app.hub.Locked(code))
}
