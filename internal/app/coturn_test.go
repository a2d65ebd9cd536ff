package app

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/turn"
)

// startCoturn runs coturn (Debian's coturn package) on loopback with the TURN REST API's
// shared-secret scheme, and returns its port; the test is skipped when coturn is not installed.
func startCoturn(t *testing.T, secret string) int {
	t.Helper()
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		t.Skip("coturn is not installed (apt-get install coturn)")
	}
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.LocalAddr().(*net.UDPAddr).Port
	_ = probe.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-n", "--no-cli", "--no-tls", "--no-dtls", "--log-file=stdout",
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port="+strconv.Itoa(port),
		"--use-auth-secret", "--static-auth-secret="+secret, "--realm=visio.test",
		"--allow-loopback-peers", "--no-multicast-peers", "--fingerprint")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	// Ready once it answers a STUN binding request.
	conn, err := net.Dial("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
		_, _ = conn.Write(msg.Raw)
		_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := conn.Read(make([]byte, 1500)); err == nil {
			return port
		}
		if time.Now().After(deadline) {
			t.Fatal("coturn did not answer within 10 s")
		}
	}
}

// TestExternalTURN: with turn.mode = "external", participants get coturn's addresses with
// credentials of their own made with the shared secret (coturn's use-auth-secret), and relay-only
// participants exchange media through coturn with the exact payloads.
func TestExternalTURN(t *testing.T) {
	const secret = "shared-with-coturn"
	port := startCoturn(t, secret)
	base := startServer(t, func(c *config.Config) {
		c.TURN.Mode = config.TURNExternal
		c.TURN.Secret = secret
		c.TURN.URLs = []string{"turn:127.0.0.1:" + strconv.Itoa(port) + "?transport=udp"}
	})
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, base, api, api, client.Options{ICE: &client.ICEPolicy{Relay: true}})
	if got := labelled(t, base, "visio_sfu_connections_total", "transport", "turn/other"); got != 2 {
		t.Errorf("connections through the external relay: %v, want 2", got)
	}
	// coturn does check them: credentials made with another secret get no allocation.
	forged := turn.Issue([]byte("not the secret"), "mallory", time.Now(), time.Hour)
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	tc, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Conn: conn,
		Username: forged.Username, Password: forged.Password, Realm: "visio.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { tc.Close(); _ = conn.Close() }()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	if relay, err := tc.Allocate(); err == nil {
		relay.Close()
		t.Error("coturn allocated with credentials of another secret")
	}
}
