package sfu

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestSubscriberOfferAsksForFeedback: the subscriber connection's offer asks for transport-wide
// congestion control feedback (draft-holmer-rmcat-transport-wide-cc) and NACK/PLI on video,
// without which a browser sends no feedback and bandwidth estimation is blind; and not on audio,
// whose feedback would cost every subscriber a packet every 100 ms for an estimate that chooses
// video layers only.
func TestSubscriberOfferAsksForFeedback(t *testing.T) {
	pc := testConnection(t, func(e *Engine) *webrtc.MediaEngine { return e.subME })
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, m := range strings.Split(offer.SDP, "\r\nm=")[1:] {
		sections[strings.Fields(m)[0]] = m
	}
	const twcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	for _, want := range []string{"a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 nack pli", twcc} {
		if !strings.Contains(sections["video"], want) {
			t.Errorf("subscriber offer's video lacks %q", want)
		}
	}
	if !strings.Contains(sections["audio"], "urn:ietf:params:rtp-hdrext:ssrc-audio-level") {
		t.Error("subscriber offer's audio lacks the audio level extension")
	}
	for _, unwanted := range []string{"transport-cc", twcc} {
		if strings.Contains(sections["audio"], unwanted) {
			t.Errorf("subscriber offer's audio has %q", unwanted)
		}
	}
}

// TestPublisherAudioKeepsFeedback: publishers get transport-wide feedback for audio too, as
// browsers expect for their own estimate.
func TestPublisherAudioKeepsFeedback(t *testing.T) {
	pc := testConnection(t, func(e *Engine) *webrtc.MediaEngine { return e.pubME })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offer.SDP, "a=rtcp-fb:111 transport-cc") {
		t.Error("publisher audio lacks transport-cc feedback")
	}
}

// testConnection returns a peer connection of a loopback engine with the codecs me picks; both
// are closed when the test ends.
func testConnection(t *testing.T, me func(*Engine) *webrtc.MediaEngine) *webrtc.PeerConnection {
	t.Helper()
	e, err := NewEngine(Config{LoopbackOnly: true}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	pc, err := e.newConnection(me(e), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}
