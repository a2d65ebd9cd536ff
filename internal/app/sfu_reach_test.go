package app

import (
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// TestMediaPortSilentWithoutAdmission: someone who was never admitted (waiting in the lobby or
// denied) has no media session: ICE checks sent straight to the media port, with made-up
// credentials, get no answer, and nothing is forwarded to them.
func TestMediaPortSilentWithoutAdmission(t *testing.T) {
	a, _ := startApp(t)
	base := a.URL()
	ownerHC := signIn(t, base, "Dominique")
	code := createRoom(t, ownerHC, base, "restricted")
	g, first := knock(t, base, code, guestToken(t, base, code, "Mallory"))
	if first["type"] != "lobby" {
		t.Fatalf("guest: %v, want the lobby", first)
	}
	forwarded := metric(t, base, "visio_sfu_forwarded_packets_total")

	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, addr := range a.MediaAddrs() {
		ua, ok := addr.(*net.UDPAddr)
		if !ok || ua.IP.To4() == nil {
			continue
		}
		for _, ufrag := range []string{"guess:mallory", "aaaaaaaaaaaaaaaa:bbbb", ":"} {
			msg, err := stun.Build(stun.TransactionID, stun.BindingRequest,
				stun.NewUsername(ufrag), stun.NewShortTermIntegrity("not-the-password"), stun.Fingerprint)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.WriteToUDP(msg.Raw, ua); err != nil {
				t.Fatal(err)
			}
		}
		// Some RTP too, as if a session existed.
		if _, err := conn.WriteToUDP([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3}, ua); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	buf := make([]byte, 1500)
	if n, from, err := conn.ReadFromUDP(buf); err == nil {
		t.Fatalf("the media port answered an unadmitted client: %d bytes from %v", n, from)
	}
	if got := metric(t, base, "visio_sfu_forwarded_packets_total"); got != forwarded {
		t.Errorf("forwarded packets went from %v to %v", forwarded, got)
	}
	g.send(`{"type":"leave"}`)
}
