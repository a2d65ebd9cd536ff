package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"visio/internal/auth"
	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
	"visio/internal/store/sqlite"
)

// ws is a raw signalling connection that records what it receives.
type ws struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan map[string]any
}

func dialWS(t *testing.T, base, code string) *ws {
	t.Helper()
	w := &ws{t: t, conn: rawConn(t, base, code), msgs: make(chan map[string]any, 256)}
	go func() {
		defer close(w.msgs)
		for {
			_, data, err := w.conn.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				w.msgs <- m
			}
		}
	}()
	return w
}

func (w *ws) send(msg string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		w.t.Fatalf("write %.40s: %v", msg, err)
	}
}

// next returns the next message of one of the types, skipping others; nil if the socket closed.
func (w *ws) next(types ...string) map[string]any {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				return nil
			}
			for _, typ := range types {
				if m["type"] == typ {
					return m
				}
			}
		case <-timeout:
			w.t.Fatalf("no %v within 10s", types)
		}
	}
}

// closed reports whether the server closed the socket (after draining messages).
func (w *ws) closed() bool {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-w.msgs:
			if !ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// knock joins with token and returns the first answer: welcome, lobby or error.
func knock(t *testing.T, base, code, token string) (*ws, map[string]any) {
	t.Helper()
	w := dialWS(t, base, code)
	w.send(`{"type":"join","token":"` + token + `"}`)
	return w, w.next("welcome", "lobby", "error", "denied")
}

// TestEntryByAccessAndRole: who enters directly and who waits, for every access level.
func TestEntryByAccessAndRole(t *testing.T) {
	base := startServer(t)
	owner := signIn(t, base, "Owner")
	agent := signIn(t, base, "Agent")
	member := signIn(t, base, "Member")
	ctx := context.Background()
	var memberID string
	var me struct{ ID string }
	if err := client.Call(ctx, member, http.MethodGet, base+"/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	memberID = me.ID

	for _, tt := range []struct {
		access               string
		guest, agent, member string
	}{
		{"public", "direct", "direct", "direct"},
		{"trusted", "lobby", "direct", "direct"},
		{"restricted", "lobby", "lobby", "direct"},
	} {
		t.Run(tt.access, func(t *testing.T) {
			code := createRoom(t, owner, base, tt.access)
			if err := client.Call(ctx, owner, http.MethodPut, base+"/api/v1/rooms/"+code+"/roles/"+memberID, map[string]string{"role": "member"}, nil); err != nil {
				t.Fatal(err)
			}
			for _, who := range []struct {
				name string
				hc   *http.Client
				want string
			}{{"owner", owner, "direct"}, {"guest", nil, tt.guest}, {"agent", agent, tt.agent}, {"member", member, tt.member}} {
				tok, err := client.RequestToken(ctx, who.hc, base, code, "Invité")
				if err != nil {
					t.Fatal(err)
				}
				if tok.Access != who.want {
					t.Errorf("%s: token access %q, want %q", who.name, tok.Access, who.want)
				}
				w, first := knock(t, base, code, tok.Token)
				want := map[string]string{"direct": "welcome", "lobby": "lobby"}[who.want]
				if first["type"] != want {
					t.Errorf("%s: first answer %v, want %s", who.name, first, want)
				}
				if who.name == "owner" {
					w.send(`{"type":"ping"}`) // the owner stays, so the room stays open
				} else {
					w.send(`{"type":"leave"}`)
				}
			}
		})
	}
}

// TestLobby: waiting, live requests to moderators, admit, deny, admit all, timeout; a waiting
// person has no media and cannot reach the SFU; a guest cannot admit.
func TestLobby(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Room.LobbyTimeout = config.Duration(2 * time.Second) })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC := signIn(t, base, "Dominique")
	code := createRoom(t, ownerHC, base, "trusted")

	// Before any moderator is there, a guest waits and is told nobody can admit yet.
	early, first := knock(t, base, code, guestToken(t, base, code, "Early"))
	if first["type"] != "lobby" || first["moderators_present"] != false {
		t.Fatalf("early guest: %v, want lobby without moderators", first)
	}
	early.send(`{"type":"leave"}`)
	if !early.closed() {
		t.Fatal("a guest leaving the lobby was not disconnected")
	}

	owner := joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})
	owner.publish(1)
	peersBefore := metric(t, base, "visio_sfu_peer_connections")

	t.Run("admit", func(t *testing.T) {
		g, first := knock(t, base, code, guestToken(t, base, code, "Camille"))
		if first["type"] != "lobby" || first["state"] != "waiting" || first["moderators_present"] != true {
			t.Fatalf("guest: %v, want lobby waiting with moderators present", first)
		}
		reqID := first["request_id"].(string)
		eventually(t, 5*time.Second, "the owner to see the request", func() bool {
			return owner.sawEvent(func(e any) bool {
				m, ok := e.(*signal.LobbyRequestJSON)
				return ok && m.RequestID == reqID && m.Name == "Camille" && !m.SignedIn
			})
		})
		// Nothing from the lobby reaches the SFU.
		hostile := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
		for _, msg := range []string{
			`{"type":"offer","sdp":` + jsonString(hostile) + `,"tracks":[]}`,
			`{"type":"answer","sdp":` + jsonString(hostile) + `}`,
			`{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}`,
			`{"type":"mute","source":"microphone","muted":false}`,
			`{"type":"admit","all":true}`,
		} {
			g.send(msg)
			if m := g.next("error"); m["code"] != signal.CodeInLobby {
				t.Errorf("%.30s from the lobby: %v, want in_lobby", msg, m)
			}
		}
		if got := metric(t, base, "visio_sfu_peer_connections"); got != peersBefore {
			t.Errorf("peer connections %v while a guest waits, want %v (none for the lobby)", got, peersBefore)
		}
		if err := owner.c.SendRaw(context.Background(), []byte(`{"type":"admit","request_ids":["`+reqID+`"]}`)); err != nil {
			t.Fatal(err)
		}
		w := g.next("welcome")
		if w == nil {
			t.Fatal("admitted guest got no welcome")
		}
		eventually(t, 5*time.Second, "lobby_update admitted", func() bool {
			return owner.sawEvent(func(e any) bool {
				m, ok := e.(*signal.LobbyUpdate)
				return ok && m.RequestID == reqID && m.State == "admitted" && m.ActorName == "Dominique"
			})
		})
		g.send(`{"type":"leave"}`)
	})

	t.Run("a guest cannot admit", func(t *testing.T) {
		inside, first := knock(t, base, code, guestToken(t, base, code, "Inside"))
		if first["type"] != "lobby" {
			t.Fatalf("%v", first)
		}
		_ = owner.c.SendRaw(context.Background(), []byte(`{"type":"admit","all":true}`))
		inside.next("welcome")
		waiting, first := knock(t, base, code, guestToken(t, base, code, "Waiting"))
		inside.send(`{"type":"admit","request_ids":["` + first["request_id"].(string) + `"]}`)
		if m := inside.next("error"); m["code"] != signal.CodeForbidden {
			t.Errorf("guest admitting: %v, want forbidden", m)
		}
		inside.send(`{"type":"moderate","action":"end"}`)
		if m := inside.next("error"); m["code"] != signal.CodeForbidden {
			t.Errorf("guest ending the meeting: %v, want forbidden", m)
		}
		_ = owner.c.SendRaw(context.Background(), []byte(`{"type":"deny","request_ids":["`+first["request_id"].(string)+`"]}`))
		if m := waiting.next("denied"); m == nil || m["reason"] != "denied" {
			t.Errorf("denied guest: %v", m)
		}
		if !waiting.closed() {
			t.Error("denied guest still connected")
		}
		inside.send(`{"type":"leave"}`)
	})

	t.Run("admit all", func(t *testing.T) {
		a, fa := knock(t, base, code, guestToken(t, base, code, "A"))
		b, fb := knock(t, base, code, guestToken(t, base, code, "B"))
		if fa["type"] != "lobby" || fb["type"] != "lobby" {
			t.Fatal(fa, fb)
		}
		_ = owner.c.SendRaw(context.Background(), []byte(`{"type":"admit","all":true}`))
		if a.next("welcome") == nil || b.next("welcome") == nil {
			t.Fatal("admit all did not let both in")
		}
		a.send(`{"type":"leave"}`)
		b.send(`{"type":"leave"}`)
	})

	t.Run("timeout", func(t *testing.T) {
		g, first := knock(t, base, code, guestToken(t, base, code, "Slow"))
		if first["type"] != "lobby" {
			t.Fatal(first)
		}
		if m := g.next("denied"); m == nil || m["reason"] != "timeout" {
			t.Errorf("after the lobby timeout: %v, want denied timeout", m)
		}
	})

	t.Run("the others left", func(t *testing.T) {
		eventually(t, 5*time.Second, "only the owner to remain", func() bool {
			return metric(t, base, "visio_participants") == 1
		})
	})
}

// TestLobbyRateLimit: knocking again and again is refused.
func TestLobbyRateLimit(t *testing.T) {
	base := startServer(t)
	ownerHC := signIn(t, base, "Owner")
	code := createRoom(t, ownerHC, base, "restricted")
	jar, _ := cookiejar.New(nil)
	guest := &http.Client{Jar: jar, Timeout: 5 * time.Second} // one guest id across requests
	limited := false
	for i := 0; i < 6 && !limited; i++ {
		tok, err := client.RequestToken(context.Background(), guest, base, code, "Knocker")
		if err != nil {
			t.Fatal(err)
		}
		w, first := knock(t, base, code, tok.Token)
		switch {
		case first["type"] == "lobby":
			w.send(`{"type":"leave"}`)
		case first["code"] == signal.CodeRateLimited && first["fatal"] == true:
			limited = true
			if i < 3 {
				t.Errorf("rate limited after %d knocks, want at least 3 allowed", i)
			}
		default:
			t.Fatalf("knock %d: %v", i, first)
		}
	}
	if !limited {
		t.Error("six knocks in a row were all let into the lobby")
	}
}

// joinWith joins with options.
func joinWith(t *testing.T, api interface{}, base, code, name string, o client.Options) *participant {
	t.Helper()
	a, _ := client.NewAPI(true)
	p := &participant{t: t, tracks: map[string]*received{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o.Loopback, o.OnTrack = true, p.onTrack
	o.OnEvent = func(m any) {
		p.mu.Lock()
		p.events = append(p.events, m)
		p.mu.Unlock()
	}
	c, err := client.Join(ctx, a, base, code, name, o)
	if err != nil {
		t.Fatalf("%s join: %v", name, err)
	}
	p.c = c
	t.Cleanup(p.close)
	return p
}

func sawModeration(p *participant, action, target string) bool {
	return p.sawEvent(func(e any) bool {
		m, ok := e.(*signal.Moderation)
		return ok && m.Action == action && m.TargetID == target && m.ActorName == "Dominique"
	})
}

// TestModeration: moderators mute, remove, promote, lock and end; everyone sees it; a removed
// guest cannot come back; a guest's moderator actions are refused.
func TestModeration(t *testing.T) {
	base, api, code, _, owner := ownedMeeting(t, "public")
	jar, _ := cookiejar.New(nil)
	aHC := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	a := joinWith(t, api, base, code, "Alix", client.Options{HTTP: aHC})
	a.publish(1)
	b := join(t, api, base, code, "Basile")
	aid, bid := a.c.ID(), b.c.ID()
	eventually(t, 15*time.Second, "Basile to receive Alix", func() bool {
		pkts, _ := b.packets(b.trackOf(aid, "microphone"))
		return len(pkts) > 5
	})
	if w := owner.c.Welcome(); w.Participant.Role != "owner" || !w.Participant.SignedIn || len(w.Permissions) != 3 {
		t.Errorf("owner's welcome: %+v permissions %v", w.Participant, w.Permissions)
	}
	send := func(p *participant, msg string) {
		t.Helper()
		if err := p.c.SendRaw(context.Background(), []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a guest's moderator actions are refused", func(t *testing.T) {
		for _, action := range []string{"mute", "remove", "promote"} {
			send(b, `{"type":"moderate","action":"`+action+`","participant_id":"`+aid+`"}`)
		}
		for _, action := range []string{"lock", "end", "mute_all"} {
			send(b, `{"type":"moderate","action":"`+action+`"}`)
		}
		eventually(t, 5*time.Second, "six forbidden errors", func() bool {
			n := 0
			b.mu.Lock()
			for _, e := range b.events {
				if m, ok := e.(*signal.ErrorMessage); ok && m.Code == signal.CodeForbidden {
					n++
				}
			}
			b.mu.Unlock()
			return n == 6
		})
		if a.sawEvent(func(e any) bool { _, ok := e.(*signal.Moderation); return ok }) {
			t.Error("a refused action was announced")
		}
		if metric(t, base, "visio_participants") != 3 {
			t.Error("a refused action changed the meeting")
		}
	})

	t.Run("mute", func(t *testing.T) {
		send(owner, `{"type":"moderate","action":"mute","participant_id":"`+aid+`"}`)
		for _, p := range []*participant{owner, a, b} {
			eventually(t, 5*time.Second, "everyone told Alix was muted", func() bool { return sawModeration(p, "mute", aid) })
		}
		eventually(t, 5*time.Second, "Alix's microphone shown muted", func() bool {
			return b.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ParticipantEvent)
				if !ok || m.Participant.ID != aid {
					return false
				}
				for _, tr := range m.Participant.Tracks {
					if tr.Source == "microphone" && tr.Muted {
						return true
					}
				}
				return false
			})
		})
		track := b.trackOf(aid, "microphone")
		time.Sleep(200 * time.Millisecond)
		before, _ := b.packets(track)
		time.Sleep(500 * time.Millisecond)
		if after, _ := b.packets(track); len(after) > len(before)+2 {
			t.Errorf("%d audio packets forwarded after the mute", len(after)-len(before))
		}
	})

	t.Run("promote", func(t *testing.T) {
		send(owner, `{"type":"moderate","action":"promote","participant_id":"`+bid+`"}`)
		eventually(t, 5*time.Second, "Basile shown as administrator", func() bool {
			return a.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ParticipantEvent)
				return ok && m.Participant.ID == bid && m.Participant.Role == "administrator"
			})
		})
		send(b, `{"type":"moderate","action":"lock"}`)
		eventually(t, 5*time.Second, "everyone told the room is locked", func() bool {
			return a.sawEvent(func(e any) bool { m, ok := e.(*signal.RoomUpdated); return ok && m.Room.Locked })
		})
		_, err := client.RequestToken(context.Background(), nil, base, code, "Late")
		if apiCode(err) != "room_locked" {
			t.Errorf("join token for a locked room: %v, want room_locked", err)
		}
		send(b, `{"type":"moderate","action":"unlock"}`)
		eventually(t, 5*time.Second, "unlocked", func() bool {
			return a.sawEvent(func(e any) bool { m, ok := e.(*signal.RoomUpdated); return ok && !m.Room.Locked })
		})
		send(b, `{"type":"moderate","action":"remove","participant_id":"`+owner.c.ID()+`"}`)
		eventually(t, 5*time.Second, "removing the owner refused", func() bool {
			return b.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ErrorMessage)
				return ok && m.Code == signal.CodeForbidden && strings.Contains(m.Message, "owner")
			})
		})
	})

	t.Run("remove", func(t *testing.T) {
		video := b.trackOf(aid, "camera")
		send(owner, `{"type":"moderate","action":"remove","participant_id":"`+aid+`"}`)
		eventually(t, 5*time.Second, "Alix told she was removed", func() bool {
			return a.sawEvent(func(e any) bool { m, ok := e.(*signal.Bye); return ok && m.Reason == "removed" })
		})
		eventually(t, 5*time.Second, "Basile sees Alix removed by Dominique", func() bool {
			return sawModeration(b, "remove", aid) && b.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ParticipantLeft)
				return ok && m.ParticipantID == aid && m.Reason == "removed"
			})
		})
		eventually(t, 5*time.Second, "Alix's tracks to end for Basile", func() bool {
			_, ended := b.packets(video)
			return ended
		})
		// The same guest (same browser) cannot come straight back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.Join(ctx, api, base, code, "Alix", client.Options{Loopback: true, HTTP: aHC})
		if err == nil {
			c.Close()
			t.Fatal("a removed guest joined the same meeting again")
		}
		if !strings.Contains(err.Error(), signal.CodeRemoved) {
			t.Errorf("rejoin after removal: %v, want %s", err, signal.CodeRemoved)
		}
	})

	t.Run("end", func(t *testing.T) {
		send(owner, `{"type":"moderate","action":"end"}`)
		for _, p := range []*participant{owner, b} {
			eventually(t, 5*time.Second, "everyone told the meeting ended", func() bool {
				return p.sawEvent(func(e any) bool { m, ok := e.(*signal.Bye); return ok && m.Reason == "ended" })
			})
		}
		eventually(t, 5*time.Second, "the meeting to close", func() bool { return metric(t, base, "visio_rooms") == 0 })
	})
}

// TestJoinTokens: forged, tampered, expired, replayed and wrong-room tokens are refused with a
// clear fatal error, and nobody enters.
func TestJoinTokens(t *testing.T) {
	dir := t.TempDir()
	base := startServer(t, func(c *config.Config) { c.Store.DataDir = dir })
	ownerHC := signIn(t, base, "Owner")
	code := createRoom(t, ownerHC, base, "public")
	other := createRoom(t, ownerHC, base, "public")

	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	serverKeys, err := auth.LoadKeys(filepath.Join(dir, "auth.key"))
	if err != nil {
		t.Fatal(err)
	}
	grant := auth.JoinGrant{Subject: "GU_forgedforged", Guest: true, Name: "Mallory", Room: code,
		Permissions: []auth.Permission{auth.PermPublish, auth.PermSubscribe, auth.PermModerate}}
	issue := func(keys *auth.Keys, now func() time.Time) string {
		j, err := auth.NewJoinTokens(auth.JoinTokensParams{Keys: keys, Lifetime: time.Minute, Used: db, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := j.Issue(grant)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := guestToken(t, base, code, "Replay")
	_, first := knock(t, base, code, valid)
	if first["type"] != "welcome" {
		t.Fatalf("valid token: %v", first)
	}
	tampered := []byte(guestToken(t, base, code, "Tamper"))
	tampered[len(tampered)-5] ^= 1
	for _, tt := range []struct {
		name, token, code string
	}{
		{"garbage", "not-a-token", signal.CodeTokenInvalid},
		{"signed by another key", issue(auth.GenerateKeys(), nil), signal.CodeTokenInvalid},
		{"tampered signature", string(tampered), signal.CodeTokenInvalid},
		{"expired", issue(serverKeys, func() time.Time { return time.Now().Add(-time.Hour) }), signal.CodeTokenExpired},
		{"replayed", valid, signal.CodeTokenReplayed},
		{"for another room", guestToken(t, base, other, "Lost"), signal.CodeTokenWrongRoom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, m := knock(t, base, code, tt.token)
			if m["type"] != "error" || m["code"] != tt.code || m["fatal"] != true {
				t.Errorf("got %v, want fatal %s", m, tt.code)
			}
			if !w.closed() {
				t.Error("socket still open")
			}
		})
	}
	if got := metric(t, base, "visio_participants"); got != 1 {
		t.Errorf("visio_participants = %v, want 1 (only the valid token's guest)", got)
	}
}

// TestRoomsAPI: who may create, list and change rooms; cross-site requests; application
// credentials and their scopes.
func TestRoomsAPI(t *testing.T) {
	dir := t.TempDir()
	base := startServer(t, func(c *config.Config) { c.Store.DataDir = dir })
	ctx := context.Background()
	owner := signIn(t, base, "Owner")
	stranger := signIn(t, base, "Stranger")

	if _, err := client.CreateRoomWith(ctx, nil, base, "", ""); apiCode(err) != "signed_out" {
		t.Errorf("anonymous create: %v, want signed_out", err)
	}
	code := createRoom(t, owner, base, "")
	var rm client.Room
	if err := client.Call(ctx, nil, http.MethodGet, base+"/api/v1/rooms/"+code, nil, &rm); err != nil || rm.Access != "trusted" {
		t.Errorf("default access: %+v %v, want trusted", rm, err)
	}
	if err := client.Call(ctx, stranger, http.MethodPatch, base+"/api/v1/rooms/"+code, map[string]string{"access": "public"}, nil); apiCode(err) != "forbidden" {
		t.Errorf("stranger changing access: %v, want forbidden", err)
	}
	if err := client.Call(ctx, owner, http.MethodPatch, base+"/api/v1/rooms/"+code, map[string]string{"access": "nope"}, nil); apiCode(err) != "invalid_access" {
		t.Errorf("bad access: %v, want invalid_access", err)
	}

	t.Run("cross-site requests", func(t *testing.T) {
		for _, r := range []struct{ method, path, body string }{
			{http.MethodPost, "/api/v1/rooms", `{"access":"public"}`},
			{http.MethodPatch, "/api/v1/rooms/" + code, `{"access":"public"}`},
			{http.MethodPost, "/api/v1/rooms/" + code + "/join", `{}`},
			{http.MethodPost, "/auth/logout", ``},
		} {
			req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err := owner.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Error struct{ Code string } }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || e.Error.Code != "cross_site" {
				t.Errorf("%s %s from another site: %d %s, want 403 cross_site", r.method, r.path, resp.StatusCode, e.Error.Code)
			}
		}
		var list struct{ Rooms []client.Room }
		if err := client.Call(ctx, owner, http.MethodGet, base+"/api/v1/rooms", nil, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Rooms) != 1 || list.Rooms[0].Access != "trusted" || list.Rooms[0].Role != "owner" {
			t.Errorf("after cross-site attempts the owner's rooms are %+v, want the one trusted room", list.Rooms)
		}
	})

	t.Run("application credentials", func(t *testing.T) {
		cfg := config.Default()
		cfg.Store.DataDir = dir
		readID, readSecret, err := CreateAppCredential(ctx, cfg, "annuaire", []string{auth.ScopeRoomsRead})
		if err != nil {
			t.Fatal(err)
		}
		bothID, bothSecret, err := CreateAppCredential(ctx, cfg, "agenda", []string{auth.ScopeRoomsCreate, auth.ScopeRoomsRead})
		if err != nil {
			t.Fatal(err)
		}
		appCall := func(id, secret, method, path string, body, out any) error {
			req, _ := http.NewRequest(method, base+path, nil)
			if body != nil {
				b, _ := json.Marshal(body)
				req, _ = http.NewRequest(method, base+path, strings.NewReader(string(b)))
			}
			req.Header.Set("Authorization", "Bearer "+id+"."+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error struct{ Code string } }
			if resp.StatusCode >= 300 {
				_ = json.NewDecoder(resp.Body).Decode(&e)
				return &client.APIError{Status: resp.StatusCode, Code: e.Error.Code}
			}
			if out != nil {
				return json.NewDecoder(resp.Body).Decode(out)
			}
			return nil
		}
		create := map[string]any{"name": "Comité", "access": "restricted", "owner": map[string]string{"subject": "agent-42", "name": "Agent 42", "email": "a42@example.gouv.fr"}}
		if err := appCall(readID, readSecret, http.MethodPost, "/api/v1/rooms", create, nil); apiCode(err) != "insufficient_scope" {
			t.Errorf("create with rooms:read only: %v, want insufficient_scope", err)
		}
		if err := appCall(bothID, "wrong", http.MethodPost, "/api/v1/rooms", create, nil); apiCode(err) != "invalid_credentials" {
			t.Errorf("create with a wrong secret: %v, want invalid_credentials", err)
		}
		var made client.Room
		if err := appCall(bothID, bothSecret, http.MethodPost, "/api/v1/rooms", create, &made); err != nil || made.Access != "restricted" || made.Code == "" {
			t.Fatalf("create with rooms:create: %+v %v", made, err)
		}
		var list struct{ Rooms []client.Room }
		if err := appCall(readID, readSecret, http.MethodGet, "/api/v1/rooms?subject=agent-42", nil, &list); err != nil || len(list.Rooms) != 1 || list.Rooms[0].Code != made.Code {
			t.Errorf("list with rooms:read: %+v %v", list, err)
		}
		if err := appCall(readID, readSecret, http.MethodGet, "/api/v1/rooms?subject=nobody", nil, nil); apiCode(err) != "user_not_found" {
			t.Errorf("list for an unknown user: %v", err)
		}
	})
}

// TestRoomsPersist: rooms, their access level and sign-in sessions survive a restart.
func TestRoomsPersist(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServerStop(t, func(c *config.Config) { c.Store.DataDir = dir })
	owner := signIn(t, base, "Owner")
	code := createRoom(t, owner, base, "restricted")
	stop()

	base = startServer(t, func(c *config.Config) { c.Store.DataDir = dir })
	var rm client.Room
	if err := client.Call(context.Background(), nil, http.MethodGet, base+"/api/v1/rooms/"+code, nil, &rm); err != nil || rm.Access != "restricted" {
		t.Fatalf("after restart: %+v %v", rm, err)
	}
	var list struct{ Rooms []client.Room }
	if err := client.Call(context.Background(), owner, http.MethodGet, base+"/api/v1/rooms", nil, &list); err != nil || len(list.Rooms) != 1 {
		t.Errorf("the owner's rooms after restart (same session cookie): %+v %v", list, err)
	}
	if tok, err := client.RequestToken(context.Background(), owner, base, code, ""); err != nil || tok.Access != "direct" || tok.Role != "owner" {
		t.Errorf("owner's join token after restart: %+v %v", tok, err)
	}
}

// TestAdmissionIntoFullRoom: admitting someone into a full meeting fails with a clear error for
// them, and the moderators, who were told "admitted", are told it failed.
func TestAdmissionIntoFullRoom(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Room.MaxParticipants = 2 })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC := signIn(t, base, "Dominique")
	code := createRoom(t, ownerHC, base, "trusted")
	owner := joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})
	first, f1 := knock(t, base, code, guestToken(t, base, code, "Premier"))
	second, f2 := knock(t, base, code, guestToken(t, base, code, "Second"))
	if f1["type"] != "lobby" || f2["type"] != "lobby" {
		t.Fatal(f1, f2)
	}
	_ = owner.c.SendRaw(context.Background(), []byte(`{"type":"admit","request_ids":["`+f1["request_id"].(string)+`"]}`))
	if first.next("welcome") == nil {
		t.Fatal("the first guest was not let in")
	}
	reqID := f2["request_id"].(string)
	_ = owner.c.SendRaw(context.Background(), []byte(`{"type":"admit","request_ids":["`+reqID+`"]}`))
	if m := second.next("error"); m == nil || m["code"] != signal.CodeRoomFull {
		t.Fatalf("guest admitted into a full room: %v, want error room_full", m)
	}
	eventually(t, 5*time.Second, "the owner to be told the admission failed", func() bool {
		return owner.sawEvent(func(e any) bool {
			m, ok := e.(*signal.LobbyUpdate)
			return ok && m.RequestID == reqID && m.State == "failed" && m.Reason == signal.CodeRoomFull
		})
	})
	first.send(`{"type":"leave"}`)
}
