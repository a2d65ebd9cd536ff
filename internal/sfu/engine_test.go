package sfu

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestSubscriberOfferAsksForFeedback: the subscriber connection's offer asks for transport-wide
// congestion control feedback (draft-holmer-rmcat-transport-wide-cc) and
// NACK/PLI, without which a browser sends no feedback and bandwidth estimation is blind.
func TestSubscriberOfferAsksForFeedback(t *testing.T) {
	e, err := NewEngine(Config{LoopbackOnly: true}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pc, err := e.newConnection(e.subME, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"a=rtcp-fb:96 transport-cc", "a=rtcp-fb:111 transport-cc", "a=rtcp-fb:96 nack pli",
		"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
		"urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	} {
		if !strings.Contains(offer.SDP, want) {
			t.Errorf("subscriber offer lacks %q", want)
		}
	}
}
