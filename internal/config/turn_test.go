package config

import (
	"strings"
	"testing"
)

// TestTURN: the relay is on by default; settings are read from the environment and flags;
// what is wrong is refused with the setting's name and what to do.
func TestTURN(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	if err != nil || c.TURN.Mode != TURNEmbedded || c.TURN.Port != 3478 || c.Media.TCPPort != 7881 || !c.TURN.OnHTTPSPort {
		t.Fatalf("defaults: %+v, tcp %d, %v", c.TURN, c.Media.TCPPort, err)
	}
	env := map[string]string{"VISIO_TURN_MODE": "external", "VISIO_TURN_SECRET": "s", "VISIO_TURN_PORT": "0", "VISIO_MEDIA_TCP_PORT": "-1"}
	c, err = Load([]string{"--turn-port", "5000"}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "turn.urls") {
		t.Errorf("external without URLs: %v, want an error naming turn.urls", err)
	}
	env["VISIO_TURN_MODE"] = "embedded"
	c, err = Load([]string{"--turn-port", "5000"}, func(k string) string { return env[k] })
	if err != nil || c.TURN.Port != 5000 || c.Media.TCPPort != -1 || c.TURN.Secret != "s" {
		t.Errorf("flags and environment: port %d, tcp %d, %v", c.TURN.Port, c.Media.TCPPort, err)
	}
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.TURN.Mode = "coturn" }, "turn.mode"},
		{func(c *Config) { c.TURN.Port = 70000 }, "turn.port"},
		{func(c *Config) { c.Media.TCPPort = 3478 }, "give them different ports"},
		{func(c *Config) { c.Media.TCPPort = -2 }, "media.tcp_port"},
		{func(c *Config) { c.TURN.TLSAddr = ":5349" }, "needs a certificate"},
		{func(c *Config) { c.TURN.TLSAddr = "5349" }, "turn.tls_addr"},
		{func(c *Config) { c.TURN.TLSCert = "cert.pem" }, "turn.tls_cert and turn.tls_key"},
		{func(c *Config) { c.TURN.Host = "turn://x:3478" }, "turn.host"},
		{func(c *Config) { c.TURN.MaxBitrate = 10 }, "turn.max_bitrate"},
		{func(c *Config) { c.TURN.MaxAllocationsPerUser = 0 }, "turn.max_allocations_per_user"},
		{func(c *Config) { c.TURN.CredentialLifetime = 0 }, "turn.credential_lifetime"},
		{func(c *Config) { c.TURN.Mode, c.TURN.URLs = TURNExternal, []string{"stun:x"} }, "turn.secret"},
	} {
		c := Default()
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.want, err)
		}
	}
	c = Default()
	c.HTTP.PublicURL = "https://visio.example.gouv.fr"
	if h := c.RelayHost(); h != "visio.example.gouv.fr" {
		t.Errorf("relay host %q, want the public URL's", h)
	}
	c.TURN.Host = "turn.example.gouv.fr"
	if h := c.RelayHost(); h != "turn.example.gouv.fr" {
		t.Errorf("relay host %q, want turn.host", h)
	}
}
