package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
)

// rawConn opens a signalling WebSocket without the client library, to send anything.
func rawConn(t *testing.T, base, code string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/rooms/"+code+"/ws",
		&websocket.DialOptions{Subprotocols: []string{signal.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

func sendRecv(t *testing.T, conn *websocket.Conn, msg string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read after %q: %v", msg, err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "participant_updated", "participant_joined", "offer":
			continue // room traffic
		}
		return m
	}
}

// TestBadInput: malformed, out-of-order, oversized and hostile messages get a clear error; the
// sender is disconnected only when it must be; the rest of the room carries on.
func TestBadInput(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Signal.MaxMessageBytes = 16 << 10 })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	// Two well-behaved participants keep talking through all of it.
	a := join(t, api, base, code, "Alice")
	a.publish(1)
	b := join(t, api, base, code, "Bob")
	b.publish(2)
	receiving := func() int {
		pkts, _ := b.packets(b.trackOf(a.c.ID(), "camera"))
		return len(pkts)
	}
	eventually(t, 15*time.Second, "Bob to receive Alice", func() bool { return receiving() > 10 })

	t.Run("before join", func(t *testing.T) {
		conn := rawConn(t, base, code)
		cases := []struct{ msg, code string }{
			{`not json`, signal.CodeBadMessage},
			{`{"type":"teleport"}`, signal.CodeBadMessage},
			{`{}`, signal.CodeBadMessage},
			{`{"type":"offer","sdp":"v=0"}`, signal.CodeBadSDP},
			{`{"type":"mute","source":"camera","muted":true}`, signal.CodeNotJoined},
			{`{"type":"join","name":42}`, signal.CodeBadMessage},
		}
		for _, c := range cases {
			m := sendRecv(t, conn, c.msg)
			if m["type"] != "error" || m["code"] != c.code || m["fatal"] != false {
				t.Errorf("%s: got %v, want non-fatal error %s", c.msg, m, c.code)
			}
		}
		if m := sendRecv(t, conn, `{"type":"ping","id":"x"}`); m["type"] != "pong" || m["id"] != "x" {
			t.Errorf("ping: got %v", m)
		}
	})

	t.Run("after join", func(t *testing.T) {
		conn := rawConn(t, base, code)
		if m := sendRecv(t, conn, `{"type":"join","token":"`+guestToken(t, base, code, "Mallory")+`"}`); m["type"] != "welcome" {
			t.Fatalf("join: %v", m)
		}
		hostile := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
		cases := []struct{ msg, code string }{
			{`{"type":"join","token":"x"}`, signal.CodeAlreadyJoined},
			{`{"type":"offer","sdp":` + jsonString(hostile) + `,"tracks":[]}`, signal.CodeBadSDP},
			{`{"type":"offer","sdp":` + jsonString(hostile) + `,"tracks":[{"cid":"x","source":"hologram"}]}`, signal.CodeBadTrack},
			{`{"type":"answer","sdp":` + jsonString(hostile) + `}`, signal.CodeBadSDP},
			{`{"type":"candidate","target":"publisher","candidate":{"candidate":"garbage"}}`, signal.CodeBadCandidate},
			{`{"type":"candidate","target":"elsewhere","candidate":{"candidate":""}}`, signal.CodeBadMessage},
			{`{"type":"mute","source":"brain","muted":true}`, signal.CodeBadMessage},
		}
		for _, c := range cases {
			m := sendRecv(t, conn, c.msg)
			if m["type"] != "error" || m["code"] != c.code {
				t.Errorf("%.60s: got %v, want error %s", c.msg, m, c.code)
			}
		}
		// Oversized: the socket is closed with 1009.
		big := `{"type":"ping","id":"` + strings.Repeat("x", 20<<10) + `"}`
		wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer wcancel()
		_ = conn.Write(wctx, websocket.MessageText, []byte(big))
		for {
			if _, _, err := conn.Read(wctx); err != nil {
				if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
					t.Errorf("oversized message: close status %v (%v), want 1009", got, err)
				}
				break
			}
		}
	})

	t.Run("join without a token is fatal", func(t *testing.T) {
		conn := rawConn(t, base, code)
		m := sendRecv(t, conn, `{"type":"join","name":"Eve"}`)
		if m["code"] != signal.CodeTokenRequired || m["fatal"] != true {
			t.Errorf("got %v", m)
		}
	})

	t.Run("invalid guest name", func(t *testing.T) {
		for _, name := range []string{"   ", strings.Repeat("x", 65), "a\u0007b"} {
			err := client.Call(context.Background(), nil, http.MethodPost, base+"/api/v1/rooms/"+code+"/join", map[string]string{"name": name}, nil)
			if apiCode(err) != "invalid_name" {
				t.Errorf("guest name %q: %v, want invalid_name", name, err)
			}
		}
	})

	t.Run("flood is rate limited then cut", func(t *testing.T) {
		conn := rawConn(t, base, code)
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		limited, closed := false, false
		go func() {
			for i := 0; i < 1000; i++ {
				if conn.Write(wctx, websocket.MessageText, []byte(`{"type":"ping"}`)) != nil {
					return
				}
			}
		}()
		for {
			_, data, err := conn.Read(wctx)
			if err != nil {
				closed = websocket.CloseStatus(err) == websocket.StatusPolicyViolation
				break
			}
			if bytes.Contains(data, []byte(signal.CodeRateLimited)) {
				limited = true
			}
		}
		if !limited || !closed {
			t.Errorf("flood: rate_limited=%v closed with policy violation=%v, want both", limited, closed)
		}
	})

	t.Run("unknown room and wrong protocol", func(t *testing.T) {
		resp, err := http.Get(base + "/api/v1/rooms/zzz-zzzz-zzz/ws")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown room: HTTP %d, want 404", resp.StatusCode)
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		_, resp, err = websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/rooms/"+code+"/ws",
			&websocket.DialOptions{Subprotocols: []string{"visio.v0"}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("wrong sub-protocol: err=%v, want HTTP 400", err)
		}
	})

	// The room carried on.
	n := receiving()
	eventually(t, 10*time.Second, "Bob to keep receiving Alice", func() bool { return receiving() > n+20 })
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
