package signal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const testCode = "abc-defg-hij"

// gate knows one room and accepts no join token: these tests need no media.
type gate struct{}

func (gate) Room(_ context.Context, code string) (RoomInfo, error) {
	if code != testCode {
		return RoomInfo{}, ErrRoomNotFound
	}
	return RoomInfo{Code: code, Access: "public"}, nil
}

func (gate) Admit(context.Context, string, string) (Entrant, error) {
	return Entrant{}, &ProtocolError{Code: CodeTokenInvalid, Message: "no", Fatal: true}
}

func (gate) Promote(context.Context, string, string) error { return nil }

// startHub serves a hub without media; the X-Test-Addr header stands for the client address a
// trusted proxy names.
func startHub(t *testing.T, cfg Config) (*Hub, string) {
	t.Helper()
	cfg.MaxMessageBytes, cfg.MaxMessagesPerSecond, cfg.PingInterval = 64<<10, 50, time.Minute
	hub := NewHub(cfg, gate{}, nil, nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/rooms/{code}/ws", func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-Test-Addr"); a != "" {
			r.RemoteAddr = a + ":1234"
		}
		hub.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = hub.WaitTranscripts(ctx)
		srv.Close()
	})
	return hub, "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/rooms/" + testCode + "/ws"
}

func dial(t *testing.T, url, addr string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{Subprotocol},
		HTTPHeader: http.Header{"X-Test-Addr": {addr}}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// closedWith reads c until the server closes it, and returns the error codes it was sent and
// the close status and reason.
func closedWith(t *testing.T, c *websocket.Conn) (codes []string, status websocket.StatusCode, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("read: %v, want a close frame", err)
			}
			return codes, ce.Code, ce.Reason
		}
		var m ErrorMessage
		if json.Unmarshal(data, &m) == nil && m.Type == "error" {
			codes = append(codes, m.Code)
		}
	}
}

func write(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// pong checks that c is served: a ping is answered.
func pong(t *testing.T, c *websocket.Conn) {
	t.Helper()
	write(t, c, `{"type":"ping","id":"1"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(data), `"pong"`) {
		t.Fatalf("ping: %s, %v; want a pong", data, err)
	}
}

func TestJoinDeadline(t *testing.T) {
	_, url := startHub(t, Config{JoinTimeout: 50 * time.Millisecond})
	c := dial(t, url, "192.0.2.1")
	pong(t, c) // a ping is not a join: the deadline still runs
	codes, status, reason := closedWith(t, c)
	if len(codes) != 1 || codes[0] != CodeJoinTimeout || status != websocket.StatusPolicyViolation || reason != CodeJoinTimeout {
		t.Fatalf("closed with errors %v, status %d %q; want join_timeout, 1008", codes, status, reason)
	}
}

func TestSocketCaps(t *testing.T) {
	tests := []struct {
		name          string
		perAddr, max  int
		addrs         []string // opened in order; the last is refused
		refusedReason string
	}{
		{"per address", 2, 100, []string{"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1"}, CodeTooManyConnections},
		{"in total", 3, 3, []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}, CodeTooManyConnections},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub, url := startHub(t, Config{JoinTimeout: time.Minute, MaxSocketsPerAddress: tt.perAddr, MaxSockets: tt.max})
			var open []*websocket.Conn
			for _, a := range tt.addrs[:len(tt.addrs)-1] {
				c := dial(t, url, a)
				pong(t, c)
				open = append(open, c)
			}
			last := tt.addrs[len(tt.addrs)-1]
			codes, status, reason := closedWith(t, dial(t, url, last))
			if len(codes) != 1 || codes[0] != CodeTooManyConnections || status != websocket.StatusTryAgainLater || reason != tt.refusedReason {
				t.Fatalf("refused with errors %v, status %d %q; want too_many_connections, 1013", codes, status, reason)
			}
			// A socket closed frees its place.
			_ = open[0].Close(websocket.StatusNormalClosure, "")
			deadline := time.Now().Add(10 * time.Second)
			for hub.OpenSockets() != len(open)-1 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			pong(t, dial(t, url, tt.addrs[0]))
		})
	}
}

// TestResumeOpensNothing: a made-up resume token is refused and opens no meeting (the hub has
// no media engine: opening one would crash).
func TestResumeOpensNothing(t *testing.T) {
	hub, url := startHub(t, Config{})
	c := dial(t, url, "192.0.2.1")
	write(t, c, `{"type":"join","resume_token":"made-up"}`)
	codes, _, _ := closedWith(t, c)
	if len(codes) != 1 || codes[0] != CodeResumeExpired {
		t.Fatalf("errors %v, want resume_expired", codes)
	}
	if n := hub.LiveRooms(); n != 0 {
		t.Fatalf("%d meetings live after a made-up resume", n)
	}
}
