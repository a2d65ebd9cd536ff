package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/client"
)

// exchange has a publisher and a subscriber, made with pubAPI and subAPI and options o, meet on
// the server at base: the subscriber receives the publisher's audio and video with the exact
// payloads, in order, without gaps.
func exchange(t *testing.T, base string, pubAPI, subAPI *webrtc.API, o client.Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	pub := joinNet(t, pubAPI, base, code, "Publisher", o)
	pub.publish(3)
	sub := joinNet(t, subAPI, base, code, "Subscriber", o)
	eventually(t, 30*time.Second, "the subscriber to receive audio and video", func() bool {
		a, _ := sub.packets(sub.trackOf(pub.c.ID(), "microphone"))
		v, _ := sub.packets(sub.trackOf(pub.c.ID(), "camera"))
		return len(a) >= 40 && len(v) >= 40
	})
	a, _ := sub.packets(sub.trackOf(pub.c.ID(), "microphone"))
	v, _ := sub.packets(sub.trackOf(pub.c.ID(), "camera"))
	checkStream(t, "audio", a, 3, 'a', 160)
	checkStream(t, "video", v, 3, 'v', 1000)
}

// joinNet is join with client options o (the handlers are the participant's own).
func joinNet(t *testing.T, api *webrtc.API, base, code, name string, o client.Options) *participant {
	t.Helper()
	p := &participant{t: t, tracks: map[string]*received{}}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	o.Loopback, o.OnTrack = true, p.onTrack
	o.OnEvent = func(m any) {
		p.mu.Lock()
		p.events = append(p.events, m)
		p.mu.Unlock()
	}
	p.joined = time.Now()
	c, err := client.Join(ctx, api, base, code, name, o)
	if err != nil {
		t.Fatalf("%s join: %v", name, err)
	}
	p.c = c
	t.Cleanup(p.close)
	return p
}

// labelled returns the value of metric name with one label set to value.
func labelled(t testing.TB, base, name, label, value string) float64 {
	t.Helper()
	return metric(t, base, fmt.Sprintf("%s{%s=%q}", name, label, value))
}

// TestICEOverTCP: participants whose network lets no UDP through (TCP candidates only) meet
// over the media TCP port with the exact payloads; their connections count as TCP, and media
// to the subscriber goes through pion's send path (the server's own sends only UDP).
func TestICEOverTCP(t *testing.T) {
	base := startServer(t)
	api, err := client.NewAPIWith(client.APIOptions{Loopback: true, TCPOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, base, api, api, client.Options{})
	// The publisher's publishing connection and the subscriber's receiving one.
	if n := labelled(t, base, "visio_sfu_connections_total", "transport", "tcp"); n != 2 {
		t.Errorf("connections over TCP: %v, want 2", n)
	}
	if n := labelled(t, base, "visio_sfu_connections_total", "transport", "udp"); n != 0 {
		t.Errorf("connections over UDP: %v, want none", n)
	}
	if n := labelled(t, base, "visio_sfu_subscriber_send_paths_total", "path", "pion"); n != 1 {
		t.Errorf("subscriber connections sent through pion: %v, want 1", n)
	}
	if n := labelled(t, base, "visio_sfu_subscriber_send_paths_total", "path", "direct"); n != 0 {
		t.Errorf("subscriber connections sent directly: %v, want none over TCP", n)
	}
}
