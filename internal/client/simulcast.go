package client

import (
	"context"
	"fmt"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// AddSimulcastTrack adds one video track sent in simulcast: layers are its encodings, each a
// track with the same ID and stream ID and its own RID (webrtc.WithRTPStreamID), lowest
// resolution first by convention ("q", "h", "f"). The offer declares the RIDs in the track's
// "layers". Call Negotiate afterwards. Packets written to the layers must carry the mid and
// rid header extensions (RFC 8852), whose IDs StreamExtensions returns after negotiation.
func (c *Client) AddSimulcastTrack(layers []*webrtc.TrackLocalStaticRTP, source string) (*webrtc.RTPTransceiver, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("client: simulcast track without layers")
	}
	tr, err := c.pub.AddTransceiverFromTrack(layers[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	sender := tr.Sender()
	rids := []string{layers[0].RID()}
	for _, l := range layers[1:] {
		if err := sender.AddEncoding(l); err != nil {
			return nil, fmt.Errorf("add simulcast layer %q: %w", l.RID(), err)
		}
		rids = append(rids, l.RID())
	}
	c.mu.Lock()
	c.declared = append(c.declared, trackDecl{CID: layers[0].ID(), Source: source, Layers: rids})
	c.mu.Unlock()
	for _, rid := range rids {
		go c.drainRTCP(sender, layers[0].ID(), rid)
	}
	return tr, nil
}

// StreamExtensions returns the negotiated IDs of the mid and rid header extensions of a
// transceiver, and its mid: what a simulcast sender puts in each packet (RFC 8843, RFC 8852).
// An ID is 0 if the extension was not negotiated.
func StreamExtensions(tr *webrtc.RTPTransceiver) (midID, ridID uint8, mid string) {
	for _, e := range tr.Sender().GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	return midID, ridID, tr.Mid()
}

// TrackView says how the client shows one remote video track (the subscribe message).
type TrackView struct {
	TrackID string `json:"track_id"`
	Visible bool   `json:"visible"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
}

// Subscribe tells the server how the client shows remote video tracks, so that it forwards
// nothing for invisible ones and picks the simulcast layer that fits the others.
func (c *Client) Subscribe(ctx context.Context, views []TrackView) error {
	return c.send(ctx, map[string]any{"type": "subscribe", "tracks": views})
}

// Layers is the server's layers message: the simulcast layers of one of this participant's
// published tracks that somebody needs. The others may be paused.
type Layers struct {
	Type    string   `json:"type"`
	TrackID string   `json:"track_id"`
	Active  []string `json:"active"`
}

// Speakers is the server's speakers message: who speaks now, loudest first.
type Speakers struct {
	Type     string    `json:"type"`
	Speakers []Speaker `json:"speakers"`
}

// Speaker is one entry of Speakers.
type Speaker struct {
	ParticipantID string  `json:"participant_id"`
	Level         float64 `json:"level"`
}
