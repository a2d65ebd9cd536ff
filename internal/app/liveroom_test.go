package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"visio/internal/client"
	"visio/internal/signal"
)

// resumeMadeUp opens a signalling socket on room code and joins with a made-up resume token;
// it returns the error code the server answers with.
func resumeMadeUp(t *testing.T, base, code string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/rooms/" + code + "/ws"
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{signal.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"join","resume_token":"made-up"}`)); err != nil {
		t.Fatal(err)
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var e signal.ErrorMessage
	if err := json.Unmarshal(data, &e); err != nil || e.Type != "error" {
		t.Fatalf("answer %s, want an error", data)
	}
	return e.Code
}

// TestNoLiveStateWithoutJoin: a made-up resume token opens no meeting, on an idle room or a live
// one, and a meeting closes with its last participant.
func TestNoLiveStateWithoutJoin(t *testing.T) {
	base := startServer(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	code := newRoom(t, base)
	if got := resumeMadeUp(t, base, code); got != signal.CodeResumeExpired {
		t.Fatalf("made-up resume: %s, want %s", got, signal.CodeResumeExpired)
	}
	if got := metric(t, base, "visio_rooms"); got != 0 {
		t.Fatalf("visio_rooms = %v after a made-up resume on an idle room, want 0", got)
	}

	a := join(t, api, base, code, "Alice")
	if got := resumeMadeUp(t, base, code); got != signal.CodeResumeExpired {
		t.Fatalf("made-up resume on a live room: %s", got)
	}
	if got := metric(t, base, "visio_rooms"); got != 1 {
		t.Fatalf("visio_rooms = %v with Alice in, want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.c.Leave(ctx)
	a.close()
	eventually(t, 10*time.Second, "the empty meeting to close", func() bool {
		return metric(t, base, "visio_rooms") == 0 && metric(t, base, "visio_sfu_peer_connections") == 0
	})
}
