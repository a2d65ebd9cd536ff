package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/client"
	"visio/internal/signal"
)

// probe runs one connection test as the page does: a data channel offered to the server on
// network, a message echoed back.
func probe(t *testing.T, api *webrtc.API, base, network string, cfg webrtc.Configuration, timeout time.Duration) error {
	t.Helper()
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dc, err := pc.CreateDataChannel("probe", nil)
	if err != nil {
		t.Fatal(err)
	}
	echoed := make(chan string, 1)
	dc.OnOpen(func() { _ = dc.SendText("ping " + network) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		select {
		case echoed <- string(m.Data):
		default:
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	body, _ := json.Marshal(map[string]string{"network": network, "sdp": pc.LocalDescription().SDP})
	resp, err := http.Post(base+"/api/v1/connection-test", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		SDP string `json:"sdp"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("answer: %d %v", resp.StatusCode, err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-echoed:
		if m != "ping "+network {
			t.Errorf("echo %q", m)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestConnectionTest: the connection test page's server side answers over UDP, over TCP, and
// through the relay with the credentials it hands out; what the browser sends comes back; a
// check passes only by its own way.
func TestConnectionTest(t *testing.T) {
	base := startServer(t)
	resp, err := http.Get(base + "/api/v1/connection-test")
	if err != nil {
		t.Fatal(err)
	}
	var servers struct {
		ICEServers []signal.ICEServerJSON `json:"ice_servers"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&servers)
	resp.Body.Close()
	if len(servers.ICEServers) != 1 || !strings.Contains(servers.ICEServers[0].Username, ":connection-test-") {
		t.Fatalf("ICE servers %+v, want the relay with test credentials", servers.ICEServers)
	}
	udp, _ := client.NewAPI(true)
	tcp, _ := client.NewAPIWith(client.APIOptions{Loopback: true, TCPOnly: true})
	s := servers.ICEServers[0]
	var turnUDP []string
	for _, u := range s.URLs {
		if strings.HasSuffix(u, "transport=udp") {
			turnUDP = append(turnUDP, u)
		}
	}
	cases := []struct {
		name, network string
		api           *webrtc.API
		cfg           webrtc.Configuration
	}{
		{"udp", "udp", udp, webrtc.Configuration{}},
		{"tcp", "tcp", tcp, webrtc.Configuration{}},
		{"turn/udp", "udp", udp, webrtc.Configuration{ICETransportPolicy: webrtc.ICETransportPolicyRelay,
			ICEServers: []webrtc.ICEServer{{URLs: turnUDP, Username: s.Username, Credential: s.Credential}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := probe(t, tc.api, base, tc.network, tc.cfg, 10*time.Second); err != nil {
				t.Fatalf("no echo: %v", err)
			}
		})
	}
	// Each check tells one way apart: a browser that reaches the server over UDP only fails
	// the TCP check.
	if err := probe(t, udp, base, "tcp", webrtc.Configuration{}, 3*time.Second); err == nil {
		t.Error("a browser with UDP only passed the TCP check")
	}
	resp, err = http.Post(base+"/api/v1/connection-test", "application/json", strings.NewReader(`{"network":"sctp","sdp":"v=0"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown network: %d, want 400", resp.StatusCode)
	}
}
