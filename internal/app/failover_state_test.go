package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"visio/internal/client"
	"visio/internal/signal"
	"visio/internal/transcribe/archive"
)

// speechPackets returns the Opus packets of the speech files named, each followed by a second
// of silence (an empty packet).
func speechPackets(t testing.TB, names ...string) []opusPacket {
	t.Helper()
	var pkts []opusPacket
	for _, n := range names {
		pkts = append(pkts, readOpusPackets(t, speechFile(t, n))...)
		pkts = append(pkts, opusPacket{}) // a pause
	}
	return pkts
}

// speechFiles is three French utterances with pauses.
func speechFiles(t testing.TB) []opusPacket {
	return speechPackets(t, "asr-fr/fleurs-fr-000.ogg", "asr-fr/fleurs-fr-001.ogg", "asr-fr/fleurs-fr-002.ogg")
}

// opusSilence is a 20 ms Opus frame of silence (CELT, full band), as encoders send for a muted
// microphone.
var opusSilence = []byte{0xf8, 0xff, 0xfe}

// speakInLoop publishes a microphone for p that says pkts in real time, over and over, until
// the test ends; the client publishes it again after a rejoin. Call before Negotiate.
func speakInLoop(t testing.TB, p *participant, pkts []opusPacket) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "voice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.AddTrack(tr, "microphone"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		next := time.Now()
		for {
			for _, pk := range pkts {
				if pk.data == nil {
					next = next.Add(time.Second)
				} else {
					_ = tr.WriteSample(media.Sample{Data: pk.data, Duration: pk.dur})
					next = next.Add(pk.dur)
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(next)):
				}
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// meetingState is what a moderator set up in a meeting before its node was lost, to check
// after the failover.
type meetingState struct {
	code       string
	owner      *http.Client
	ids, roles []string // of each participant
	// Join tokens of Mal, removed, and Nia, new, asked before the lock (the API refuses a
	// token for a meeting it knows locked; these show the meeting itself refuses them).
	malToken, niaToken string
	gailReq            string
	gailExit           chan struct{} // closed when Gail's join returns, with the following set
	gailClient         *client.Client
	gailErr            error
	transcript         bool
	txID               string
	before             []signal.Caption
}

// prepareMeetingState, with ps[0] the owner: removes a participant (Mal), puts a guest (Gail)
// in the lobby, locks the meeting and, with transcript, starts the transcription with captions
// and waits for two captions.
func prepareMeetingState(t *testing.T, api *webrtc.API, lb, code string, ps []*participant, owner *http.Client, transcript bool) *meetingState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := &meetingState{code: code, owner: owner, transcript: transcript, gailExit: make(chan struct{})}
	for _, p := range ps {
		st.ids = append(st.ids, p.c.ID())
		st.roles = append(st.roles, p.c.Welcome().Participant.Role)
	}
	ada := &speaker{participant: ps[0]}

	malHC, err := client.SignIn(ctx, lb, "Mal", "mal@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	mal, err := client.Join(ctx, api, lb, code, "Mal", client.Options{HTTP: malHC, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ada.control(t, `{"type":"moderate","action":"remove","participant_id":"`+mal.ID()+`"}`)
	eventually(t, 10*time.Second, "Mal removed", func() bool {
		return ps[0].sawEvent(func(m any) bool { e, ok := m.(*signal.Moderation); return ok && e.Action == "remove" })
	})
	mal.Close()
	niaHC, err := client.SignIn(ctx, lb, "Nia", "nia@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range []struct {
		hc   *http.Client
		name string
		to   *string
	}{{malHC, "Mal", &st.malToken}, {niaHC, "Nia", &st.niaToken}} {
		tok, err := client.RequestToken(ctx, tk.hc, lb, code, tk.name)
		if err != nil {
			t.Fatal(err)
		}
		*tk.to = tok.Token
	}

	// Gail, a guest, waits in the lobby; her client knocks again by itself when its
	// connection is lost, keeping her guest identity in its cookie jar.
	jar, _ := cookiejar.New(nil)
	gail := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	gctx, gcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(func() {
		gcancel()
		<-st.gailExit
		if st.gailClient != nil {
			st.gailClient.Close()
		}
	})
	go func() {
		defer close(st.gailExit)
		st.gailClient, st.gailErr = client.Join(gctx, api, lb, code, "Gail", client.Options{HTTP: gail, Loopback: true, Reconnect: true})
	}()
	eventually(t, 10*time.Second, "Gail in the lobby", func() bool {
		st.gailReq = lobbyRequestOf(ps[0], "Gail", 0)
		return st.gailReq != ""
	})
	ada.control(t, `{"type":"moderate","action":"lock"}`)
	eventually(t, 10*time.Second, "the meeting locked", func() bool {
		return ps[0].sawEvent(func(m any) bool { e, ok := m.(*signal.RoomUpdated); return ok && e.Room.Locked })
	})

	if transcript {
		ada.control(t, `{"type":"captions","enabled":true}`)
		ada.control(t, `{"type":"transcription","action":"start"}`)
		eventually(t, 10*time.Second, "transcription on", ada.transcriptionActive)
		ps[0].mu.Lock()
		for _, e := range ps[0].events {
			if m, ok := e.(*signal.TranscriptionState); ok && m.TranscriptID != "" {
				st.txID = m.TranscriptID
			}
		}
		ps[0].mu.Unlock()
		eventually(t, 90*time.Second, "two captions before the failover", func() bool { return len(ada.captions()) >= 2 })
		st.before = ada.captions()
	}
	return st
}

// lobbyRequestOf returns the id of name's lobby request that moderator p was told of (in a
// lobby_request or in a welcome) in its events from index from on, or "".
func lobbyRequestOf(p *participant, name string, from int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := ""
	for _, e := range p.events[min(from, len(p.events)):] {
		switch m := e.(type) {
		case *signal.LobbyRequestJSON:
			if m.Name == name {
				id = m.RequestID
			}
		case *signal.Welcome:
			for _, r := range m.Lobby {
				if r.Name == name {
					id = r.RequestID
				}
			}
		}
	}
	return id
}

// lastWelcome is the index of p's last welcome in its events.
func lastWelcome(p *participant) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		if _, ok := p.events[i].(*signal.Welcome); ok {
			return i
		}
	}
	return 0
}

// check checks the meeting after the failover: same participants and roles, lock, removal,
// lobby (then the guest is admitted on the new node), and the transcript. node is the URL of
// the node now holding the meeting.
func (st *meetingState) check(t *testing.T, api *webrtc.API, lb string, ps []*participant, killed time.Time, node string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, p := range ps {
		w := p.c.Welcome()
		if p.c.ID() != st.ids[i] || w.Participant.Role != st.roles[i] {
			t.Errorf("P%d came back as %s with role %q; was %s, %q", i, p.c.ID(), w.Participant.Role, st.ids[i], st.roles[i])
		}
	}
	ownerWelcome := ps[0].c.Welcome()
	if !slices.Contains(ownerWelcome.Permissions, "moderate") || !ownerWelcome.Room.Locked {
		t.Errorf("the owner came back with %v in a room %+v; want moderate, locked", ownerWelcome.Permissions, ownerWelcome.Room)
	}

	for _, try := range []struct {
		name, token string
		code        string
	}{{"Nia", st.niaToken, signal.CodeRoomLocked}, {"Mal", st.malToken, signal.CodeRemoved}} {
		c, err := client.Join(ctx, api, lb, st.code, try.name, client.Options{Token: try.token, Loopback: true})
		var se *client.ServerError
		if !errors.As(err, &se) || se.Code != try.code {
			t.Errorf("%s joins after the failover: %v, want %s", try.name, err, try.code)
		}
		if c != nil {
			c.Close()
		}
	}

	// Gail knocked again by herself and has her request back, still waiting.
	welcomed := lastWelcome(ps[0])
	eventually(t, 20*time.Second, "Gail's request back in the lobby", func() bool {
		return lobbyRequestOf(ps[0], "Gail", welcomed) != ""
	})
	if got := lobbyRequestOf(ps[0], "Gail", welcomed); got != st.gailReq {
		t.Errorf("Gail's request is %s after the failover, was %s", got, st.gailReq)
	}
	select {
	case <-st.gailExit:
		t.Fatalf("Gail's join ended during the failover: %v", st.gailErr)
	default:
	}
	(&speaker{participant: ps[0]}).control(t, `{"type":"admit","request_ids":["`+st.gailReq+`"]}`)
	select {
	case <-st.gailExit:
		if st.gailErr != nil {
			t.Fatalf("Gail admitted after the failover: %v", st.gailErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Gail not let in after the failover")
	}

	if !st.transcript {
		return
	}
	ada := &speaker{participant: ps[0]}
	if tx := ownerWelcome.Transcription; !tx.Active || tx.TranscriptID != st.txID {
		t.Errorf("after the failover the transcription is %+v; want active, transcript %s", tx, st.txID)
	}
	seen := map[string]bool{}
	for _, c := range st.before {
		seen[c.Text] = true
	}
	var after []signal.Caption
	eventually(t, 90*time.Second, "a caption after the failover", func() bool {
		after = after[:0]
		for _, c := range ada.captions() {
			if !seen[c.Text] {
				after = append(after, c)
			}
		}
		return len(after) > 0
	})
	resp, err := st.owner.Get(node + "/api/v1/transcripts/" + st.txID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("transcript on the new node: HTTP %d %s", resp.StatusCode, body)
	}
	// One transcript, still live, every segment once (the transcript is in the database: the
	// node continuing it writes each segment once, and the lost node wrote nothing over it).
	var rec archive.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, sg := range rec.Segments {
		if texts[sg.Text] {
			t.Errorf("segment %q twice in the transcript after the failover", sg.Text)
		}
		texts[sg.Text] = true
	}
	if !rec.Live {
		t.Errorf("the transcript is no longer live after the failover: %+v", rec.Meta)
	}
	lost := 0
	for _, c := range append(slices.Clone(st.before), after[0]) {
		q, _ := json.Marshal(c.Text)
		if !strings.Contains(string(body), string(q)) {
			lost++
			t.Errorf("segment %s missing from the transcript after the failover", q)
		}
	}
	t.Logf("metric: transcript after the failover: %d segments captioned before %s, %d after; lost %d",
		len(st.before), killed.Format(time.TimeOnly), len(after), lost)
}
