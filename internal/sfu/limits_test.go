package sfu

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// nopHandler ignores a peer's events.
type nopHandler struct{}

func (nopHandler) OnOffer(string)            {}
func (nopHandler) OnTracksChanged()          {}
func (nopHandler) OnLayers(string, []string) {}

// testPeer returns a peer in a room of a loopback engine, closed when the test ends.
func testPeer(t *testing.T) *Peer {
	t.Helper()
	e, err := NewEngine(Config{LoopbackOnly: true}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r := e.NewRoom("RO_limits", nil)
	p, err := r.NewPeer("PA_limits", nopHandler{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		r.Close()
		_ = e.Close()
	})
	return p
}

// clientOffer returns a publisher offer as a client makes it, with one sending transceiver per
// kind given.
func clientOffer(t *testing.T, kinds ...webrtc.RTPCodecType) (*webrtc.PeerConnection, string) {
	t.Helper()
	pc := testConnection(t, func(e *Engine) *webrtc.MediaEngine { return e.pubME })
	for _, k := range kinds {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pc, offer.SDP
}

func (p *Peer) declaredCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.declared)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestRefusedOffersLeaveNothing: a participant sending refused offers in a loop, each declaring
// new tracks (some with oversized ids or simulcast layers), makes the server keep nothing: the
// declared tracks stay at zero and the heap flat. Before the bounds, every refused offer's
// declarations were kept for the life of the session.
func TestRefusedOffersLeaveNothing(t *testing.T) {
	p := testPeer(t)
	big := strings.Repeat("x", 4096)
	ctx := context.Background()
	refuse := func(i int) {
		var decl []DeclaredTrack
		for k := range MaxTracksPerPeer {
			decl = append(decl, DeclaredTrack{CID: fmt.Sprintf("%058d-%d", i, k), Source: SourceCamera, Layers: []string{"q", "h", "f"}})
		}
		switch i % 3 {
		case 0: // an SDP pion refuses
			if _, err := p.HandleOffer(ctx, "v=0\r\nnot an offer "+big, decl); err == nil {
				t.Fatal("garbage SDP accepted")
			}
		case 1: // a layer name of 4 KiB
			decl[0].Layers = []string{"q", big}
			if _, err := p.HandleOffer(ctx, "v=0", decl); err == nil {
				t.Fatal("long layer name accepted")
			}
		case 2: // a track id of 4 KiB, and a thousand layers
			decl[1].CID = big
			decl[2].Layers = make([]string, 1000)
			if _, err := p.HandleOffer(ctx, "v=0", decl); err == nil {
				t.Fatal("long track id accepted")
			}
		}
	}
	for i := range 200 { // warm up: pools, pion's first allocations
		refuse(i)
	}
	before := heapInUse()
	const n = 3000
	for i := range n {
		refuse(i)
	}
	after := heapInUse()
	if c := p.declaredCount(); c != 0 {
		t.Errorf("after %d refused offers the peer keeps %d declared tracks, want 0", n, c)
	}
	grew := int64(after) - int64(before)
	t.Logf("heap in use: %d KiB before, %d KiB after %d refused offers (%+d KiB)", before>>10, after>>10, n, grew>>10)
	if grew > 2<<20 {
		t.Errorf("heap grew by %d KiB over %d refused offers", grew>>10, n)
	}
}

// TestAcceptedOffersReplaceDeclarations: each offer declares every track it sends, so a client
// renegotiating with new track ids again and again is held to MaxTracksPerPeer declarations.
func TestAcceptedOffersReplaceDeclarations(t *testing.T) {
	p := testPeer(t)
	_, sdp := clientOffer(t, webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo)
	for i := range 20 {
		decl := []DeclaredTrack{
			{CID: fmt.Sprintf("mic-%d", i), Source: SourceMicrophone},
			{CID: fmt.Sprintf("cam-%d", i), Source: SourceCamera, Layers: []string{"q", "h"}},
		}
		if _, err := p.HandleOffer(context.Background(), sdp, decl); err != nil {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	if c := p.declaredCount(); c != 2 {
		t.Errorf("declared tracks after 20 offers: %d, want 2", c)
	}
}

// TestOfferSectionsBounded: an offer that would take the publisher connection past
// maxPublisherSections media sections is refused before pion keeps them.
func TestOfferSectionsBounded(t *testing.T) {
	p := testPeer(t)
	kinds := make([]webrtc.RTPCodecType, maxPublisherSections+1)
	for i := range kinds {
		kinds[i] = webrtc.RTPCodecTypeAudio
	}
	_, sdp := clientOffer(t, kinds...)
	if _, err := p.HandleOffer(context.Background(), sdp, nil); err == nil {
		t.Fatalf("offer with %d media sections accepted", len(kinds))
	}
	if n := len(p.pub.GetTransceivers()); n != 0 {
		t.Errorf("refused offer left %d transceivers", n)
	}
	// Sections already held count with the offer's new ones.
	if n := countNewMids([]string{"0", "1", "2"}, []string{"1", "2", "3", "4"}); n != 5 {
		t.Errorf("countNewMids = %d, want 5", n)
	}
}

// TestCandidatesBounded: a connection accepts maxRemoteCandidates remote candidates between two
// ICE restarts; an ICE restart (new credentials) starts the count again; oversized candidates
// are refused.
func TestCandidatesBounded(t *testing.T) {
	p := testPeer(t)
	client, sdp := clientOffer(t, webrtc.RTPCodecTypeAudio)
	ctx := context.Background()
	if _, err := p.HandleOffer(ctx, sdp, nil); err != nil {
		t.Fatal(err)
	}
	cand := func(i int) webrtc.ICECandidateInit {
		return webrtc.ICECandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706431 127.0.0.1 %d typ host", i, 20000+i)}
	}
	for i := range maxRemoteCandidates {
		if err := p.AddCandidate(TargetPublisher, cand(i)); err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	if err := p.AddCandidate(TargetPublisher, cand(maxRemoteCandidates)); err == nil {
		t.Fatalf("candidate %d accepted", maxRemoteCandidates+1)
	}
	restart, err := client.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandleOffer(ctx, restart.SDP, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.AddCandidate(TargetPublisher, cand(1000)); err != nil {
		t.Errorf("candidate after an ICE restart: %v", err)
	}
	long := webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host " + strings.Repeat("x", maxCandidateLen)}
	for _, target := range []Target{TargetPublisher, TargetSubscriber} {
		if err := p.AddCandidate(target, long); err == nil {
			t.Errorf("%s: oversized candidate accepted", target)
		}
	}
}

// TestUnknownNamesKeepNothing: mute states of unknown sources and preferences for track ids no
// track can have are not kept.
func TestUnknownNamesKeepNothing(t *testing.T) {
	p := testPeer(t)
	for i := range 1000 {
		p.SetMuted(Source(fmt.Sprintf("source-%d", i)), true)
		p.SetSubscription(strings.Repeat("t", maxTrackIDLen+1)+fmt.Sprint(i), true, 640, 360)
	}
	p.mu.Lock()
	muted := len(p.muted)
	p.mu.Unlock()
	p.negMu.Lock()
	prefs := len(p.prefs)
	p.negMu.Unlock()
	if muted != 0 || prefs != 0 {
		t.Errorf("kept %d mute states and %d preferences, want none", muted, prefs)
	}
}

func TestValidateDeclared(t *testing.T) {
	ok := DeclaredTrack{CID: "a", Source: SourceCamera, Layers: []string{"q", "h", "f"}}
	for _, tc := range []struct {
		name string
		decl []DeclaredTrack
		ok   bool
	}{
		{"simulcast", []DeclaredTrack{ok}, true},
		{"none", nil, true},
		{"too many", []DeclaredTrack{ok, {CID: "b", Source: SourceMicrophone}, {CID: "c", Source: SourceScreen}, {CID: "d", Source: SourceScreenAudio}, {CID: "e", Source: SourceMicrophone}}, false},
		{"twice", []DeclaredTrack{ok, ok}, false},
		{"unknown source", []DeclaredTrack{{CID: "a", Source: "x"}}, false},
		{"empty id", []DeclaredTrack{{Source: SourceCamera}}, false},
		{"unknown layer", []DeclaredTrack{{CID: "a", Source: SourceCamera, Layers: []string{"z"}}}, false},
		{"layer twice", []DeclaredTrack{{CID: "a", Source: SourceCamera, Layers: []string{"q", "q"}}}, false},
		{"empty layer", []DeclaredTrack{{CID: "a", Source: SourceCamera, Layers: []string{""}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := validateDeclared(tc.decl); (err == nil) != tc.ok {
				t.Errorf("validateDeclared = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// FuzzParseRemote: remote descriptions come from clients; reading them for the bounds never
// panics, and what it counts stays within what the text holds.
func FuzzParseRemote(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n")
	f.Add("v=0\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := parseRemote(text)
		if err != nil {
			return
		}
		if d.candidates > strings.Count(text, "candidate") || len(d.mids) > strings.Count(text, "m=") {
			t.Fatalf("counted %d candidates and %d sections in %q", d.candidates, len(d.mids), text)
		}
	})
}
